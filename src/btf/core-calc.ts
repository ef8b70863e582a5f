/**
 * Computing the value a CO-RE relocation puts into its instruction, for one side (local or target)
 * of a relocation, and combining both sides (libbpf's `bpf_core_calc_relo`): field offsets, sizes,
 * signedness and bitfield shifts, type IDs, existence and sizes, enumerator values. Pure.
 */
import { CoreSpecError } from './core-errors.js';
import {
  type CoreAccessSpec,
  coreSizeof,
  coreUnderlying,
  isEnumvalReloKind,
  isFieldReloKind,
  isTypeReloKind,
} from './core-spec.js';
import { CoreReloKind } from './ext-info.js';
import { IntEncoding } from './kind.js';
import type { CompositeType, Type } from './types.js';

/** The values of one relocation: what the compiler put in (local) and what to patch in (target). */
export interface CoreRelocationValues {
  /** Value computed from the local spec (what the instruction should hold now). */
  localValue: bigint;
  /** Value computed from the target spec (what to patch in). */
  targetValue: bigint;
  /** The target could not be resolved and the instruction must be poisoned. */
  poisoned: boolean;
  /** Whether the instruction's current value must equal `localValue` before patching. */
  validate: boolean;
  /** Byte size of the accessed field locally (0 unless byte_off of a non-bitfield). */
  localSize: number;
  /** Byte size of the accessed field in the target (0 unless byte_off of a non-bitfield). */
  targetSize: number;
  /** Field sizes differ and the field is neither a pointer nor an unsigned int on both sides. */
  failMemSizeAdjust: boolean;
}

interface SideValue {
  value: bigint;
  size: number;
  type: Type | undefined;
  validate: boolean;
}

/** Marker for "this side needs the instruction poisoned" (libbpf: -EUCLEAN). */
const POISON = 'poison';

function fieldValue(
  kind: number,
  spec: CoreAccessSpec | undefined,
  insnIndex: number,
): SideValue | typeof POISON {
  if (kind === CoreReloKind.FieldExists) {
    return { value: spec === undefined ? 0n : 1n, size: 0, type: undefined, validate: true };
  }
  if (spec === undefined) return POISON;
  const acc = spec.accessors[spec.accessors.length - 1];
  if (acc === undefined) throw new CoreSpecError('field spec has no accessors');

  if (acc.name === undefined) {
    // An array element (or the root itself): only offset and size make sense.
    const size = coreSizeof(acc.type);
    if (kind === CoreReloKind.FieldByteOffset) {
      return { value: BigInt(Math.floor(spec.bitOffset / 8)), size, type: acc.type, validate: true };
    }
    if (kind === CoreReloKind.FieldByteSize)
      return { value: BigInt(size), size: 0, type: undefined, validate: true };
    throw new CoreSpecError(
      `relocation kind ${kind} at insn ${insnIndex} cannot be applied to an array access`,
    );
  }

  const member = (acc.type as CompositeType).members[acc.index];
  if (member === undefined) throw new CoreSpecError(`member index ${acc.index} out of range`);
  const mt = coreUnderlying(member.type);
  const bitOff = spec.bitOffset;
  let bitSize = member.bitfieldSize;
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    if (mt.kind !== 'int' && mt.kind !== 'enum') {
      throw new CoreSpecError(`bitfield of ${mt.kind} type at insn ${insnIndex}`);
    }
    byteSize = mt.size;
    if (byteSize <= 0) throw new CoreSpecError(`bitfield of zero-sized type at insn ${insnIndex}`);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    // The smallest load (up to 8 bytes) that covers the whole bitfield.
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) {
        throw new CoreSpecError(`bitfield at insn ${insnIndex} cannot be read with a 64-bit load`);
      }
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  } else {
    byteSize = coreSizeof(mt);
    byteOff = Math.floor(bitOff / 8);
    bitSize = byteSize * 8;
  }

  // Bitfield offsets are ambiguous (the compiler may pick another load size): validate only what is
  // never ambiguous.
  let validate = !bitfield;
  let value: bigint;
  let size = 0;
  let type: Type | undefined;
  switch (kind) {
    case CoreReloKind.FieldByteOffset:
      value = BigInt(byteOff);
      if (!bitfield) {
        size = byteSize;
        type = mt;
      }
      break;
    case CoreReloKind.FieldByteSize:
      value = BigInt(byteSize);
      break;
    case CoreReloKind.FieldSigned:
      value =
        (mt.kind === 'enum' && mt.signed) || (mt.kind === 'int' && (mt.encoding & IntEncoding.Signed) !== 0)
          ? 1n
          : 0n;
      validate = true;
      break;
    case CoreReloKind.FieldLShiftU64:
      value =
        spec.spec.byteOrder === 'little'
          ? BigInt(64 - (bitOff + bitSize - byteOff * 8))
          : BigInt((8 - byteSize) * 8 + (bitOff - byteOff * 8));
      break;
    case CoreReloKind.FieldRShiftU64:
      value = BigInt(64 - bitSize);
      validate = true;
      break;
    default:
      throw new CoreSpecError(`unknown field relocation kind ${kind}`);
  }
  return { value, size, type, validate };
}

