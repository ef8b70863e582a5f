/**
 * Naming for `ebpf-ts gen`: C names to PascalCase type names and camelCase value names, and an allocator
 * that keeps every top-level identifier of a generated module unique (collisions get a numeric suffix in
 * discovery order, so output is deterministic).
 */

/** Identifiers a generated module uses itself (imports, helpers, globals it relies on). */
const RESERVED = [
  'Array',
  'ArrayBuffer',
  'BigInt',
  'BigInt64Array',
  'BigUint64Array',
  'BpfMap',
  'Codec',
  'Collection',
  'CollectionOptions',
  'CollectionSpec',
  'DataView',
  'EbpfError',
  'Error',
  'Float32Array',
  'Float64Array',
  'Int16Array',
  'Int32Array',
  'Int8Array',
  'Map',
  'Number',
  'Object',
  'Program',
  'String',
  'Symbol',
  'TextDecoder',
  'TextEncoder',
  'TypedCodec',
  'TypedVariable',
  'Variable',
  'Uint16Array',
  'Uint32Array',
  'Uint8Array',
  'bindCodec',
  'decodeBase64',
  'fail',
  'fileURLToPath',
  'loadCollectionSpec',
  'newCollection',
  'perCpu',
  'readBits',
  'required',
  'typedVariable',
  'readInt128',
  'readString',
  'utf8Decoder',
  'utf8Encoder',
  'writeBits',
  'writeBytes',
  'writeInt128',
  'writeString',
];

const JS_RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await any boolean number string ' +
    'symbol bigint never unknown object undefined type'
  ).split(' '),
);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}

/** `lt_event` → `LtEvent`, `.rodata` → `Rodata`, `LtNameClash` → `LtNameClash`; never empty. */
export function pascalCase(name: string): string {
  const out = words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  if (out === '') return 'Anonymous';
  return /^[0-9]/.test(out) ? `T${out}` : out;
}

/** `lt_hash` → `ltHash`, `.data.custom` → `dataCustom`, `on_getpid` → `onGetpid`; never a keyword. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  const out =
    /^[A-Z][a-z]/.test(pascal) || pascal.length === 1
      ? pascal.charAt(0).toLowerCase() + pascal.slice(1)
      : lowerLeadingCaps(pascal);
  return JS_RESERVED.has(out) ? `${out}_` : out;
}

/** `IPv6Addr` → `ipv6Addr`, `TCP` → `tcp`. */
function lowerLeadingCaps(s: string): string {
  const m = /^[A-Z0-9]+/.exec(s)?.[0] ?? '';
  if (m.length === s.length) return s.toLowerCase();
  return m.slice(0, -1).toLowerCase() + s.slice(m.length - 1);
}

/** Hands out unique identifiers within one scope. */
export class NameAllocator {
  readonly #used: Set<string>;

  constructor(reserved: Iterable<string> = RESERVED) {
    this.#used = new Set([...reserved, ...JS_RESERVED]);
  }

  /** `base`, or `base2`, `base3`... when taken. */
  allocate(base: string): string {
    let name = base;
    for (let i = 2; this.#used.has(name); i++) name = `${base}${i}`;
    this.#used.add(name);
    return name;
  }

  /** True when `name` is already taken. */
  has(name: string): boolean {
    return this.#used.has(name);
  }
}
