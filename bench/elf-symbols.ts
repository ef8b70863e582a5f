/**
 * ELF symbol table benchmark: how long `ElfFile.symbols()` + `dynamicSymbols()` take on real binaries
 * (every symbol's name, type and value read, as consumers do), and `functionSymbols` (what uprobe symbol
 * resolution and the profile example use) on top of that. Each repetition parses the file afresh (symbol
 * tables are cached per `ElfFile`); the first repetition (cold: JIT warm-up included) is reported apart
 * from the median of the rest. Besides the chosen clock, process CPU time (`process.cpuUsage`: every
 * thread, V8's parallel and concurrent GC helpers included) is reported. Standalone, not part of
 * bench/run.ts.
 *
 *   npx tsx bench/elf-symbols.ts [--reps N] [--clock wall|cpu] [file...]
 *
 * Defaults: /usr/bin/node and the libc the dynamic loader would pick, 7 repetitions, the CPU clock.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ElfFile } from '../src/elf/elf-file.js';
import { functionSymbols } from '../src/link/elf-symbols.js';
import { resolveLibraryPath } from '../src/link/library-path.js';
import { CLOCK_NAMES, type ClockName, clockFor } from './lib/clock.js';
import { median } from './lib/stats.js';

interface Options {
  reps: number;
  clock: ClockName;
  files: string[];
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { reps: 7, clock: 'cpu', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--reps') options.reps = Math.max(2, Number(argv[++i]));
    else if (arg === '--clock') {
      const name = argv[++i];
      if (!CLOCK_NAMES.includes(name as ClockName)) throw new Error(`bench: unknown clock ${name}`);
      options.clock = name as ClockName;
    } else options.files.push(arg);
  }
  if (options.files.length === 0) options.files = ['/usr/bin/node', resolveLibraryPath('libc.so.6')];
  return options;
}

/** Reads what a consumer would of every symbol; returns the count and a checksum. */
function touchAll(elf: ElfFile): { count: number; checksum: number } {
  let checksum = 0;
  let count = 0;
  for (const table of [elf.symbols(), elf.dynamicSymbols()]) {
    for (const sym of table) {
      checksum = (checksum + sym.name.length + sym.type + (sym.value === 0n ? 0 : 1)) | 0;
      count++;
    }
  }
  return { count, checksum };
}

function run(options: Options): void {
  const now = clockFor(options.clock);
  console.log(
    `clock ${options.clock}, ${options.reps} repetitions, load average ${loadavg()[0]?.toFixed(2)}`,
  );
  for (const path of options.files) {
    const bytes = readFileSync(path);
    const tables: number[] = [];
    const tablesProcess: number[] = [];
    const functions: number[] = [];
    let count = 0;
    let functionCount = 0;
    for (let rep = 0; rep < options.reps; rep++) {
      const processStart = process.cpuUsage();
      let start = now();
      const elf = ElfFile.parse(bytes);
      count = touchAll(elf).count;
      tables.push((now() - start) / 1e6);
      const used = process.cpuUsage(processStart);
      tablesProcess.push((used.user + used.system) / 1e3);
      start = now();
      functionCount = functionSymbols(ElfFile.parse(bytes), path).size;
      functions.push((now() - start) / 1e6);
    }
    const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
    const warm = median(tables.slice(1));
    console.log(
      `${path}: ${count} symbols; tables cold ${fmt(tables[0] as number)}, median ${fmt(warm)}` +
        ` (${((warm * 1e6) / count).toFixed(0)} ns/symbol; process CPU cold ${fmt(tablesProcess[0] as number)},` +
        ` median ${fmt(median(tablesProcess.slice(1)))}); functionSymbols (${functionCount})` +
        ` median ${fmt(median(functions.slice(1)))}`,
    );
  }
}

run(parseOptions(process.argv.slice(2)));
