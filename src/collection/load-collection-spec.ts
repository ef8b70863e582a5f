/**
 * `loadCollectionSpec(pathOrBytes)`: reads a BPF ELF object (a file path or its bytes) into a
 * `CollectionSpec`. Pure parsing: no kernel access, no root needed, works for objects of either byte
 * order. Errors are `EbpfError`s (`ParseError` for malformed input) prefixed with `load "<file>"`.
 */
import { readFileSync } from 'node:fs';
import { EbpfError } from '../errors.js';
import type { CollectionSpec } from './collection-spec.js';
import { objectNameFromPath } from './data-sections.js';
import { parseObject } from './parse-object.js';

/** Options of `loadCollectionSpec`. */
export interface LoadCollectionSpecOptions {
  /**
   * The object's name when loading from bytes (as the file name would be: `counter.bpf.o`). It prefixes
   * errors and, up to its first dot, the kernel names of global data maps (`counter.rodata`).
   */
  name?: string;
}

function readObject(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new EbpfError(`read: ${(e as Error).message}`, code, { cause: e });
  }
}

/** Parses a BPF ELF object (path or bytes) into a `CollectionSpec`. */
export function loadCollectionSpec(
  pathOrBytes: string | Uint8Array,
  options: LoadCollectionSpecOptions = {},
): CollectionSpec {
  const fromPath = typeof pathOrBytes === 'string';
  const file = fromPath ? pathOrBytes.slice(pathOrBytes.lastIndexOf('/') + 1) : options.name;
  const context = file === undefined ? 'load ELF object' : `load ${JSON.stringify(file)}`;
  try {
    const bytes = fromPath ? readObject(pathOrBytes) : pathOrBytes;
    return parseObject(bytes, {
      objectName: file === undefined ? undefined : objectNameFromPath(file),
      source: file,
    });
  } catch (e) {
    throw e instanceof EbpfError ? e.withContext(context) : e;
  }
}
