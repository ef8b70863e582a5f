/**
 * `struct(...)`: a codec for a fixed-size C struct described field by field as `[offset, codec]`. Padding
 * bytes (not covered by any field) are written as zero, so equal objects always encode to equal keys.
 */
import { EbpfError } from '../errors.js';
import { type Codec, decodeAt, encodeAt } from './codec.js';

/** Field layout: each field name maps to `[byte offset, codec]`. */
export type StructFields = Record<string, readonly [number, Codec<unknown>]>;

/** The object type a `struct(fields)` codec produces. */
export type StructValue<F extends StructFields> = {
  [N in keyof F]: F[N] extends readonly [number, Codec<infer T>] ? T : never;
};

/**
 * A codec for a struct of `size` bytes whose fields sit at the given offsets. Throws an `EbpfError` when a
 * field does not fit inside `size` or two fields overlap.
 */
export function struct<F extends StructFields>(fields: F, size: number): Codec<StructValue<F>> {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new EbpfError(`struct codec: invalid size ${size}`, 'EINVAL');
  const list = Object.entries(fields).map(([name, [offset, codec]]) => ({ name, offset, codec }));
  const sorted = [...list].sort((a, b) => a.offset - b.offset);
  let end = 0;
  let prev = '';
  for (const f of sorted) {
    if (!Number.isSafeInteger(f.offset) || f.offset < 0 || f.offset + f.codec.size > size)
      throw new EbpfError(
        `struct codec: field ${f.name} (offset ${f.offset}) does not fit in ${size} bytes`,
        'EINVAL',
      );
    if (f.offset < end) throw new EbpfError(`struct codec: field ${f.name} overlaps ${prev}`, 'EINVAL');
    end = f.offset + f.codec.size;
    prev = f.name;
  }
  const encodeFieldsAt = (value: StructValue<F>, buf: Uint8Array, offset: number): void => {
    if (typeof value !== 'object' || value === null)
      throw new EbpfError(`struct codec: expected an object, got ${String(value)}`, 'EINVAL');
    buf.fill(0, offset, offset + size);
    const rec = value as Record<string, unknown>;
    for (const f of list) {
      if (!(f.name in rec)) throw new EbpfError(`struct codec: missing field ${f.name}`, 'EINVAL');
      encodeAt(f.codec, rec[f.name], buf, offset + f.offset);
    }
  };
  const decodeFieldsAt = (buf: Uint8Array, offset: number): StructValue<F> => {
    const out: Record<string, unknown> = {};
    for (const f of list) out[f.name] = decodeAt(f.codec, buf, offset + f.offset);
    return out as StructValue<F>;
  };
  const codec: Codec<StructValue<F>> = {
    size,
    encode: (value, out) => encodeFieldsAt(value, out, 0),
    decode: (b) => decodeFieldsAt(b, 0),
    encodeAt: encodeFieldsAt,
    decodeAt: decodeFieldsAt,
  };
  if (list.every((f) => f.codec.encodeView !== undefined && f.codec.decodeView !== undefined))
    addViewMethods(codec, list, size);
  return codec;
}

/** The padding of a struct: byte ranges `[start, end)` that no field covers. */
function paddingOf(
  fields: ReadonlyArray<{ offset: number; codec: Codec<unknown> }>,
  size: number,
): number[][] {
  const sorted = [...fields].sort((a, b) => a.offset - b.offset);
  const gaps: number[][] = [];
  let end = 0;
  for (const f of sorted) {
    if (f.offset > end) gaps.push([end, f.offset]);
    end = f.offset + f.codec.size;
  }
  if (size > end) gaps.push([end, size]);
  return gaps;
}

/** DataView methods for a struct whose fields all have them (padding zeroed byte by byte). */
function addViewMethods<T>(
  codec: Codec<T>,
  list: ReadonlyArray<{ name: string; offset: number; codec: Codec<unknown> }>,
  size: number,
): void {
  const gaps = paddingOf(list, size);
  codec.encodeView = (value, view, offset) => {
    if (typeof value !== 'object' || value === null)
      throw new EbpfError(`struct codec: expected an object, got ${String(value)}`, 'EINVAL');
    const rec = value as Record<string, unknown>;
    for (const f of list) {
      if (!(f.name in rec)) throw new EbpfError(`struct codec: missing field ${f.name}`, 'EINVAL');
      f.codec.encodeView!(rec[f.name], view, offset + f.offset);
    }
    for (const [start, end] of gaps) for (let i = start!; i < end!; i++) view.setUint8(offset + i, 0);
  };
  codec.decodeView = (view, offset) => {
    const out: Record<string, unknown> = {};
    for (const f of list) out[f.name] = f.codec.decodeView!(view, offset + f.offset);
    return out as T;
  };
}
