/**
 * Name-keyed records for collection contents. They have no prototype, so names taken from an ELF file
 * (`__proto__`, `constructor`) are ordinary keys and cannot reach `Object.prototype`.
 */

/** A record keyed by ELF names (maps, programs, variables). */
export type NamedRecord<T> = Record<string, T>;

/** An empty prototype-less record. */
export function namedRecord<T>(): NamedRecord<T> {
  return Object.create(null) as NamedRecord<T>;
}

/** A prototype-less copy of `source` with every value passed through `copy`. */
export function mapRecord<T, U>(source: NamedRecord<T>, copy: (value: T, name: string) => U): NamedRecord<U> {
  const out = namedRecord<U>();
  for (const [name, value] of Object.entries(source)) out[name] = copy(value, name);
  return out;
}
