/**
 * The value of the `.kconfig` map: each `__kconfig` extern encoded at its offset the way libbpf does.
 * `y`/`n`/`m` fill bools (`m` is an error), tristates (`y` 1, `n` 0, `m` 2) and chars; numbers (decimal,
 * `0x` hex, octal) fill integers and chars, range-checked; quoted strings fill char arrays (truncated,
 * NUL-terminated). libbpf's specials: `LINUX_KERNEL_VERSION`, `LINUX_HAS_SYSCALL_WRAPPER`,
 * `LINUX_HAS_BPF_COOKIE`. A missing value is an error unless the extern is `__weak` (then it stays 0).
 */
import { EbpfError } from '../errors.js';
import type { ByteOrder } from '../internal/bytes.js';
import type { KconfigExtern } from './externs.js';

/** Where kconfig values come from. Each getter is called only when an extern needs it. */
export interface KconfigSources {
  /** The kernel configuration (`CONFIG_X` → raw value). */
  config(): ReadonlyMap<string, string>;
  /** `LINUX_KERNEL_VERSION`: `KERNEL_VERSION(a, b, c)` of the running kernel. */
  kernelVersion(): number;
  /** `LINUX_HAS_SYSCALL_WRAPPER`: syscalls go through `__<arch>_sys_*` wrappers. */
  hasSyscallWrapper(): boolean;
  /** `LINUX_HAS_BPF_COOKIE`: the `bpf_get_attach_cookie` helper exists. */
  hasBpfCookie(): boolean;
}

type Raw =
  | { kind: 'tri'; value: 'y' | 'n' | 'm' }
  | { kind: 'num'; value: bigint }
  | { kind: 'str'; value: string };

function parseValue(raw: string): Raw | undefined {
  if (raw === 'y' || raw === 'n' || raw === 'm') return { kind: 'tri', value: raw };
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    return { kind: 'str', value: raw.slice(1, -1).replace(/\\(.)/g, '$1') };
  }
  const m = /^(-?)(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(raw);
  if (!m) return undefined;
  const digits = m[2] as string;
  const magnitude = digits.startsWith('0x')
    ? BigInt(digits)
    : digits.length > 1 && digits.startsWith('0')
      ? BigInt(`0o${digits.slice(1)}`)
      : BigInt(digits);
  return { kind: 'num', value: m[1] === '-' ? -magnitude : magnitude };
}

function writeInt(out: DataView, at: number, size: number, value: bigint, order: ByteOrder): void {
  const u = BigInt.asUintN(size * 8, value);
  const little = order === 'little';
  if (size === 1) out.setUint8(at, Number(u));
  else if (size === 2) out.setUint16(at, Number(u), little);
  else if (size === 4) out.setUint32(at, Number(u), little);
  else out.setBigUint64(at, u, little);
}

function fits(value: bigint, size: number, signed: boolean): boolean {
  const bits = BigInt(size * 8);
  if (signed) return value >= -(1n << (bits - 1n)) && value < 1n << (bits - 1n);
  // Like libbpf (strtoull), negative numbers wrap: accept them if they fit the signed range.
  return value >= -(1n << (bits - 1n)) && value < 1n << bits;
}

function encodeOne(ext: KconfigExtern, raw: Raw, out: DataView, bytes: Uint8Array, order: ByteOrder): void {
  const fail = (why: string) => new EbpfError(`kconfig extern ${JSON.stringify(ext.name)}: ${why}`, 'EINVAL');
  const at = ext.offset;
  switch (raw.kind) {
    case 'tri':
      if (ext.valueKind === 'bool') {
        if (raw.value === 'm') throw fail("value 'm' does not fit a bool (declare it enum libbpf_tristate)");
        out.setUint8(at, raw.value === 'y' ? 1 : 0);
      } else if (ext.valueKind === 'tristate') {
        writeInt(out, at, ext.size, raw.value === 'y' ? 1n : raw.value === 'm' ? 2n : 0n, order);
      } else if (ext.valueKind === 'char') {
        out.setUint8(at, raw.value.charCodeAt(0));
      } else throw fail(`value '${raw.value}' cannot be stored in a ${ext.valueKind}`);
      return;
    case 'num':
      if (ext.valueKind !== 'int' && ext.valueKind !== 'char')
        throw fail(`number ${raw.value} cannot be stored in a ${ext.valueKind}`);
      if (!fits(raw.value, ext.size, ext.signed))
        throw fail(`${raw.value} does not fit in ${ext.size} bytes`);
      writeInt(out, at, ext.size, raw.value, order);
      return;
    case 'str': {
      if (ext.valueKind !== 'char-array') throw fail(`string value cannot be stored in a ${ext.valueKind}`);
      const text = new TextEncoder().encode(raw.value).subarray(0, ext.size - 1);
      bytes.set(text, at);
      bytes.fill(0, at + text.byteLength, at + ext.size);
      return;
    }
  }
}

function special(ext: KconfigExtern, sources: KconfigSources): Raw | undefined | null {
  switch (ext.name) {
    case 'LINUX_KERNEL_VERSION':
      return { kind: 'num', value: BigInt(sources.kernelVersion()) };
    case 'LINUX_HAS_SYSCALL_WRAPPER':
      return { kind: 'tri', value: sources.hasSyscallWrapper() ? 'y' : 'n' };
    case 'LINUX_HAS_BPF_COOKIE':
      return { kind: 'tri', value: sources.hasBpfCookie() ? 'y' : 'n' };
    default:
      return ext.name.startsWith('LINUX_') ? undefined : null;
  }
}

/**
 * The `.kconfig` map value (`size` bytes, byte order `order`) for `externs`. Throws `EbpfError` naming the
 * extern when a value is missing (non-weak), malformed or does not fit.
 */
export function kconfigMapValue(
  externs: readonly KconfigExtern[],
  size: number,
  sources: KconfigSources,
  order: ByteOrder,
): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const ext of externs) {
    const fromSpecial = special(ext, sources);
    let raw: Raw | undefined;
    if (fromSpecial !== null) raw = fromSpecial;
    else {
      const text = sources.config().get(ext.name);
      raw = text === undefined ? undefined : parseValue(text);
      if (text !== undefined && raw === undefined) {
        throw new EbpfError(
          `kconfig extern ${JSON.stringify(ext.name)}: cannot parse value ${JSON.stringify(text)}`,
          'EINVAL',
        );
      }
    }
    if (raw === undefined) {
      if (ext.weak) continue;
      throw new EbpfError(
        `kconfig extern ${JSON.stringify(ext.name)}: not set in the kernel config (declare it __weak to default to 0)`,
        'ENOENT',
      );
    }
    encodeOne(ext, raw, view, bytes, order);
  }
  return bytes;
}
