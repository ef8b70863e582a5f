/**
 * Finding the CO-RE "flavored" names of a BTF string table (`task_struct___v2`: a name holding a flavor
 * separator `X___Y`, with X and Y not underscores) without decoding its strings. Kernel BTF has only a
 * handful among ~125k strings, so CO-RE candidate search indexes just these and resolves every other
 * name through the hashed name index. Pure: no node:* imports.
 */
import type { StringTable } from './string-table.js';

const UNDERSCORE = 0x5f;
/** Two underscores as one 16-bit half of a word (the same in either byte order). */
const TWO_UNDERSCORES = 0x5f5f;
const NO_WORDS = new Uint32Array(0);

/**
 * Whether a flavor separator starts at `x` of `bytes`: `X___Y` with X, Y inside the same name (not NUL)
 * and not underscores — libbpf's `bpf_core_is_flavor_sep`.
 */
function separatorAt(bytes: Uint8Array, x: number): boolean {
  if (x < 0 || x + 4 >= bytes.length) return false;
  const before = bytes[x] as number;
  const after = bytes[x + 4] as number;
  return (
    before !== 0 &&
    before !== UNDERSCORE &&
    bytes[x + 1] === UNDERSCORE &&
    bytes[x + 2] === UNDERSCORE &&
    bytes[x + 3] === UNDERSCORE &&
    after !== 0 &&
    after !== UNDERSCORE
  );
}

/**
 * Offsets (in `table`'s own offset space: `table.start` + byte index) of the strings of `table`'s own
 * bytes that contain a flavor separator, ascending, each once. Reads the table as aligned 32-bit words:
 * every run of three underscores holds an aligned pair of them, so only words with an underscore pair
 * in one of their halves are looked at more closely.
 */
export function flavoredNameOffsets(table: StringTable): number[] {
  const bytes = table.bytes;
  const n = bytes.length;
  const out: number[] = [];
  let lastStart = -1;
  const note = (x: number): void => {
    if (!separatorAt(bytes, x)) return;
    const start = bytes.lastIndexOf(0, x) + 1;
    // Positions are visited in increasing order apart from a few revisited where the three loops
    // overlap; a revisit only finds a name already noted.
    if (start > lastStart) {
      out.push(table.start + start);
      lastStart = start;
    }
  };
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  const words = n > head ? (n - head) >>> 2 : 0;
  const tail = head + 4 * words;
  // Separators whose underscore pair is not inside a whole word: near the two ends.
  for (let x = 0; x < Math.min(n, head + 4); x++) note(x);
  const view = words > 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset + head, words) : NO_WORDS;
  for (let k = 0; k < words; k++) {
    const w = view[k] as number;
    if ((w & 0xffff) !== TWO_UNDERSCORES && w >>> 16 !== TWO_UNDERSCORES) continue;
    // A pair at byte q belongs to a run starting at q - 1 or q: its X is at q - 2 or q - 1.
    const at = head + 4 * k;
    for (let x = at - 2; x <= at + 1; x++) note(x);
  }
  for (let x = Math.max(head + 4, tail - 4); x < n; x++) note(x);
  return out;
}
