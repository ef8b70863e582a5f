/**
 * Closure-based BTF codecs: the same behaviour as the compiled ones (codec-emit.ts) built from plain
 * closures, for environments that forbid code generation from strings (a CSP without 'unsafe-eval',
 * `node --disallow-code-generation-from-strings`). Slower, allocation-equivalent. Bitfields go through
 * the generic bigint helpers, which makes this an independent check of the compiled fast paths. Pure.
 */

import {
  type ArrayLayout,
  type BitRange,
  describe,
  type EnumLayout,
  type FieldLayout,
  type Layout,
  type RecordLayout,
  type ScalarLayout,
  type TypedArrayElem,
  type TypedArrayLayout,
  typedElemSize,
} from './codec-layout.js';
import {
  enumName,
  enumValue,
  fail,
  readBits,
  readInt128,
  readString,
  writeBits,
  writeBytes,
  writeInt128,
  writeString,
} from './codec-runtime.js';
import { bitGeometry, intName, typedArrayClass, typedElemExpected } from './codec-source.js';

/** Reads a value at absolute offset `o` of the buffer behind `v`/`u`. */
export type ValueReader = (v: DataView, u: Uint8Array, o: number) => unknown;
/** Validates `x` and writes it at absolute offset `o` (the range is already zero-filled). */
export type ValueWriter = (x: unknown, v: DataView, u: Uint8Array, o: number) => void;

/** A reader/writer pair for one layout. */
export interface Interpreted {
  read: ValueReader;
  write: ValueWriter;
}

type IntReader = (v: DataView, o: number) => number | bigint;
type IntWriter = (v: DataView, o: number, x: number | bigint) => void;

/** Builds closures for layouts, sharing them per struct/union. */
export class CodecInterpreter {
  readonly #le: boolean;
  readonly #names: boolean;
  readonly #records = new Map<RecordLayout, Interpreted>();

  constructor(littleEndian: boolean, enums: 'value' | 'name' = 'value') {
    this.#le = littleEndian;
    this.#names = enums === 'name';
  }

  /** Reader and writer of `layout`; `label` names the value in error messages. */
  build(layout: Layout, label: string): Interpreted {
    return this.#build(layout, label);
  }

