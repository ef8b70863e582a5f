/**
 * Parser for the TAP 13 stream of `node --test --test-reporter=tap` (Node 20+): nested subtests by
 * indentation, `# SKIP`/`# TODO` directives, the YAML diagnostics block of each result (type, location,
 * failureType, error) and the closing `# tests/pass/fail/...` counters. Pure and tolerant: lines it does
 * not understand are ignored, and a stream cut short (guest timeout, crash) still yields what came through.
 */

/** How one test ended. `cancelled` covers node's timeouts and tests cancelled because a parent failed. */
export type TestStatus = 'passed' | 'failed' | 'cancelled' | 'skipped' | 'todo';

/** One reported test or suite result. */
export interface TapTestResult {
  /** Names from the outermost suite down to this test. */
  readonly path: readonly string[];
  readonly status: TestStatus;
  /** True for a `describe` suite (YAML `type: 'suite'`); suites are not counted as tests. */
  readonly isSuite: boolean;
  /** Skip or todo reason, or the first line of the error of a failure. */
  readonly reason?: string;
  /** node's failureType (`testCodeFailure`, `hookFailed`, `testTimeoutFailure`, ...). */
  readonly failureType?: string;
  /** `file:line:col` from the YAML `location`, when node gave one (failures only, in Node 20). */
  readonly location?: string;
}

/** Node's closing counters (`# tests 8`, `# pass 2`, ...). */
export interface TapTotals {
  readonly tests: number;
  readonly suites: number;
  readonly pass: number;
  readonly fail: number;
  readonly cancelled: number;
  readonly skipped: number;
  readonly todo: number;
  readonly durationMs: number;
}

/** Everything read from one TAP stream. */
export interface TapReport {
  readonly results: readonly TapTestResult[];
  /** Present only when the stream reached node's closing counters, i.e. the run finished. */
  readonly totals?: TapTotals;
  /** Top-level `# ...` lines that are neither subtest headers nor counters (stray output, load errors). */
  readonly diagnostics: readonly string[];
}

const RESULT_LINE = /^( *)(ok|not ok) \d+(?: - (.*))?$/;
const SUBTEST_LINE = /^( *)# Subtest: (.*)$/;
const TOTAL_LINE = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([0-9.]+)$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };

/** Undoes node's TAP escaping of names and reasons (`\#`, `\\`, `\n`, ...). */
export function unescapeTap(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\\' && next !== undefined) {
      out += next === '#' || next === '\\' ? next : (ESCAPES[next] ?? `\\${next}`);
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Splits the text after `ok N - ` into the test name and its directive: the first unescaped `#` followed
 * by SKIP or TODO (any case) starts the directive.
 */
export function splitDirective(text: string): { name: string; directive?: 'SKIP' | 'TODO'; reason?: string } {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] !== '#') continue;
    const m = /^#\s*(SKIP|TODO)\b\s*(.*)$/i.exec(text.slice(i));
    if (!m) continue;
    const name = unescapeTap(text.slice(0, i).trimEnd());
    const directive = (m[1] as string).toUpperCase() as 'SKIP' | 'TODO';
    const reason = unescapeTap(m[2] ?? '').trim();
    return reason === '' ? { name, directive } : { name, directive, reason };
  }
  return { name: unescapeTap(text) };
}

/** A YAML scalar as node writes it: `'single quoted'`, `"double"`, `~` (null) or bare. */
function yamlScalar(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '~' || v === '') return undefined;
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  return v;
}

