/**
 * Loading an object's BTF into the kernel for its maps (key/value type ids) and programs (func and line
 * info). The types are marshalled in ID order with the fixups of `btf-fixup.ts` in place of the types
 * they replace, so IDs stay those of the object; kinds the kernel lacks are sanitized. The source file
 * names and lines of line info are appended to the string table. Kernels without BTF support load the
 * collection without it; a BTF the kernel rejects is an error (it would be a loader bug).
 */
import { marshalTypes, type Spec, type Type } from '../btf/index.js';
import { BtfHandle, kernelSanitizeOptions } from '../btf/kernel.js';
import { EbpfError, isNotSupportedError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { KernelContext } from '../syscall/context.js';

/** The object's BTF as loaded in the kernel. */
export interface ObjectBtf {
  readonly handle: BtfHandle;
  /** The ID of an object type (or of its replacement) in the loaded BTF. */
  typeId(type: Type): number | undefined;
  /** The string table offset of a line-info string added at load. */
  stringOffset(s: string): number | undefined;
}

/**
 * `bytes` (a host-order BTF blob whose string section is last) with `strings` appended to its string
 * table, and the offset of each.
 */
export function appendBtfStrings(
  bytes: Uint8Array,
  strings: Iterable<string>,
): { bytes: Uint8Array; offsets: Map<string, number> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = hostByteOrder === 'little';
  const hdrLen = view.getUint32(4, little);
  const strOff = view.getUint32(16, little);
  const strLen = view.getUint32(20, little);
  if (hdrLen + strOff + strLen !== bytes.byteLength)
    throw new EbpfError('btf: string section is not last', 'EINVAL');
  const encoder = new TextEncoder();
  const offsets = new Map<string, number>();
  const chunks: Uint8Array[] = [];
  let added = 0;
  for (const s of strings) {
    if (offsets.has(s)) continue;
    const b = encoder.encode(`${s}\0`);
    offsets.set(s, strLen + added);
    chunks.push(b);
    added += b.byteLength;
  }
  const out = new Uint8Array(bytes.byteLength + added);
  out.set(bytes);
  let at = bytes.byteLength;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  new DataView(out.buffer).setUint32(20, strLen + added, little);
  return { bytes: out, offsets };
}

/** The types of `types` in ID order, each replaced by its fixup if it has one. */
export function kernelTypeList(types: Spec, replacements: ReadonlyMap<Type, Type>): Type[] {
  const list: Type[] = [];
  for (let id = types.firstID; id < types.nextID; id++) {
    const t = types.typeByID(id);
    list.push(replacements.get(t) ?? t);
  }
  return list;
}

/**
 * Marshals and loads the object BTF; `lineStrings` are the file names and source lines to add. Returns
 * undefined when the kernel cannot load BTF at all (`NotSupportedError`); a rejected BTF is an error
 * (`VerifierError` with the kernel's BTF log) prefixed `load BTF`.
 */
export function loadObjectBtf(
  ctx: KernelContext,
  types: Spec,
  replacements: ReadonlyMap<Type, Type>,
  lineStrings: Iterable<string>,
): ObjectBtf | undefined {
  try {
    const list = kernelTypeList(types, replacements);
    const marshalled = marshalTypes(list, { byteOrder: hostByteOrder, sanitize: kernelSanitizeOptions(ctx) });
    const { bytes, offsets } = appendBtfStrings(marshalled.bytes, lineStrings);
    const handle = BtfHandle.loadBytes(bytes, { ctx });
    const ids = marshalled.ids;
    return {
      handle,
      typeId: (t) => ids.get(replacements.get(t) ?? t),
      stringOffset: (s) => offsets.get(s),
    };
  } catch (e) {
    if (isNotSupportedError(e)) return undefined;
    throw e instanceof EbpfError ? e.withContext('load BTF') : e;
  }
}
