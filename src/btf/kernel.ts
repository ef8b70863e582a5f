/**
 * The kernel-facing part of `ebpf-ts/btf` (layer 4: reads files and makes syscalls): the running
 * kernel's BTF and its modules', kernel type and attach-target lookups, and `BtfHandle` for BTF objects
 * in the kernel. The pure part (`Spec`, `loadSpec`, marshalling) is in `./index.ts`.
 */
export {
  attachKindOf,
  type FindKernelOptions,
  findKernelFunction,
  findKernelType,
  type KernelAttachKind,
  type KernelModuleTarget,
  type KernelTypeMatch,
  kernelAttachName,
} from './kernel-find.js';
export { BtfHandle, type BtfLoadOptions } from './kernel-handle.js';
export {
  type BtfObjectInfo,
  type BtfObjectOptions,
  kernelBtfObjectId,
  type OpenBtfObject,
  openKernelBtfObject,
  readBtfBytes,
  readBtfInfo,
  walkBtfObjects,
} from './kernel-objects.js';
export {
  BTF_FEATURE_INFO,
  BTF_FEATURES,
  type BtfFeature,
  btfFeatureCacheKey,
  btfFeatureProbe,
  haveBtfFeature,
  kernelSanitizeOptions,
  requireBtfFeature,
} from './kernel-sanitize.js';
export {
  type BtfFileContents,
  KERNEL_BTF_MIN_KERNEL,
  locateKernelBtf,
  readBtfFile,
  SYSFS_BTF_DIR,
  SYSFS_VMLINUX_BTF,
  vmlinuxBtfCandidates,
  vmlinuxImageCandidates,
} from './kernel-source.js';
export {
  KERNEL_SPEC_CACHE_KEY,
  type KernelModuleOptions,
  type KernelModuleSpec,
  type KernelSpecOptions,
  kernelBaseSpec,
  kernelModuleNames,
  kernelModuleSpecs,
  loadKernelModuleSpec,
  loadKernelSpec,
} from './kernel-spec.js';