  #build(l: Layout, where: string): Interpreted {
    switch (l.kind) {
      case 'int':
      case 'enum':
        return this.#int(l, where);
      case 'bool': {
        const get = this.#intReader(l.size, false);
        const set = this.#intWriter(l.size, false);
        const one = l.size === 8 ? 1n : 1;
        const zero = l.size === 8 ? 0n : 0;
        return {
          read: (v, _u, o) => get(v, o) !== zero,
          write: (x, v, _u, o) => {
            if (typeof x !== 'boolean') throw fail(where, 'boolean', x);
            set(v, o, x ? one : zero);
          },
        };
      }
      case 'float': {
        const le = this.#le;
        return l.size === 4
          ? {
              read: (v, _u, o) => v.getFloat32(o, le),
              write: (x, v, _u, o) => {
                if (typeof x !== 'number') throw fail(where, 'number', x);
                v.setFloat32(o, x, le);
              },
            }
          : {
              read: (v, _u, o) => v.getFloat64(o, le),
              write: (x, v, _u, o) => {
                if (typeof x !== 'number') throw fail(where, 'number', x);
                v.setFloat64(o, x, le);
              },
            };
      }
      case 'string': {
        const n = l.size;
        return {
          read: (_v, u, o) => readString(u, o, n),
          write: (x, _v, u, o) => writeString(u, o, n, x, where),
        };
      }
      case 'bytes': {
        const n = l.size;
        return {
          read: (_v, u, o) => u.slice(o, o + n),
          write: (x, _v, u, o) => writeBytes(u, o, n, x, where),
        };
      }
      case 'typedArray':
        return this.#typedArray(l, where);
      case 'array':
        return this.#array(l, where);
      case 'record':
        return this.#record(l);
    }
  }

  #int(l: Extract<Layout, { kind: 'int' | 'enum' }>, where: string): Interpreted {
    const get = this.#intReader(l.size, l.signed);
    const set = this.#intWriter(l.size, l.signed);
    const valid = intValidator(l.size * 8, l.signed, l.size > 4);
    const name = l.kind === 'int' && l.pointer ? 'pointer (u64)' : intName(l.size, l.signed);
    const base = l.kind === 'enum' ? `${describe(l.type)} value (${name})` : name;
    const expected = l.size > 4 ? `${base} bigint` : base;
    const names = l.kind === 'enum' ? this.#enumTables(l) : undefined;
    return {
      read: names === undefined ? (v, _u, o) => get(v, o) : (v, _u, o) => enumName(names.byValue, get(v, o)),
      write: (x, v, _u, o) => {
        const y = names !== undefined && typeof x === 'string' ? enumValue(names.byName, x, where) : x;
        if (!valid(y)) throw fail(where, expected, y);
        set(v, o, y as number | bigint);
      },
    };
  }

  #enumTables(
    l: EnumLayout,
  ): { byValue: Map<number | bigint, string>; byName: Map<string, number | bigint> } | undefined {
    if (!this.#names) return undefined;
    const byValue = new Map<number | bigint, string>();
    const byName = new Map<string, number | bigint>();
    for (const e of l.values) {
      const value = l.size === 8 ? e.value : Number(e.value);
      if (!byValue.has(value)) byValue.set(value, e.name);
      if (!byName.has(e.name)) byName.set(e.name, value);
    }
    return { byValue, byName };
  }

  #intReader(size: number, signed: boolean): IntReader {
    const le = this.#le;
    switch (size) {
      case 1:
        return signed ? (v, o) => v.getInt8(o) : (v, o) => v.getUint8(o);
      case 2:
        return signed ? (v, o) => v.getInt16(o, le) : (v, o) => v.getUint16(o, le);
      case 4:
        return signed ? (v, o) => v.getInt32(o, le) : (v, o) => v.getUint32(o, le);
      case 8:
        return signed ? (v, o) => v.getBigInt64(o, le) : (v, o) => v.getBigUint64(o, le);
      default:
        return (v, o) => readInt128(v, o, le, signed);
    }
  }

  #intWriter(size: number, signed: boolean): IntWriter {
    const le = this.#le;
    switch (size) {
      case 1:
        return signed ? (v, o, x) => v.setInt8(o, x as number) : (v, o, x) => v.setUint8(o, x as number);
      case 2:
        return signed
          ? (v, o, x) => v.setInt16(o, x as number, le)
          : (v, o, x) => v.setUint16(o, x as number, le);
      case 4:
        return signed
          ? (v, o, x) => v.setInt32(o, x as number, le)
          : (v, o, x) => v.setUint32(o, x as number, le);
      case 8:
        return signed
          ? (v, o, x) => v.setBigInt64(o, x as bigint, le)
          : (v, o, x) => v.setBigUint64(o, x as bigint, le);
      default:
        return (v, o, x) => writeInt128(v, o, le, x as bigint);
    }
  }

  #typedArray(l: TypedArrayLayout, where: string): Interpreted {
    const n = l.length;
    const size = typedElemSize(l.elem);
    const get = this.#elemReader(l.elem);
    const set = this.#elemWriter(l.elem);
    const valid = elemValidator(l.elem);
    const make = typedArrayMaker(l.elem);
    const cls = typedArrayClass(l.elem);
    const expected = typedElemExpected(l.elem);
    return {
      read: (v, u, o) => {
        if (l.elem === 'u8') return u.slice(o, o + n);
        const r = make(n);
        for (let i = 0; i < n; i++) r[i] = get(v, o + i * size);
        return r;
      },
      write: (x, v, u, o) => {
        const a = x as ArrayLike<unknown> | null | undefined;
        if (a == null || a.length !== n) throw fail(where, `${n} elements (${cls})`, x);
        if (a instanceof Uint8Array && l.elem === 'u8') {
          u.set(a, o);
          return;
        }
        for (let i = 0; i < n; i++) {
          const t = a[i];
          if (!valid(t)) throw fail(`${where}[${i}]`, expected, t);
          set(v, o + i * size, t as number | bigint);
        }
      },
    };
  }

  #elemReader(elem: TypedArrayElem): IntReader {
    const le = this.#le;
    if (elem === 'f32') return (v, o) => v.getFloat32(o, le);
    if (elem === 'f64') return (v, o) => v.getFloat64(o, le);
    return this.#intReader(typedElemSize(elem), elem.startsWith('i'));
  }

  #elemWriter(elem: TypedArrayElem): IntWriter {
    const le = this.#le;
    if (elem === 'f32') return (v, o, x) => v.setFloat32(o, x as number, le);
    if (elem === 'f64') return (v, o, x) => v.setFloat64(o, x as number, le);
    return this.#intWriter(typedElemSize(elem), elem.startsWith('i'));
  }

  #array(l: ArrayLayout, where: string): Interpreted {
    const n = l.length;
    const step = l.elemSize;
    const elem = this.#build(l.elem, where);
    return {
      read: (v, u, o) => {
        const r: unknown[] = [];
        for (let i = 0; i < n; i++) r.push(elem.read(v, u, o + i * step));
        return r;
      },
      write: (x, v, u, o) => {
        if (!Array.isArray(x) || x.length !== n) throw fail(where, `an array of ${n}`, x);
        for (let i = 0; i < n; i++) elem.write(x[i], v, u, o + i * step);
      },
    };
  }

  #record(r: RecordLayout): Interpreted {
    const known = this.#records.get(r);
    if (known !== undefined) return known;
    const label = describe(r.type);
    const fields: { name: string; offset: number; optional: boolean; io: Interpreted }[] = [];
    const self: Interpreted = {
      read: (v, u, o) => {
        const out: Record<string, unknown> = {};
        for (const f of fields) {
          const value = f.io.read(v, u, o + f.offset);
          if (f.name === '__proto__')
            Object.defineProperty(out, f.name, {
              value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          else out[f.name] = value;
        }
        return out;
      },
      write: (x, v, u, o) => {
        if (typeof x !== 'object' || x === null) throw fail(label, 'an object', x);
        const rec = x as Record<string, unknown>;
        for (const f of fields) {
          const t = rec[f.name];
          if (t === undefined && f.optional) continue;
          f.io.write(t, v, u, o + f.offset);
        }
      },
    };
    this.#records.set(r, self);
    for (const f of r.fields) {
      const where = `${label}: field ${f.path}`;
      const io = f.bitfield === undefined ? this.#build(f.layout, where) : this.#bitfield(f, where);
      fields.push({ name: f.name, offset: f.offset, optional: f.optional, io });
    }
    return self;
  }

  #bitfield(f: FieldLayout, where: string): Interpreted {
    const l = f.layout as ScalarLayout;
    const bf = f.bitfield as BitRange;
    const le = this.#le;
    const g = bitGeometry(bf, le);
    const signed = l.kind !== 'bool' && l.signed;
    const big = l.size > 4;
    const names = l.kind === 'enum' ? this.#enumTables(l) : undefined;
    const valid = intValidator(bf.bits, signed, big);
    const expected = `${signed ? 'i' : 'u'}${bf.bits} bitfield${big ? ' bigint' : ''}`;
    return {
      read: (_v, u, o) => {
        const x = readBits(u, o, g.bytes, le, g.shift, bf.bits, signed);
        if (l.kind === 'bool') return x !== 0n;
        const value = big ? x : Number(x);
        return names === undefined ? value : enumName(names.byValue, value);
      },
      write: (x, _v, u, o) => {
        let y: bigint;
        if (l.kind === 'bool') {
          if (typeof x !== 'boolean') throw fail(where, 'boolean', x);
          y = x ? 1n : 0n;
        } else {
          const z = names !== undefined && typeof x === 'string' ? enumValue(names.byName, x, where) : x;
          if (!valid(z)) throw fail(where, expected, z);
          y = BigInt(z as number | bigint);
        }
        writeBits(u, o, g.bytes, le, g.shift, bf.bits, y);
      },
    };
  }
}

