/**
 * `ebpf-ts/tracepipe`: read `bpf_printk` output from the kernel's trace_pipe as parsed lines.
 */
export { parseTraceLine, type TraceLine } from './parse.js';
export { findTracePipe, type TracePipeOptions, TracePipeReader, tracePipe } from './trace-pipe.js';
