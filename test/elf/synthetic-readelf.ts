/**
 * Writes a synthetic ELF file to a temporary directory and runs the readelf oracle on it, so the
 * hand-built edge cases are checked against an independent reader too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ReadelfReport, readelf } from './readelf-output.js';

/** readelf's view of `bytes`. */
export function readelfBytes(bytes: Uint8Array): ReadelfReport {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-elf-'));
  try {
    const path = join(dir, 'synthetic.o');
    writeFileSync(path, bytes);
    return readelf(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
