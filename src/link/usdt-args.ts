/**
 * USDT argument specs: the space-separated `SIZE@OPERAND` strings of a `.note.stapsdt` note, where SIZE is
 * the byte width (negative for signed, with an `f` suffix for floating point) and OPERAND is an assembler
 * operand in the target's syntax. Pure: text in, `UsdtArg` out.
 *
 * Supported operands:
 * - x86-64 (AT&T): `%reg` (any 64/32/16/8-bit general purpose register but `%ah`-`%dh`), `$imm`,
 *   `disp(%base)`, `disp(%base,%index,scale)`, `disp(,%index,scale)`, `sym(%rip)` / `sym+N(%rip)`, and a
 *   bare absolute `sym` or `disp` (non-PIE executables). `disp` is a decimal or `0x` number, or a symbol with
 *   an optional `+N`/`-N`, resolved from the ELF symbol table when the spec is built.
 * - arm64: `xN`/`wN`/`sp`/`fp`/`lr`, `xzr`/`wzr` (the constant 0), `N` or `#N`, `[reg]`, `[reg, N]`
 *   (`#N` too), `[reg, reg]`, `[reg, reg, lsl #k]`.
 * Not supported (a `ParseError` saying so): floating point/vector registers (`%xmm0`, `v0`), x86 high-byte
 * registers, segment prefixes (`%fs:8`), sizes other than 1, 2, 4, 8, more than 12 arguments.
 */
import { ParseError } from '../errors.js';
import { type UsdtArch, type UsdtRegister, usdtRegister } from './usdt-registers.js';

/** Most arguments a probe may have (the BPF side's spec has this many slots). */
export const USDT_MAX_ARGS = 12;

/** A register used by an argument. */
export type { UsdtRegister } from './usdt-registers.js';

/**
 * One parsed argument. `const`: the value is `value`. `reg`: the value is in `register`. `mem`: the value is
 * at address `register + index * scale + value (+ the address of symbol)`, any part optional.
 */
export interface UsdtArg {
  /** The text it was parsed from (`-4@8(%rdi)`). */
  readonly text: string;
  /** Width of the value in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  /** Sign-extend the value to 64 bits (floating point values are never sign-extended). */
  readonly signed: boolean;
  /** A floating point value: its raw bits are returned. */
  readonly float: boolean;
  readonly kind: 'const' | 'reg' | 'mem';
  /** The constant (`const`) or the displacement (`mem`); 0 for `reg`. */
  readonly value: bigint;
  /** The register holding the value (`reg`) or the base address (`mem`, optional). */
  readonly register?: UsdtRegister;
  /** Index register (`mem` only, optional). */
  readonly index?: UsdtRegister;
  /** Index scale: 1, 2, 4 or 8 (`mem` with an index). */
  readonly scale?: 1 | 2 | 4 | 8;
  /** Symbol whose address is added to the displacement (`sym(%rip)` or an absolute `sym`). */
  readonly symbol?: string;
}

type Operand = Omit<UsdtArg, 'text' | 'size' | 'signed' | 'float'>;

/** Splits the argument string at blanks outside brackets (arm64 memory operands contain `, `). */
function splitArgs(text: string, fail: (at: number, detail: string) => ParseError): [string, number][] {
  const out: [string, number][] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    const blank = c === undefined || c === ' ' || c === '\t';
    if (blank && depth === 0) {
      if (start >= 0) out.push([text.slice(start, i), start]);
      start = -1;
      continue;
    }
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth < 0) throw fail(i, `unbalanced ${JSON.stringify(c)}`);
    }
    if (start < 0) start = i;
  }
  if (depth !== 0) throw fail(text.length, 'unbalanced brackets');
  return out;
}

const NUMBER = /^[-+]?(?:0x[0-9a-f]+|\d+)$/i;
const SYMBOL = /^[A-Za-z_.$][\w.$@]*$/;

function parseNumber(s: string): bigint | undefined {
  const t = s.trim();
  if (!NUMBER.test(t)) return undefined;
  const neg = t.startsWith('-');
  const digits = t.replace(/^[-+]/, '');
  const v = BigInt(digits);
  if (v > 0xffff_ffff_ffff_ffffn) return undefined;
  return neg ? -v : v;
}

/** `N`, `sym`, `sym+N`, `sym-N` (x86 displacements); undefined when it is neither. */
function parseDisplacement(s: string): { value: bigint; symbol?: string } | undefined {
  if (s === '') return { value: 0n };
  const n = parseNumber(s);
  if (n !== undefined) return { value: n };
  const m = /^([A-Za-z_.$][\w.$@]*)(?:([-+])(\S+))?$/.exec(s);
  if (!m?.[1]) return undefined;
  if (m[2] === undefined) return { value: 0n, symbol: m[1] };
  const off = parseNumber(m[3] ?? '');
  if (off === undefined || off < 0n) return undefined;
  return { value: m[2] === '-' ? -off : off, symbol: m[1] };
}

const SCALES: Record<string, 1 | 2 | 4 | 8> = { '1': 1, '2': 2, '4': 4, '8': 8 };

