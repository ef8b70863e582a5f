/**
 * examples/lib/error-line.ts: the one-line failure message of an example. A NotSupportedError in the error or
 * its cause chain makes it lead with `kernel lacks <feature>` (the "not supported" phrase replaced or moved to
 * the front, the context and the suggestion kept); any other error keeps its message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorLine, findNotSupported, kernelLacksMessage } from '../../examples/lib/error-line.js';
import { NotSupportedError, SyscallError } from '../../src/errors.js';

const KPROBES = new NotSupportedError(
  'kprobes',
  undefined,
  'the kernel has neither the perf kprobe PMU nor tracefs kprobe_events',
).withContext('kprobe do_unlinkat');
const FENTRY = new NotSupportedError('fentry', '5.5', 'the kernel refused the load with EPERM').withContext(
  'load "t.bpf.o": program "p"',
);

/** An example's wrapper: the library error's message plus a suggestion, the library error as cause. */
function suggest(e: Error, tail: string): Error {
  return new Error(`${e.message}${tail}`, { cause: e });
}

describe('errorLine', () => {
  const cases: Array<{ name: string; error: unknown; line: string }> = [
    {
      name: 'NotSupportedError with a context, wrapped with a suggestion in parentheses',
      error: suggest(KPROBES, ' (try examples/sigsnoop)'),
      line: 'kernel lacks kprobes: kprobe do_unlinkat: the kernel has neither the perf kprobe PMU nor tracefs kprobe_events (try examples/sigsnoop)',
    },
    {
      name: 'context and minimum kernel: the phrase moves to the front, the context follows',
      error: suggest(FENTRY, '; examples/opensnoop instead'),
      line: 'kernel lacks fentry (requires kernel >= 5.5): load "t.bpf.o": program "p": the kernel refused the load with EPERM; examples/opensnoop instead',
    },
    {
      name: 'NotSupportedError thrown directly, message starting with the phrase',
      error: new NotSupportedError('BPF LSM', undefined, '"bpf" is not among the active LSMs (capability)'),
      line: 'kernel lacks BPF LSM: "bpf" is not among the active LSMs (capability)',
    },
    {
      name: 'phrase without detail',
      error: new NotSupportedError('ringbuf', '5.8'),
      line: 'kernel lacks ringbuf (requires kernel >= 5.8)',
    },
    {
      name: 'NotSupportedError deeper in the cause chain, message without the phrase',
      error: new Error('attach failed', {
        cause: new Error('inner', { cause: new NotSupportedError('xdp') }),
      }),
      line: 'kernel lacks xdp: attach failed',
    },
    {
      name: 'other library error: message unchanged',
      error: new SyscallError('BPF_PROG_LOAD', 1),
      line: 'BPF_PROG_LOAD: EPERM',
    },
    {
      name: 'plain error: message unchanged',
      error: new Error('--block needs an IPv4 address'),
      line: '--block needs an IPv4 address',
    },
    { name: 'a thrown string', error: 'boom', line: 'boom' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(errorLine(c.error), c.line));
});

describe('kernelLacksMessage', () => {
  it('moves the phrase only when it follows ": " (a word containing the feature name is left alone)', () => {
    assert.equal(
      kernelLacksMessage('xfentry not supported here', 'fentry'),
      'kernel lacks fentry: xfentry not supported here',
    );
  });
  it('keeps a "requires" clause that does not match minKernel after the context', () => {
    assert.equal(
      kernelLacksMessage('ctx: lsm not supported (requires kernel >= 9.9): d', 'lsm', '5.7'),
      'kernel lacks lsm: ctx (requires kernel >= 9.9): d',
    );
  });
});

describe('findNotSupported', () => {
  it('stops on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    assert.equal(findNotSupported(a), undefined);
  });
  it('finds the first NotSupportedError of the chain', () => {
    assert.equal(findNotSupported(suggest(FENTRY, '')), FENTRY);
    assert.equal(findNotSupported(null), undefined);
  });
});
