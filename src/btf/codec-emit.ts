/**
 * Emits specialised decode/encode functions for a layout tree as source text: one function pair per
 * struct/union (shared between uses), per array and per root. JavaScript for the runtime's compiled
 * codecs (`new Function`), or TypeScript with type annotations for modules written by `ebpf-ts gen`.
 *
 * Emitted functions take `(v, u, o)`: a DataView and a Uint8Array over the whole ArrayBuffer and the
 * absolute byte offset of the value, so reading a field never allocates. Untrusted names from BTF only
 * reach the source through `JSON.stringify` (string literals and computed keys), never as bare code.
 * Pure.
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
  type TypedArrayLayout,
  typedElemSize,
} from './codec-layout.js';
import type { HelperName } from './codec-runtime.js';
import {
  at,
  bitGeometry,
  bitsCheck,
  DATAVIEW_SUFFIX,
  elemTsType,
  hasEnum,
  hex,
  indent,
  intCheck,
  intName,
  propertyAccess,
  propertyKey,
  storageRead,
  storageWrite,
  type TsNaming,
  TYPED_ARRAY_CLASS,
  tsTypeOf,
  typedElemCheck,
} from './codec-source.js';
import { BtfError } from './errors.js';

export type { TsNaming } from './codec-source.js';

/** Options of `CodecEmitter`. */
export interface CodecEmitterOptions {
  littleEndian: boolean;
  /** Enums as values (default) or names (JavaScript only). */
  enums?: 'value' | 'name';
  /** Emit TypeScript using these names; JavaScript when absent. */
  ts?: TsNaming;
}

/** Names of the two functions emitted for a root layout. */
export interface EmittedRoot {
  decode: string;
  encode: string;
}

interface Unit {
  decode: string;
  encode: string;
}

/** Accumulates emitted functions for any number of root layouts. */
export class CodecEmitter {
  readonly #le: string;
  readonly #names: boolean;
  readonly #ts: TsNaming | undefined;
  readonly #units = new Map<Layout, Unit>();
  readonly #roots = new Map<Layout, Unit>();
  readonly #functions: string[] = [];
  readonly #helpers = new Set<HelperName>();
  readonly #constants: unknown[] = [];
  #counter = 0;

  constructor(options: CodecEmitterOptions) {
    this.#le = options.littleEndian ? 'true' : 'false';
    this.#names = options.enums === 'name';
    this.#ts = options.ts;
    if (this.#names && this.#ts !== undefined)
      throw new BtfError('codec: enum names are not emitted as TypeScript');
  }

  /** Emitted function declarations, in creation order. */
  get functions(): readonly string[] {
    return this.#functions;
  }

  /** Runtime helpers the emitted code calls by name. */
  get helpers(): ReadonlySet<HelperName> {
    return this.#helpers;
  }

  /** Constants the JavaScript refers to as `K[i]` (enum name tables). */
  get constants(): readonly unknown[] {
    return this.#constants;
  }

  /** Emits (or reuses) the functions for `layout`; `label` names the value in error messages. */
  root(layout: Layout, label: string): EmittedRoot {
    if (layout.kind === 'record') return this.#record(layout);
    const known = this.#roots.get(layout);
    if (known !== undefined) return known;
    const unit = this.#newUnit(`$${this.#counter}`);
    const ty = this.#ts ? tsTypeOf(layout, this.#ts) : '';
    this.#roots.set(layout, unit);
    const where = JSON.stringify(label);
    const decl = this.#names && hasEnum(layout) ? 'let' : 'const';
    this.#push(
      `function ${unit.decode}(${this.#sig(null)})${this.#ret(ty)} {\n  return ${this.#read(layout, 'o')};\n}`,
      `function ${unit.encode}(${this.#sig(ty)})${this.#ret('void')} {\n  ${decl} t = x;\n${indent(this.#write(layout, 'o', where, where), 1)}\n}`,
    );
    return unit;
  }

