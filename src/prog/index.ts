/**
 * Programs: `ProgramSpec` (pure data) and `Program` (a loaded program: load with the verifier-log policy,
 * test runs, pinning, info). Re-exported from the package root.
 */
export {
  compareKernelRelease,
  type KernelRelease,
  kernelVersionCode,
  parseKernelRelease,
  runningKernelRelease,
} from './kernel-release.js';
export { DEFAULT_LOG_SIZE, type LogOptions, MAX_LOG_SIZE } from './load-attempts.js';
export { encodeProgramCode, INSTRUCTION_SLOT_SIZE, MAX_INSTRUCTIONS } from './load-attr.js';
export {
  type TracingProbeResult,
  type TrampolineFeature,
  tracingLoadProbe,
  trampolineFeature,
} from './load-error.js';
export { kernelObjectName, MAX_OBJECT_NAME_LENGTH } from './object-name.js';
export { Program, type ProgramLoadOptions, type ProgramOpenOptions } from './program.js';
export type { ProgramInfo, ProgramInfoOptions } from './program-info.js';
export { type ProgramCode, ProgramSpec, type ProgramSpecInit } from './program-spec.js';
export { TEST_RUN_DATA_HEADROOM, type TestRunOptions, type TestRunResult } from './test-run.js';
