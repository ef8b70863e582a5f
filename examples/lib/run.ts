/**
 * Shared scaffolding for the examples: argument parsing (`--duration <s>`, `--json`, `--help`), a signal
 * that aborts on Ctrl-C / SIGTERM / the duration running out, and paths to the committed BPF objects.
 * Examples use only the public API of ebpf-ts; this file only wires the process.
 */
import { parseArgs } from 'node:util';
import { errorLine } from './error-line.js';

/** Options every example accepts. */
export interface CommonOptions {
  /** Stop by itself after this many seconds (0 = run until Ctrl-C). */
  duration: number;
  json: boolean;
}

/** Declares an example's own flags (same shape as node:util parseArgs options). */
export type ExampleFlags = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; default?: string | boolean; description: string }
>;

/** What `runExample` hands the example's main function. */
export interface ExampleContext<F extends ExampleFlags> extends CommonOptions {
  /** Aborts on SIGINT/SIGTERM or when `--duration` runs out. */
  signal: AbortSignal;
  /** The example's own flags, parsed. */
  flags: { [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean : string | undefined };
  /** Positional arguments. */
  args: string[];
}

/** Path of a committed BPF object `bpf/<name>.bpf.o`. */
export function bpfObject(name: string): string {
  return new URL(`../../bpf/${name}.bpf.o`, import.meta.url).pathname;
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Calls `fn` every `ms` until `signal` aborts. */
export async function every(ms: number, signal: AbortSignal, fn: () => void): Promise<void> {
  while (!signal.aborted) {
    await sleep(ms, signal);
    if (!signal.aborted) fn();
  }
}

/**
 * Runs an example: parses flags, sets up the abort signal, calls `main`, and turns errors into a one-line
 * message (`kernel lacks <feature>…` for a missing kernel feature) and exit code 1. `main` must close what it
 * opened (readers, then links, then objects) before it returns; `using`/`await using` does that.
 */
export function runExample<F extends ExampleFlags>(
  description: string,
  flags: F,
  main: (ctx: ExampleContext<F>) => Promise<void> | void,
): void {
  const options = {
    duration: { type: 'string' as const },
    json: { type: 'boolean' as const, default: false },
    help: { type: 'boolean' as const, short: 'h', default: false },
    ...Object.fromEntries(
      Object.entries(flags).map(([k, v]) => [
        k,
        {
          type: v.type,
          ...(v.short ? { short: v.short } : {}),
          ...(v.default !== undefined ? { default: v.default } : {}),
        },
      ]),
    ),
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    const lines = Object.entries(flags).map(
      ([k, v]) => `  --${k}${v.type === 'string' ? ' <value>' : ''}  ${v.description}`,
    );
    process.stdout.write(
      `${description}\n\noptions:\n  --duration <s>  stop after s seconds\n  --json  JSON output\n${lines.join('\n')}\n`,
    );
    return;
  }
  const duration = Number(values.duration ?? 0);
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer =
    duration > 0 ? setTimeout(() => ac.abort(new Error('duration elapsed')), duration * 1000) : undefined;
  const ctx = {
    signal: ac.signal,
    duration,
    json: values.json === true,
    flags: values as ExampleContext<F>['flags'],
    args: parsed.positionals,
  };
  Promise.resolve()
    .then(() => main(ctx))
    .then(
      () => {
        process.exitCode = 0;
      },
      (e: unknown) => {
        process.stderr.write(`error: ${errorLine(e)}\n`);
        process.exitCode = 1;
      },
    )
    .finally(() => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}
