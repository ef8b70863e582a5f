/**
 * Runtime codecs from BTF: `codecFor(type)` turns any sized BTF type into a `Codec` (the same shape as
 * the map codecs of `ebpf-ts`, so it plugs into `BpfMap.create(spec, { key, value })` and `map.typed`).
 *
 * Decoded values:
 * - integers up to 32 bits → `number`; 64- and 128-bit integers → `bigint` (signedness from BTF);
 *   pointers → `bigint` addresses; `_Bool` → `boolean`; `float`/`double` → `number`;
 * - enums → their value (`number`, or `bigint` for 8-byte enums), or with `enums: 'name'` the
 *   enumerator name (a value no enumerator has stays a number); encoding accepts names and values;
 * - `char[N]` → `string` (UTF-8 up to the first NUL), or with `charArrays: 'bytes'` a `Uint8Array`;
 * - other arrays of integers/floats/pointers → typed arrays (`Uint8Array`, `Int16Array`, `Uint32Array`,
 *   `BigInt64Array`, `Float64Array`...), always a fresh copy in host order; arrays of anything else →
 *   JS arrays of decoded elements (nested arrays → arrays of typed arrays);
 * - structs → plain objects keyed by the C member names; members of anonymous struct/union members are
 *   flattened into the parent as in C; padding and unnamed bitfields are skipped; zero-length trailing
 *   arrays (flexible array members) have no size and are omitted;
 * - unions → an object with every member decoded from the same bytes (default), or with
 *   `unions: 'bytes'` a `Uint8Array` copy. Encoding a union (or the flattened members of an anonymous
 *   one) writes the members present in the value in declaration order, later ones overwriting shared
 *   bytes: pass just the member you mean, e.g. `{ v4: 0x7f000001 }`;
 * - bitfields → the member type's value (`number`/`bigint`/`boolean`/enum), in either byte order;
 * - typedefs, `const`, `volatile`, `restrict` and type tags are transparent; a `Var` is its type; a
 *   laid-out `Datasec` is an object of its variables.
 *
 * Encoding zero-fills the value's bytes first (padding is always zero, so equal values give equal map
 * keys), validates every field (range, type, string length) and throws an `EbpfError` with code
 * `EINVAL` naming the field. Byte order defaults to the host's (what the kernel uses for map data).
 *
 * Allocation ("one object per record"): decoding a struct allocates exactly one plain object for it,
 * created by a single object literal with every property, plus only the values that are objects by
 * nature: one object per nested struct/union, one array per non-numeric array, one typed array (with its
 * buffer) per numeric array, one string per `char[]` (ASCII is built in 8-character pieces; non-ASCII
 * text also costs one temporary subarray for `TextDecoder`), one `Uint8Array` per raw-bytes value, and
 * one bigint per 64/128-bit value. Numbers, booleans and enumerator names allocate nothing. No DataView,
 * subarray or closure is created per call: the DataView and Uint8Array over the input's ArrayBuffer are
 * cached per codec (so a codec keeps the last ArrayBuffer it saw reachable).
 *
 * Codecs are specialised at creation: the decoder and encoder are emitted as JavaScript and compiled
 * with `new Function` (input names reach the source only as JSON string literals). Where code
 * generation from strings is forbidden (CSP without 'unsafe-eval',
 * `--disallow-code-generation-from-strings`) `codecFor` falls back to equivalent closures; pass
 * `compile: false` to always use them. Create a codec once and reuse it: creation is the costly part.
 * Pure.
 */
import { EbpfError } from '../errors.js';
import { type ByteOrder, hostByteOrder } from '../internal/bytes.js';
import { compileCodec } from './codec-compile.js';
import { CodecInterpreter, type ValueReader, type ValueWriter } from './codec-interpret.js';
import { describe, type Layout, LayoutBuilder, type LayoutOptions, layoutSize } from './codec-layout.js';
import type { Type } from './types.js';

/** Converts between `T` and exactly `size` bytes (structurally identical to the map codecs). */
export interface Codec<T> {
  /** Encoded size in bytes. */
  readonly size: number;
  /** Writes `value` into `out` (a view of at least `size` bytes). */
  encode(value: T, out: Uint8Array): void;
  /** Reads a value from `bytes` (a view of at least `size` bytes). */
  decode(bytes: Uint8Array): T;
  /** Optional fast path: writes `value` at `buf[offset]`. */
  encodeAt?(value: T, buf: Uint8Array, offset: number): void;
  /** Optional fast path: reads a value at `buf[offset]`. */
  decodeAt?(buf: Uint8Array, offset: number): T;
}

