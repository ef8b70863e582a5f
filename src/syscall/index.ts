/**
 * The syscall layer: the backend interface, its koffi and fake implementations, fd ownership, bpf_attr
 * layouts and typed command wrappers. Internal to ebpf-ts except for the names re-exported from the root.
 */
export * from './attr.js';
export * from './attr-layouts.js';
export * from './backend.js';
export * from './bpf.js';
export * from './context.js';
export * from './fake-backend.js';
export * from './fd.js';
export * from './fd-tracker.js';
export * from './info-layouts.js';
export * from './poller.js';
export * from './result.js';
export * from './uapi-enums.js';
