/**
 * Public entry of `ebpf-ts/btf`: parsing `.BTF`/`.BTF.ext`, the type model, lookups, marshalling and
 * dumps. Pure: no node:* imports.
 */

export {
  type BtfCodec,
  type BtfRecord,
  type BtfTypedArray,
  type BtfValue,
  type Codec,
  type CodecOptions,
  codecFor,
} from './codec.js';
export * from './core.js';
export { type DumpCOptions, dumpC } from './dump-c.js';
export {
  AmbiguousTypeError,
  BtfError,
  isAmbiguousTypeError,
  isBtfError,
  isTypeNotFoundError,
  TypeNotFoundError,
} from './errors.js';
export {
  type CoreRelo,
  CoreReloKind,
  coreReloKindName,
  type ExtInfo,
  type FuncInfo,
  type LineInfo,
  type ParseExtInfoOptions,
  parseExtInfo,
} from './ext-info.js';
export * from './kernel.js';
export { FuncLinkage, IntEncoding, Kind, kindName, VarLinkage } from './kind.js';
export {
  type MarshalOptions,
  type MarshalResult,
  marshalSpec,
  marshalTypes,
  type SanitizeOptions,
} from './marshal.js';
export { dumpRaw, formatRawType } from './raw-dump.js';
export { type LoadSpecOptions, loadSpec, Spec } from './spec.js';
export { StringTable, StringTableBuilder } from './string-table.js';
export {
  alignof,
  childTypes,
  essentialName,
  isQualifier,
  MAX_RESOLVE_DEPTH,
  sizeof,
  skipQualifiers,
  underlyingType,
} from './type-utils.js';
export {
  ArrayType as Array,
  ArrayType,
  type CompositeType,
  Const,
  Datasec,
  DeclTag,
  Enum,
  type EnumValue,
  Float,
  Func,
  FuncParam,
  FuncProto,
  Fwd,
  Int,
  LazyType,
  Member,
  Pointer,
  type Qualifier,
  Restrict,
  Struct,
  type Type,
  type TypeClass,
  Typedef,
  type TypeKind,
  type TypeRef,
  type TypeResolver,
  TypeTag,
  Union,
  UnknownType,
  Var,
  VarSecinfo,
  Void,
  Volatile,
  voidType,
} from './types.js';
export { type BtfHeader, type LayoutEntry, parseBtfHeader } from './wire-header.js';
