/**
 * `ebpf-ts btf dump [file] [--format raw|c]`: BTF of the kernel, a module, a raw .BTF blob or a BPF object.
 */
import { readFileSync } from 'node:fs';
import { dumpC, dumpRaw, loadSpec } from '../btf/index.js';
import { parseElf } from '../elf/index.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Reads BTF from `path`: a raw BTF file or the `.BTF` section of an ELF object. */
export function readBtfFile(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (ELF_MAGIC.every((b, i) => bytes[i] === b)) {
    const elf = parseElf(bytes);
    const sec = elf.sectionByName('.BTF');
    if (!sec) throw new Error(`${path}: no .BTF section`);
    return elf.sectionData(sec);
  }
  return bytes;
}

/** Writes the dump of `path` to stdout. */
export function btfDump(path: string, format: 'raw' | 'c'): void {
  const spec = loadSpec(readBtfFile(path));
  process.stdout.write(format === 'c' ? dumpC(spec) : dumpRaw(spec));
}
