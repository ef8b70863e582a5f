/**
 * Kernel object names (`prog_name`, `map_name`): at most 15 bytes of `[A-Za-z0-9_.]`. Anything else is
 * replaced by `_` so names from ELF sections or user input always load.
 */

/** Longest name the kernel stores (`BPF_OBJ_NAME_LEN - 1`). */
export const MAX_OBJECT_NAME_LENGTH = 15;

/** `name` with characters the kernel rejects replaced by `_`, truncated to 15 characters. */
export function kernelObjectName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, MAX_OBJECT_NAME_LENGTH);
}