/** A codec made from BTF: always has the offset fast paths, and says how it was built. */
export interface BtfCodec<T> extends Codec<T> {
  encodeAt(value: T, buf: Uint8Array, offset: number): void;
  decodeAt(buf: Uint8Array, offset: number): T;
  /** True when the codec runs compiled code, false for the closure fallback. */
  readonly compiled: boolean;
  /** The layout tree the codec was built from. */
  readonly layout: Layout;
  /** The compiled JavaScript source, when compiled. */
  readonly source: string | undefined;
}

/** Options of `codecFor`. */
export interface CodecOptions extends LayoutOptions {
  /** Byte order of the encoded data; default the host's. */
  byteOrder?: ByteOrder;
  /** Enums as values (default) or enumerator names. */
  enums?: 'value' | 'name';
  /** Compile a specialised codec with `new Function` (default true, with a fallback when forbidden). */
  compile?: boolean;
}

/** Any typed array a BTF codec produces. */
export type BtfTypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** A decoded BTF value (the default `T` of `codecFor`). */
export type BtfValue = number | bigint | boolean | string | BtfTypedArray | BtfValue[] | BtfRecord;

/** A decoded struct, union or datasec. */
export interface BtfRecord {
  [name: string]: BtfValue;
}

/**
 * A codec for values of `type` (see the module doc for the value shapes). `T` is what callers assert
 * the values look like (e.g. a generated interface). Throws a `BtfError` for types without a fixed-size
 * value (void, functions, forward declarations) and for malformed layouts.
 */
export function codecFor<T = BtfValue>(type: Type, options: CodecOptions = {}): BtfCodec<T> {
  const layout = new LayoutBuilder(options).layoutOf(type);
  const littleEndian = (options.byteOrder ?? hostByteOrder) === 'little';
  const enums = options.enums ?? 'value';
  const label = describe(type.kind === 'var' ? type.type : type);
  const compiled = options.compile === false ? undefined : compileCodec(layout, label, littleEndian, enums);
  if (compiled !== undefined)
    return bindCodec<T>(layout, label, compiled.read, compiled.write, true, compiled.source);
  const io = new CodecInterpreter(littleEndian, enums).build(layout, label);
  return bindCodec<T>(layout, label, io.read, io.write, false, undefined);
}

/** Wraps absolute-offset reader/writer functions into a codec with a per-codec view cache. */
function bindCodec<T>(
  layout: Layout,
  label: string,
  read: ValueReader,
  write: ValueWriter,
  compiled: boolean,
  source: string | undefined,
): BtfCodec<T> {
  const size = layoutSize(layout);
  let buffer: ArrayBufferLike | undefined;
  let view: DataView = new DataView(new ArrayBuffer(0));
  let bytes: Uint8Array = new Uint8Array(0);
  const bind = (b: Uint8Array, offset: number, what: string): number => {
    if (!(b instanceof Uint8Array))
      throw new EbpfError(`codec ${label}: ${what} needs a Uint8Array`, 'EINVAL');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > b.byteLength)
      throw new EbpfError(
        `codec ${label}: ${what} needs ${size} bytes at offset ${offset}, buffer has ${b.byteLength}`,
        'EINVAL',
      );
    if (b.buffer !== buffer) {
      buffer = b.buffer;
      view = new DataView(buffer);
      bytes = new Uint8Array(buffer);
    }
    return b.byteOffset + offset;
  };
  const decodeAt = (b: Uint8Array, offset: number): T => {
    const o = bind(b, offset, 'decode');
    return read(view, bytes, o) as T;
  };
  const encodeAt = (value: T, b: Uint8Array, offset: number): void => {
    const o = bind(b, offset, 'encode');
    bytes.fill(0, o, o + size);
    write(value, view, bytes, o);
  };
  return {
    size,
    compiled,
    layout,
    source,
    decode: (b) => decodeAt(b, 0),
    encode: (value, out) => encodeAt(value, out, 0),
    decodeAt,
    encodeAt,
  };
}
