/**
 * Output helpers for the CLI: JSON or text, and aligned tables.
 */

/** Prints either JSON (with --json) or the text rendering. */
export interface Output {
  json: boolean;
  print(data: unknown, text: () => string): void;
}

/** An `Output` writing to stdout. */
export function stdoutOutput(json: boolean): Output {
  return {
    json,
    print(data, text) {
      process.stdout.write(
        json
          ? `${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
          : `${text()}\n`,
      );
    },
  };
}

/** Renders rows as an aligned text table with the given columns. */
export function table<T extends object>(
  rows: readonly T[],
  columns: ReadonlyArray<keyof T & string>,
): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (vals: readonly string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}
