/**
 * `ebpf-ts/features`: what the running kernel supports. Each probe returns when the feature is there,
 * throws `NotSupportedError` (naming the feature and the first kernel with it) when it is not, and throws
 * any other error (EPERM without privileges...) as is. Conclusive answers are cached per kernel context.
 */

export { haveMapType } from './map-types.js';
export { haveBoundedLoops, haveLargeInstructions } from './misc.js';
export { mapTypeFeature, mapTypeMinKernel, programTypeFeature, programTypeMinKernel } from './names.js';
export type { ProbeOptions } from './probe-cache.js';
export { haveProgramHelper } from './program-helpers.js';
export { haveAttachType, haveProgramType } from './program-types.js';
