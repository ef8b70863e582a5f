/**
 * Collections: `loadCollectionSpec` parses a BPF ELF object into a `CollectionSpec` (pure data: maps,
 * programs, variables, BTF), `newCollection` / `spec.loadAndAssign` load it into the kernel as a
 * `Collection` of maps, programs and variables.
 */
export { Collection } from './collection.js';
export {
  CollectionSpec,
  type CollectionSpecInit,
  emptyObjectInfo,
  type ObjectInfo,
} from './collection-spec.js';
export { internalMapName } from './data-sections.js';
export type { ExternSpec, ExternTable, KconfigExtern, KfuncExtern, KsymExtern } from './externs.js';
export {
  type CollectionOptions,
  type LoadRequest,
  newCollection,
  newCollectionAsync,
} from './load-collection.js';
export { type LoadCollectionSpecOptions, loadCollectionSpec } from './load-collection-spec.js';
export { coreRelocationOf, ObjectInstruction } from './object-instruction.js';
export { PoisonedInstructionError } from './poisoned-error.js';
export { type AttachTarget, needsAttachBtf, parseSectionName, type SectionInfo } from './section-names.js';
export { Variable } from './variable.js';
export { VariableSpec, type VariableSpecInit } from './variable-spec.js';
export type { VariableValue } from './variable-value.js';