function typeValue(kind: number, spec: CoreAccessSpec | undefined): SideValue {
  if (spec === undefined) return { value: 0n, size: 0, type: undefined, validate: true };
  switch (kind) {
    case CoreReloKind.TypeIDTarget:
      // Type IDs change during linking: never validate them.
      return { value: BigInt(spec.rootID), size: 0, type: undefined, validate: false };
    case CoreReloKind.TypeExists:
    case CoreReloKind.TypeMatches:
      return { value: 1n, size: 0, type: undefined, validate: true };
    case CoreReloKind.TypeSize:
      return { value: BigInt(coreSizeof(spec.rootType)), size: 0, type: undefined, validate: true };
    default:
      throw new CoreSpecError(`unsupported type relocation kind ${kind}`);
  }
}

function enumvalValue(kind: number, spec: CoreAccessSpec | undefined): SideValue | typeof POISON {
  if (kind === CoreReloKind.EnumvalExists) {
    return { value: spec === undefined ? 0n : 1n, size: 0, type: undefined, validate: true };
  }
  if (kind !== CoreReloKind.EnumvalValue)
    throw new CoreSpecError(`unknown enumerator relocation kind ${kind}`);
  if (spec === undefined) return POISON;
  const acc = spec.accessors[0];
  const t = acc?.type;
  const v = t?.kind === 'enum' ? t.values[acc?.index ?? -1] : undefined;
  if (v === undefined) throw new CoreSpecError('enumerator spec does not point at an enumerator');
  // As a u64 bit pattern: signed enumerators are sign-extended, unsigned ones zero-extended.
  return { value: BigInt.asUintN(64, v.value), size: 0, type: undefined, validate: true };
}

function isUnsignedInt(t: Type | undefined): boolean {
  // libbpf compares the whole encoding with BTF_INT_SIGNED (so `signed char` counts as unsigned).
  return t?.kind === 'int' && t.encoding !== IntEncoding.Signed;
}

/**
 * Both sides of a relocation. `target` is undefined when no candidate matched: existence kinds then
 * yield 0, type kinds 0, and the other field/enumerator kinds ask for poisoning. `insnIndex` only
 * serves messages.
 */
export function calcCoreRelocation(
  kind: number,
  local: CoreAccessSpec,
  target: CoreAccessSpec | undefined,
  insnIndex = 0,
): CoreRelocationValues {
  const out: CoreRelocationValues = {
    localValue: 0n,
    targetValue: 0n,
    poisoned: false,
    validate: true,
    localSize: 0,
    targetSize: 0,
    failMemSizeAdjust: false,
  };
  if (isFieldReloKind(kind)) {
    const l = fieldValue(kind, local, insnIndex);
    if (l === POISON) throw new CoreSpecError('local field spec cannot be resolved');
    out.localValue = l.value;
    out.localSize = l.size;
    out.validate = l.validate;
    const t = fieldValue(kind, target, insnIndex);
    if (t === POISON) {
      out.poisoned = true;
      return out;
    }
    out.targetValue = t.value;
    out.targetSize = t.size;
    if (l.size !== t.size) {
      const bothPointers = l.type?.kind === 'pointer' && t.type?.kind === 'pointer';
      const bothUnsigned = isUnsignedInt(l.type) && isUnsignedInt(t.type);
      out.failMemSizeAdjust = !bothPointers && !bothUnsigned;
    }
    return out;
  }
  if (isTypeReloKind(kind)) {
    const l = typeValue(kind, local);
    const t = typeValue(kind, target);
    out.localValue = l.value;
    out.validate = l.validate;
    out.targetValue = t.value;
    return out;
  }
  if (isEnumvalReloKind(kind)) {
    const l = enumvalValue(kind, local);
    if (l === POISON) throw new CoreSpecError('local enumerator spec cannot be resolved');
    out.localValue = l.value;
    const t = enumvalValue(kind, target);
    if (t === POISON) out.poisoned = true;
    else out.targetValue = t.value;
    return out;
  }
  throw new CoreSpecError(`unknown relocation kind ${kind}`);
}
