/**
 * A small argument parser for the `ebpf-ts` CLI: positionals plus `--flag`, `--key value` and `--key=value`.
 */

/** Parsed command line. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Splits argv into positionals and flags. `--` ends flag parsing. `valued` lists flags that take a value. */
export function parseArgs(argv: readonly string[], valued: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (valued.has(a.slice(2)) && i + 1 < argv.length) flags.set(a.slice(2), argv[++i] as string);
      else flags.set(a.slice(2), true);
    } else if (a === '-h') flags.set('help', true);
    else positionals.push(a);
  }
  return { positionals, flags };
}

/** A flag's string value, or undefined. */
export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