function intValidator(bits: number, signed: boolean, big: boolean): (x: unknown) => boolean {
  if (big) {
    return signed
      ? (x) => typeof x === 'bigint' && BigInt.asIntN(bits, x) === x
      : (x) => typeof x === 'bigint' && BigInt.asUintN(bits, x) === x;
  }
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return (x) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

function elemValidator(elem: TypedArrayElem): (x: unknown) => boolean {
  if (elem === 'f32' || elem === 'f64') return (x) => typeof x === 'number';
  const size = typedElemSize(elem);
  return intValidator(size * 8, elem.startsWith('i'), size > 4);
}

type AnyTypedArray = { [i: number]: number | bigint };

function typedArrayMaker(elem: TypedArrayElem): (n: number) => AnyTypedArray {
  switch (elem) {
    case 'u8':
      return (n) => new Uint8Array(n);
    case 'i8':
      return (n) => new Int8Array(n);
    case 'u16':
      return (n) => new Uint16Array(n);
    case 'i16':
      return (n) => new Int16Array(n);
    case 'u32':
      return (n) => new Uint32Array(n);
    case 'i32':
      return (n) => new Int32Array(n);
    case 'u64':
      return (n) => new BigUint64Array(n) as unknown as AnyTypedArray;
    case 'i64':
      return (n) => new BigInt64Array(n) as unknown as AnyTypedArray;
    case 'f32':
      return (n) => new Float32Array(n);
    case 'f64':
      return (n) => new Float64Array(n);
  }
}