/** Reads the YAML block starting at `lines[start]` (`---`); returns its top-level keys and the next index. */
function readYamlBlock(
  lines: readonly string[],
  start: number,
): { fields: Map<string, string>; next: number } {
  const fields = new Map<string, string>();
  const open = lines[start] ?? '';
  const indent = open.length - open.trimStart().length;
  let i = start + 1;
  let blockKey: string | undefined;
  let blockLines: string[] = [];
  let keyIndent = -1;
  const flush = (): void => {
    if (blockKey !== undefined) fields.set(blockKey, blockLines.join('\n'));
    blockKey = undefined;
    blockLines = [];
  };
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineIndent = line.length - line.trimStart().length;
    if (line.trim() === '...' && lineIndent === indent) {
      i++;
      break;
    }
    if (RESULT_LINE.test(line) || SUBTEST_LINE.test(line)) break; // block cut short
    const kv = /^( *)([A-Za-z_][\w]*): ?(.*)$/.exec(line);
    if (kv && (keyIndent < 0 || (kv[1] as string).length === keyIndent)) {
      flush();
      keyIndent = (kv[1] as string).length;
      const key = kv[2] as string;
      const value = kv[3] as string;
      if (/^[|>][-+]?$/.test(value.trim())) {
        blockKey = key;
      } else {
        const scalar = yamlScalar(value);
        if (scalar !== undefined) fields.set(key, scalar);
      }
    } else if (blockKey !== undefined) {
      blockLines.push(line.trim());
    }
  }
  flush();
  return { fields, next: i };
}

function statusOf(
  ok: boolean,
  directive: 'SKIP' | 'TODO' | undefined,
  failureType: string | undefined,
): TestStatus {
  if (directive === 'TODO') return 'todo';
  if (directive === 'SKIP') return 'skipped';
  if (ok) return 'passed';
  return failureType === 'cancelledByParent' || failureType === 'testTimeoutFailure' ? 'cancelled' : 'failed';
}

/** Parses a whole TAP stream (as text) from `node --test --test-reporter=tap`. */
export function parseTap(text: string): TapReport {
  const lines = text.split(/\r?\n/);
  const results: TapTestResult[] = [];
  const diagnostics: string[] = [];
  const names: string[] = [];
  const counters = new Map<string, number>();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const subtest = SUBTEST_LINE.exec(line);
    if (subtest) {
      const level = Math.floor((subtest[1] as string).length / 4);
      names.length = Math.min(names.length, level);
      while (names.length < level) names.push('?');
      names.push(unescapeTap(subtest[2] as string));
      counters.clear(); // counters only count when nothing follows them
      i++;
      continue;
    }
    const result = RESULT_LINE.exec(line);
    if (result) {
      const level = Math.floor((result[1] as string).length / 4);
      const { name, directive, reason } = splitDirective(result[3] ?? '');
      const path = [...names.slice(0, level), name];
      names.length = Math.min(names.length, level);
      let fields = new Map<string, string>();
      i++;
      if ((lines[i] ?? '').trim() === '---') ({ fields, next: i } = readYamlBlock(lines, i));
      const failureType = fields.get('failureType');
      const status = statusOf(result[2] === 'ok', directive, failureType);
      const error = fields.get('error')?.split('\n')[0];
      const why = reason ?? (status === 'failed' || status === 'cancelled' ? error : undefined);
      const location = fields.get('location');
      results.push({
        path,
        status,
        isSuite: fields.get('type') === 'suite',
        ...(why !== undefined ? { reason: why } : {}),
        ...(failureType !== undefined ? { failureType } : {}),
        ...(location !== undefined ? { location } : {}),
      });
      counters.clear();
      continue;
    }
    const total = TOTAL_LINE.exec(line);
    if (total) {
      counters.set(total[1] as string, Number(total[2]));
    } else if (line.startsWith('# ')) {
      diagnostics.push(line.slice(2));
    }
    i++;
  }
  const count = (key: string): number | undefined => counters.get(key);
  const keys = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];
  const complete = keys.every((k) => count(k) !== undefined);
  const totals: TapTotals | undefined = complete
    ? {
        tests: count('tests')!,
        suites: count('suites')!,
        pass: count('pass')!,
        fail: count('fail')!,
        cancelled: count('cancelled')!,
        skipped: count('skipped')!,
        todo: count('todo')!,
        durationMs: count('duration_ms')!,
      }
    : undefined;
  return { results, diagnostics, ...(totals ? { totals } : {}) };
}

/** The report with `prefix` (e.g. the guest's working directory plus `/`) cut from every location. */
export function stripLocationPrefix(report: TapReport, prefix: string): TapReport {
  if (prefix === '') return report;
  return {
    ...report,
    results: report.results.map((r) =>
      r.location?.startsWith(prefix) ? { ...r, location: r.location.slice(prefix.length) } : r,
    ),
  };
}