  #newUnit(suffix: string): Unit {
    this.#counter++;
    return this.#ts
      ? { decode: `decode${suffix}`, encode: `encode${suffix}` }
      : { decode: `d${suffix}`, encode: `e${suffix}` };
  }

  /** Parameters of a decoder, or of an encoder when `valueType` is given (`null`: no value). */
  #sig(valueType: string | null): string {
    const ts = this.#ts !== undefined;
    const base = ts ? 'v: DataView, u: Uint8Array, o: number' : 'v, u, o';
    if (valueType === null) return base;
    return ts ? `x: ${valueType}, ${base}` : `x, ${base}`;
  }

  /** Adds functions, renaming the parameters a function does not use to `_v`/`_u`/`_o` (lint-clean). */
  #push(...fns: string[]): void {
    for (const fn of fns) {
      const open = fn.indexOf(' {\n');
      const lp = fn.indexOf('(');
      const rp = fn.indexOf(')', lp);
      const body = fn.slice(open).replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
      let params = fn.slice(lp, rp);
      for (const name of ['u', 'v', 'o']) {
        // a use is the bare identifier: not a property (`x.u`) nor an object key (`u: ...`)
        if (!new RegExp(`(?<![.$\\w])${name}\\b(?!\\s*:)`).test(body))
          params = params.replace(new RegExp(`\\b${name}(?=[:,)]|$)`), `_${name}`);
      }
      this.#functions.push(fn.slice(0, lp) + params + fn.slice(rp));
    }
  }

  #ret(type: string): string {
    return this.#ts ? `: ${type}` : '';
  }

  #helper(name: HelperName): string {
    this.#helpers.add(name);
    return name;
  }

  #constant(value: unknown): string {
    this.#constants.push(value);
    return `K[${this.#constants.length - 1}]`;
  }

  #record(r: RecordLayout): Unit {
    const known = this.#units.get(r);
    if (known !== undefined) return known;
    const unit = this.#ts ? this.#newUnit(this.#ts.recordType(r)) : this.#newUnit(`${this.#counter}`);
    this.#units.set(r, unit);
    const ty = this.#ts ? this.#ts.recordType(r) : '';
    const label = describe(r.type);
    const props = r.fields.map((f) => `    ${propertyKey(f.name, true)}: ${this.#fieldRead(f)},`);
    const decodeBody = props.length === 0 ? '  return {};' : `  return {\n${props.join('\n')}\n  };`;
    const writes = r.fields.map((f) => this.#fieldWrite(f, label));
    const recordWhere = JSON.stringify(label);
    this.#push(
      `function ${unit.decode}(${this.#sig(null)})${this.#ret(ty)} {\n${decodeBody}\n}`,
      `function ${unit.encode}(${this.#sig(ty)})${this.#ret('void')} {\n` +
        `  if (typeof x !== 'object' || x === null) throw ${this.#helper('fail')}(${recordWhere}, 'an object', x);\n` +
        `${writes.map((w) => indent(w, 1)).join('\n')}\n}`,
    );
    return unit;
  }

  #fieldRead(f: FieldLayout): string {
    const where = at('o', f.offset);
    return f.bitfield === undefined
      ? this.#read(f.layout, where)
      : this.#bitfieldRead(f.layout as ScalarLayout, f.bitfield, where);
  }

  #fieldWrite(f: FieldLayout, label: string): string {
    const where = JSON.stringify(`${label}: field ${f.path}`);
    const pos = at('o', f.offset);
    const body =
      f.bitfield === undefined
        ? this.#write(f.layout, pos, where, where)
        : this.#bitfieldWrite(f.layout as ScalarLayout, f.bitfield, pos, where);
    const decl = this.#names && hasEnum(f.layout) ? 'let' : 'const';
    const get = `${decl} t = x${propertyAccess(f.name)};`;
    return f.optional
      ? `{\n  ${get}\n  if (t !== undefined) {\n${indent(body, 2)}\n  }\n}`
      : `{\n  ${get}\n${indent(body, 1)}\n}`;
  }

  /** Expression reading `l` at byte offset expression `pos`. */
  #read(l: Layout, pos: string): string {
    const le = this.#le;
    switch (l.kind) {
      case 'int':
        return this.#intRead(l.size, l.signed, pos);
      case 'bool':
        return `${this.#intRead(l.size, false, pos)} !== ${l.size === 8 ? '0n' : '0'}`;
      case 'float':
        return `v.getFloat${l.size * 8}(${pos}, ${le})`;
      case 'enum':
        return this.#enumFromInt(l, this.#intRead(l.size, l.signed, pos));
      case 'string':
        return `${this.#helper('readString')}(u, ${pos}, ${l.size})`;
      case 'bytes':
        return `u.slice(${pos}, ${pos} + ${l.size})`;
      case 'typedArray':
      case 'array':
        return `${this.#array(l).decode}(v, u, ${pos})`;
      case 'record':
        return `${this.#record(l).decode}(v, u, ${pos})`;
    }
  }

  #intRead(size: number, signed: boolean, pos: string): string {
    const le = this.#le;
    switch (size) {
      case 1:
        return `v.get${signed ? 'Int8' : 'Uint8'}(${pos})`;
      case 2:
        return `v.get${signed ? 'Int16' : 'Uint16'}(${pos}, ${le})`;
      case 4:
        return `v.get${signed ? 'Int32' : 'Uint32'}(${pos}, ${le})`;
      case 8:
        return `v.get${signed ? 'BigInt64' : 'BigUint64'}(${pos}, ${le})`;
      default:
        return `${this.#helper('readInt128')}(v, ${pos}, ${le}, ${signed})`;
    }
  }

  #enumFromInt(l: EnumLayout, raw: string): string {
    if (this.#ts) return `${raw} as ${this.#ts.enumType(l)}`;
    if (!this.#names) return raw;
    const names = new Map<number | bigint, string>();
    for (const e of [...l.values].reverse()) names.set(l.size === 8 ? e.value : Number(e.value), e.name);
    return `${this.#helper('enumName')}(${this.#constant(names)}, ${raw})`;
  }

  /** Statements validating `t` and writing it at `pos`; `where` is passed on, `whereThrow` used in throws. */
  #write(l: Layout, pos: string, where: string, whereThrow: string): string {
    const le = this.#le;
    const fail = (expected: string): string =>
      `throw ${this.#helper('fail')}(${whereThrow}, ${JSON.stringify(expected)}, t);`;
    switch (l.kind) {
      case 'int':
      case 'enum': {
        const pre = l.kind === 'enum' ? this.#enumToInt(l, where) : '';
        const name = l.kind === 'int' && l.pointer ? 'pointer (u64)' : intName(l.size, l.signed);
        const expected = l.kind === 'enum' ? `${describe(l.type)} value (${name})` : name;
        const expectType = l.size > 4 ? `${expected} bigint` : expected;
        return `${pre}if (!(${intCheck(l.size, l.signed)})) ${fail(expectType)}\n${this.#intWrite(l.size, l.signed, pos, 't')}`;
      }
      case 'bool':
        return `if (typeof t !== 'boolean') ${fail('boolean')}\n${this.#intWrite(l.size, false, pos, l.size === 8 ? '(t ? 1n : 0n)' : '(t ? 1 : 0)')}`;
      case 'float':
        return `if (typeof t !== 'number') ${fail('number')}\nv.setFloat${l.size * 8}(${pos}, t, ${le});`;
      case 'string':
        return `${this.#helper('writeString')}(u, ${pos}, ${l.size}, t, ${where});`;
      case 'bytes':
        return `${this.#helper('writeBytes')}(u, ${pos}, ${l.size}, t, ${where});`;
      case 'typedArray':
      case 'array':
        return `${this.#array(l).encode}(t, v, u, ${pos}, ${where});`;
      case 'record':
        return `${this.#record(l).encode}(t, v, u, ${pos});`;
    }
  }

  #enumToInt(l: EnumLayout, where: string): string {
    if (!this.#names) return '';
    const values = new Map<string, number | bigint>();
    for (const e of l.values)
      if (!values.has(e.name)) values.set(e.name, l.size === 8 ? e.value : Number(e.value));
    return `if (typeof t === 'string') t = ${this.#helper('enumValue')}(${this.#constant(values)}, t, ${where});\n`;
  }

  #intWrite(size: number, signed: boolean, pos: string, value: string): string {
    const le = this.#le;
    switch (size) {
      case 1:
        return `v.set${signed ? 'Int8' : 'Uint8'}(${pos}, ${value});`;
      case 2:
        return `v.set${signed ? 'Int16' : 'Uint16'}(${pos}, ${value}, ${le});`;
      case 4:
        return `v.set${signed ? 'Int32' : 'Uint32'}(${pos}, ${value}, ${le});`;
      case 8:
        return `v.set${signed ? 'BigInt64' : 'BigUint64'}(${pos}, ${value}, ${le});`;
      default:
        return `${this.#helper('writeInt128')}(v, ${pos}, ${le}, ${value});`;
    }
  }

  #array(l: TypedArrayLayout | ArrayLayout): Unit {
    const known = this.#units.get(l);
    if (known !== undefined) return known;
    const unit = this.#newUnit(this.#ts ? `Array$${this.#counter}` : `a${this.#counter}`);
    this.#units.set(l, unit);
    const ts = this.#ts;
    const ty = ts ? tsTypeOf(l, ts) : '';
    const n = l.length;
    const elemSize = l.kind === 'typedArray' ? typedElemSize(l.elem) : l.elemSize;
    const pos = elemSize === 1 ? 'o + i' : `o + i * ${elemSize}`;
    const whereParam = ts ? 'where: string' : 'where';
    const elemType = ts ? (l.kind === 'typedArray' ? elemTsType(l.elem) : tsTypeOf(l.elem, ts)) : '';
    const elem = ts ? `x[i] as ${elemType}` : 'x[i]';
    const whereThrow = `\`\${where}[\${i}]\``;
    let decodeBody: string;
    let check: string;
    let writeElem: string;
    let fast = '';
    if (l.kind === 'typedArray') {
      const cls = TYPED_ARRAY_CLASS[l.elem];
      const dv = DATAVIEW_SUFFIX[l.elem];
      const leArg = elemSize === 1 ? '' : `, ${this.#le}`;
      decodeBody =
        l.elem === 'u8'
          ? `  return u.slice(o, o + ${n});`
          : `  const r = new ${cls}(${n});\n  for (let i = 0; i < ${n}; i++) r[i] = v.get${dv}(${pos}${leArg});\n  return r;`;
      check = `if (x == null || x.length !== ${n}) throw ${this.#helper('fail')}(where, ${JSON.stringify(`${n} elements (${cls})`)}, x);`;
      if (l.elem === 'u8') fast = `  if (x instanceof Uint8Array) {\n    u.set(x, o);\n    return;\n  }\n`;
      const { valid, expected } = typedElemCheck(l.elem);
      writeElem = `if (!(${valid})) throw ${this.#helper('fail')}(${whereThrow}, ${JSON.stringify(expected)}, t);\nv.set${dv}(${pos}, t${leArg});`;
    } else {
      const arrType = ts ? `: ${ty}` : '';
      decodeBody = `  const r${arrType} = [];\n  for (let i = 0; i < ${n}; i++) r.push(${this.#read(l.elem, pos)});\n  return r;`;
      check = `if (!Array.isArray(x) || x.length !== ${n}) throw ${this.#helper('fail')}(where, ${JSON.stringify(`an array of ${n}`)}, x);`;
      writeElem = this.#write(l.elem, pos, 'where', whereThrow);
    }
    const decl = this.#names && l.kind === 'array' && hasEnum(l.elem) ? 'let' : 'const';
    this.#push(
      `function ${unit.decode}(${this.#sig(null)})${this.#ret(ty)} {\n${decodeBody}\n}`,
      `function ${unit.encode}(${this.#sig(ty)}, ${whereParam})${this.#ret('void')} {\n  ${check}\n${fast}` +
        `  for (let i = 0; i < ${n}; i++) {\n    ${decl} t = ${elem};\n${indent(writeElem, 2)}\n  }\n}`,
    );
    return unit;
  }

  #bitfieldRead(l: ScalarLayout, bf: BitRange, pos: string): string {
    const g = bitGeometry(bf, this.#le === 'true');
    const signed = l.kind !== 'bool' && l.signed;
    let raw: string;
    let isBig: boolean;
    if (g.bytes <= 4) {
      const storage = storageRead(g.bytes, pos, this.#le);
      if (signed) {
        raw =
          bf.bits === 32
            ? `(${storage} | 0)`
            : `((${storage} << ${32 - g.shift - bf.bits}) >> ${32 - bf.bits})`;
      } else {
        const shifted = g.shift === 0 ? storage : `(${storage} >>> ${g.shift})`;
        raw = bf.bits === 32 ? `(${storage} >>> 0)` : `(${shifted} & ${hex(2 ** bf.bits - 1)})`;
      }
      isBig = false;
    } else {
      raw = `${this.#helper('readBits')}(u, ${pos}, ${g.bytes}, ${this.#le}, ${g.shift}, ${bf.bits}, ${signed})`;
      isBig = true;
    }
    const wantBig = l.size > 4;
    if (l.kind === 'bool') return `${raw} !== ${isBig ? '0n' : '0'}`;
    const value = wantBig === isBig ? raw : wantBig ? `BigInt(${raw})` : `Number(${raw})`;
    return l.kind === 'enum' ? this.#enumFromInt(l, value) : value;
  }

  #bitfieldWrite(l: ScalarLayout, bf: BitRange, pos: string, where: string): string {
    const g = bitGeometry(bf, this.#le === 'true');
    const fail = (expected: string): string =>
      `throw ${this.#helper('fail')}(${where}, ${JSON.stringify(expected)}, t);`;
    let pre = '';
    let check: string;
    let num: string;
    let big: string;
    if (l.kind === 'bool') {
      check = `if (typeof t !== 'boolean') ${fail('boolean')}`;
      num = '(t ? 1 : 0)';
      big = '(t ? 1n : 0n)';
    } else {
      if (l.kind === 'enum') pre = this.#enumToInt(l, where);
      const expected = `${l.signed ? 'i' : 'u'}${bf.bits} bitfield${l.size > 4 ? ' bigint' : ''}`;
      check = `if (!(${bitsCheck(bf.bits, l.signed, l.size > 4)})) ${fail(expected)}`;
      num = l.size > 4 ? 'Number(t)' : 't';
      big = l.size > 4 ? 't' : 'BigInt(t)';
    }
    if (g.bytes > 4) {
      return `${pre}${check}\n${this.#helper('writeBits')}(u, ${pos}, ${g.bytes}, ${this.#le}, ${g.shift}, ${bf.bits}, ${big});`;
    }
    const mask = bf.bits === 32 ? 0xffffffff : ((2 ** bf.bits - 1) * 2 ** g.shift) >>> 0;
    const keep = ~mask | 0;
    const value = g.shift === 0 ? num : `(${num} << ${g.shift})`;
    const merged = `((${storageRead(g.bytes, pos, this.#le)} & ${keep}) | (${value} & ${hex(mask)})) >>> 0`;
    return `${pre}${check}\n{\n  const s = ${merged};\n${indent(storageWrite(g.bytes, pos, 's', this.#le), 1)}\n}`;
  }
}