function parseX86(op: string, fail: (detail: string) => ParseError): Operand {
  const reg = (name: string): UsdtRegister => {
    if (!name.startsWith('%')) throw fail(`expected a register, found ${JSON.stringify(name)}`);
    const r = usdtRegister('x86_64', name.slice(1));
    if (r === undefined)
      throw fail(`register ${name} is not supported (only general purpose registers are in pt_regs)`);
    return r;
  };
  if (op.startsWith('%')) {
    if (op.includes(':')) throw fail(`segment-relative operands (${op}) are not supported`);
    return { kind: 'reg', value: 0n, register: reg(op) };
  }
  if (op.startsWith('$')) {
    const v = parseNumber(op.slice(1));
    if (v === undefined) throw fail(`immediate ${JSON.stringify(op)} is not a number`);
    return { kind: 'const', value: v };
  }
  const open = op.indexOf('(');
  const dispText = open < 0 ? op : op.slice(0, open);
  const disp = parseDisplacement(dispText);
  if (disp === undefined) throw fail(`cannot parse displacement ${JSON.stringify(dispText)}`);
  const base: Operand = { kind: 'mem', value: disp.value, ...(disp.symbol ? { symbol: disp.symbol } : {}) };
  if (open < 0) {
    if (disp.symbol === undefined && dispText === '') throw fail('empty operand');
    return base;
  }
  if (!op.endsWith(')')) throw fail(`cannot parse memory operand ${JSON.stringify(op)}`);
  const parts = op.slice(open + 1, -1).split(',');
  if (parts.length > 3) throw fail(`too many parts in memory operand ${JSON.stringify(op)}`);
  const [baseText = '', indexText, scaleText] = parts.map((p) => p.trim());
  const out: {
    kind: 'mem';
    value: bigint;
    symbol?: string;
    register?: UsdtRegister;
    index?: UsdtRegister;
    scale?: 1 | 2 | 4 | 8;
  } = { ...base, kind: 'mem' };
  if (baseText !== '') out.register = reg(baseText);
  if (indexText !== undefined && indexText !== '') {
    out.index = reg(indexText);
    const scale = SCALES[scaleText ?? '1'];
    if (scale === undefined) throw fail(`scale ${JSON.stringify(scaleText)} is not 1, 2, 4 or 8`);
    out.scale = scale;
  } else if (scaleText !== undefined) throw fail(`scale without an index in ${JSON.stringify(op)}`);
  if (out.register === undefined && out.index === undefined && baseText === '' && parts.length === 1)
    throw fail(`memory operand ${JSON.stringify(op)} has no register`);
  if (out.register?.name === 'rip' && out.index !== undefined)
    throw fail(`rip-relative operand with an index (${op})`);
  return out;
}

function parseArm64(op: string, fail: (detail: string) => ParseError): Operand {
  const reg = (name: string): UsdtRegister => {
    const r = usdtRegister('arm64', name);
    if (r === undefined)
      throw fail(`register ${JSON.stringify(name)} is not supported (only x0-x30, w0-w30, sp, fp, lr)`);
    return r;
  };
  const num = (s: string): bigint | undefined => parseNumber(s.startsWith('#') ? s.slice(1) : s);
  if (op === 'xzr' || op === 'wzr') return { kind: 'const', value: 0n };
  const c = num(op);
  if (c !== undefined) return { kind: 'const', value: c };
  if (!op.startsWith('[')) {
    if (!SYMBOL.test(op)) throw fail(`cannot parse operand ${JSON.stringify(op)}`);
    return { kind: 'reg', value: 0n, register: reg(op) };
  }
  if (!op.endsWith(']')) throw fail(`cannot parse memory operand ${JSON.stringify(op)}`);
  const parts = op
    .slice(1, -1)
    .split(',')
    .map((p) => p.trim());
  const [baseText = '', second, third] = parts;
  if (parts.length > 3 || baseText === '') throw fail(`cannot parse memory operand ${JSON.stringify(op)}`);
  const register = reg(baseText);
  if (second === undefined) return { kind: 'mem', value: 0n, register };
  const off = num(second);
  if (off !== undefined) {
    if (third !== undefined) throw fail(`cannot parse memory operand ${JSON.stringify(op)}`);
    return { kind: 'mem', value: off, register };
  }
  const index = reg(second);
  let scale: 1 | 2 | 4 | 8 = 1;
  if (third !== undefined) {
    const m = /^lsl\s+#?([0-3])$/i.exec(third);
    if (!m?.[1]) throw fail(`unsupported index modifier ${JSON.stringify(third)}`);
    scale = (1 << Number(m[1])) as 1 | 2 | 4 | 8;
  }
  return { kind: 'mem', value: 0n, register, index, scale };
}

/**
 * Parses one `SIZE@OPERAND` argument of `arch`. Throws `ParseError` (section `label`, offset `at` plus the
 * position in `text`) for malformed or unsupported arguments.
 */
export function parseUsdtArg(text: string, arch: UsdtArch, label = 'usdt arguments', at = 0): UsdtArg {
  const fail = (detail: string, pos = 0): ParseError =>
    new ParseError(label, at + pos, `argument ${JSON.stringify(text)}: ${detail}`);
  const m = /^([-+]?)(\d+)(f?)@(.+)$/s.exec(text);
  if (!m) throw fail('expected SIZE@OPERAND');
  const size = Number(m[2]);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw fail(`size ${m[2]} is not 1, 2, 4 or 8`);
  const float = m[3] === 'f';
  const opAt = text.indexOf('@') + 1;
  const operand = m[4] as string;
  const failOp = (detail: string): ParseError => fail(detail, opAt);
  const parsed = arch === 'x86_64' ? parseX86(operand, failOp) : parseArm64(operand, failOp);
  return { text, size, signed: m[1] === '-' && !float, float, ...parsed };
}

/** Parses a whole argument string (as in the note) of `arch`; empty for a probe without arguments. */
export function parseUsdtArgs(text: string, arch: UsdtArch, label = 'usdt arguments', at = 0): UsdtArg[] {
  const fail = (pos: number, detail: string): ParseError => new ParseError(label, at + pos, detail);
  const parts = splitArgs(text, fail);
  if (parts.length > USDT_MAX_ARGS)
    throw fail(0, `${parts.length} arguments, at most ${USDT_MAX_ARGS} are supported`);
  return parts.map(([arg, pos]) => parseUsdtArg(arg, arch, label, at + pos));
}
