import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClosedError,
  EbpfError,
  isClosedError,
  isEbpfError,
  isKeyNotFoundError,
  isNotSupportedError,
  isParseError,
  isSyscallError,
  isVerifierError,
  KeyNotFoundError,
  NotSupportedError,
  ParseError,
  SyscallError,
  summarizeVerifierLog,
  VerifierError,
} from '../src/errors.js';

describe('errors', () => {
  it('SyscallError names errno and op', () => {
    const e = new SyscallError('map "events": create', 1);
    assert.equal(e.message, 'map "events": create: EPERM');
    assert.equal(e.code, 'EPERM');
    assert.equal(e.errno, 1);
    assert.ok(isSyscallError(e) && isEbpfError(e));
  });

  it('guards check code, so a structurally equal error from another module copy passes', () => {
    const foreign = Object.assign(new Error('x'), { code: 'EKEYNOTFOUND' });
    assert.ok(isKeyNotFoundError(foreign));
    assert.ok(isKeyNotFoundError(new KeyNotFoundError()));
    assert.ok(isNotSupportedError(new NotSupportedError('kprobes', '4.1')));
    assert.ok(isParseError(new ParseError('.BTF', 12, 'bad')));
    assert.ok(isClosedError(new ClosedError('reader')));
    assert.ok(isVerifierError(new VerifierError('load', 13, 'R0 !read_ok')));
    assert.ok(!isSyscallError(new KeyNotFoundError()));
  });

  it('withContext prefixes the message and keeps class, fields and cause', () => {
    const root = new Error('root');
    const e = new SyscallError('create', 22, undefined, { cause: root }).withContext('map "x"');
    assert.ok(e instanceof SyscallError);
    assert.equal(e.message, 'map "x": create: EINVAL');
    assert.equal(e.errno, 22);
    assert.equal(e.cause, root);
    assert.match(e.stack ?? '', /^SyscallError: map "x": create: EINVAL/);
  });

  it('NotSupportedError names the feature and minimum kernel', () => {
    const e = new NotSupportedError('kprobes', '4.1', 'no kprobe PMU');
    assert.equal(e.message, 'kprobes not supported (requires kernel >= 4.1): no kprobe PMU');
    assert.equal(e.feature, 'kprobes');
    assert.equal(e.minKernel, '4.1');
  });

  it('VerifierError keeps the whole log and summarises its last meaningful lines', () => {
    const log =
      '0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n';
    const e = new VerifierError('program "p": load', 13, log);
    assert.equal(e.log, log);
    assert.match(e.message, /EACCES: .*R0 !read_ok$/);
    assert.equal(summarizeVerifierLog(''), 'verifier rejected program (no log)');
  });

  it('ParseError reports section and offset', () => {
    const e = new ParseError('.BTF.ext', 40, 'truncated record');
    assert.equal(e.message, '.BTF.ext at offset 40: truncated record');
    assert.ok(e instanceof EbpfError);
  });
});
