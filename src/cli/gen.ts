/**
 * `ebpf-ts gen <object.o> [--out file.ts] [--name counter] [--type event ...] [--embed | --path]`: writes a
 * TypeScript module with interfaces, enums and codecs for the object's map keys/values, global variables
 * and the requested types, plus loaders for the object (embedded as base64 by default, or read from a path
 * relative to the generated file with `--path`, which needs an ES module). Without `--out` the module goes
 * to stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { readGenSource } from './gen-input.js';
import type { ObjectSource } from './gen-loader.js';
import { generateModule } from './gen-module.js';
import { camelCase } from './gen-names.js';

const USAGE = `usage: ebpf-ts gen <object.o> [--out file.ts] [--name name] [--type type ...] [--embed | --path]

  --out file.ts   write the module there (default: stdout)
  --name name     base name of the loaders: load<Name>Spec, load<Name>Objects (default: from the object)
  --type type     also generate this type and what it references (repeatable; "struct x" to disambiguate)
  --embed         embed the object in the module as base64 (default)
  --path          load the object from its path relative to the module (ES modules only)
`;

/** Parsed `gen` options. */
export interface GenArgs {
  object: string;
  out: string | undefined;
  name: string;
  types: string[];
  mode: 'embed' | 'path';
}

/** Parses `gen` arguments (after the `gen` word). Throws an Error with the usage on bad input. */
export function parseGenArgs(argv: readonly string[]): GenArgs {
  const positionals: string[] = [];
  const types: string[] = [];
  let out: string | undefined;
  let name: string | undefined;
  let mode: 'embed' | 'path' | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`gen: ${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    if (flag === '--out' || flag === '-o') out = value();
    else if (flag === '--name') name = value();
    else if (flag === '--type') types.push(value());
    else if (flag === '--embed' || flag === '--path') {
      const m = flag === '--embed' ? 'embed' : 'path';
      if (mode !== undefined && mode !== m)
        throw new Error(`gen: --embed and --path exclude each other\n\n${USAGE}`);
      mode = m;
    } else if (flag.startsWith('-')) throw new Error(`gen: unknown option ${flag}\n\n${USAGE}`);
    else positionals.push(a);
  }
  if (positionals.length !== 1) throw new Error(`gen: expected one object file\n\n${USAGE}`);
  const object = positionals[0] as string;
  const loaderName = camelCase(name ?? basename(object).replace(/\.(bpf|bpfel|bpfeb)?\.?o$/, ''));
  return { object, out, name: loaderName, types, mode: mode ?? 'embed' };
}

function relativeImportPath(from: string, to: string): string {
  const rel = relative(from, to).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Builds the module text for parsed arguments (reads the object; writes nothing). */
export function generateFromArgs(args: GenArgs): string {
  const bytes = new Uint8Array(readFileSync(args.object));
  const file = basename(args.object);
  const moduleDir = args.out === undefined ? process.cwd() : dirname(resolve(args.out));
  const source: ObjectSource =
    args.mode === 'embed'
      ? { kind: 'embed', bytes }
      : { kind: 'path', relative: relativeImportPath(moduleDir, resolve(args.object)) };
  const command = [
    'ebpf-ts gen',
    source.kind === 'path' ? source.relative : file,
    `--name ${args.name}`,
    ...args.types.map((t) => `--type ${JSON.stringify(t)}`),
    `--${args.mode}`,
  ].join(' ');
  return generateModule(readGenSource(bytes, file), { name: args.name, types: args.types, source, command });
}

/** The `gen` command: returns the exit code (2 for usage errors). */
export async function genCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let args: GenArgs;
  try {
    args = parseGenArgs(argv);
  } catch (e) {
    process.stderr.write(`ebpf-ts: ${(e as Error).message}`);
    return 2;
  }
  const text = generateFromArgs(args);
  if (args.out === undefined) process.stdout.write(text);
  else writeFileSync(args.out, text);
  return 0;
}
