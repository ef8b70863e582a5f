/**
 * removeMemlock: on this kernel (memcg accounting) it must leave RLIMIT_MEMLOCK alone; the fake backend
 * drives the old-kernel paths (raise, probe, EPERM).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSyscallError } from '../../src/errors.js';
import { Errno } from '../../src/internal/errno.js';
import { removeMemlock } from '../../src/rlimit/index.js';
import {
  BpfCmd,
  defaultContext,
  FakeBackend,
  KernelContext,
  RLIM_INFINITY,
  RLIMIT_MEMLOCK,
  type Rlimit,
} from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const MiB8 = 8n << 20n;

describe('removeMemlock on the running kernel', () => {
  it('succeeds without changing the limit (memcg accounting, by kernel version)', () => {
    const ctx = new KernelContext();
    const before = ctx.backend.getrlimit(RLIMIT_MEMLOCK);
    const res = removeMemlock({ ctx });
    assert.deepEqual(ctx.backend.getrlimit(RLIMIT_MEMLOCK), before);
    assert.equal(res.changed, false);
    if (typeof before !== 'number' && before.cur === RLIM_INFINITY)
      assert.equal(res.reason, 'already-unlimited');
    else {
      assert.equal(res.reason, 'memcg-accounting');
      assert.equal(res.detectedBy, 'kernel-version');
      assert.match(res.description, /memory cgroup/);
    }
  });

  it('the map-creation probe detects memcg accounting and restores the soft limit', () => {
    const ctx = new KernelContext();
    const before = ctx.backend.getrlimit(RLIMIT_MEMLOCK) as Rlimit;
    const res = removeMemlock({ ctx, probe: true });
    assert.deepEqual(ctx.backend.getrlimit(RLIMIT_MEMLOCK), before);
    if (before.cur !== RLIM_INFINITY) {
      assert.equal(res.reason, 'memcg-accounting');
      assert.equal(res.detectedBy, 'probe');
    }
  });

  it('uses the default context when none is given, and caches the result', () => {
    const first = removeMemlock();
    assert.equal(removeMemlock(), first);
    assert.ok(defaultContext().cache.has('rlimit:memlock'));
  });
});

interface FakeOpts {
  release: string;
  limit?: Rlimit;
  mapCreate?: (soft: bigint) => number;
  setrlimitErrno?: number;
}

function fakeKernel(o: FakeOpts) {
  const backend = new FakeBackend();
  backend.release = o.release;
  backend.rlimits.set(RLIMIT_MEMLOCK, o.limit ?? { cur: MiB8, max: MiB8 });
  const sets: Rlimit[] = [];
  const origSet = backend.setrlimit.bind(backend);
  backend.setrlimit = (resource, limit) => {
    sets.push(limit);
    const unprivileged = limit.max > (backend.rlimits.get(resource)?.max ?? 0n);
    if (o.setrlimitErrno !== undefined && unprivileged) return -o.setrlimitErrno;
    return origSet(resource, limit);
  };
  backend.on(BpfCmd.MAP_CREATE, (_a, b) => {
    const soft = (b.getrlimit(RLIMIT_MEMLOCK) as Rlimit).cur;
    return o.mapCreate ? o.mapCreate(soft) : b.newFd();
  });
  return { ctx: new KernelContext(backend), backend, sets };
}

describe('removeMemlock paths (fake backend)', () => {
  it('kernel >= 5.11: no probe, no change', () => {
    const { ctx, backend, sets } = fakeKernel({ release: '5.11.0-generic' });
    const res = removeMemlock({ ctx });
    assert.equal(res.reason, 'memcg-accounting');
    assert.deepEqual(sets, []);
    assert.equal(backend.calls.length, 0);
  });

  it('old kernel whose map creation works with the soft limit at 0: memcg by probe, limit restored', () => {
    const { ctx, backend, sets } = fakeKernel({ release: '5.4.0-backported' });
    const res = removeMemlock({ ctx });
    assert.equal(res.reason, 'memcg-accounting');
    assert.equal(res.detectedBy, 'probe');
    assert.deepEqual(sets, [
      { cur: 0n, max: MiB8 },
      { cur: MiB8, max: MiB8 },
    ]);
    assert.deepEqual(backend.getrlimit(RLIMIT_MEMLOCK), { cur: MiB8, max: MiB8 });
    assert.deepEqual(backend.openFds(), [], 'probe map closed');
  });

  it('old kernel charging RLIMIT_MEMLOCK: raises the limit to infinity', () => {
    const { ctx, backend, sets } = fakeKernel({
      release: '4.19.0',
      mapCreate: (soft) => (soft === 0n ? -Errno.EPERM : 3),
    });
    const res = removeMemlock({ ctx });
    assert.equal(res.changed, true);
    assert.equal(res.reason, 'raised');
    assert.deepEqual(res.before, { cur: MiB8, max: MiB8 });
    assert.deepEqual(sets.at(-1), { cur: RLIM_INFINITY, max: RLIM_INFINITY });
    assert.deepEqual(backend.getrlimit(RLIMIT_MEMLOCK), { cur: RLIM_INFINITY, max: RLIM_INFINITY });
  });

  it('old kernel without CAP_SYS_RESOURCE: a clear error, limit untouched', () => {
    const { ctx, backend } = fakeKernel({
      release: '4.19.0',
      mapCreate: () => -Errno.EPERM,
      setrlimitErrno: Errno.EPERM,
    });
    assert.throws(
      () => removeMemlock({ ctx }),
      (e: unknown) =>
        isSyscallError(e) &&
        e.errno === Errno.EPERM &&
        /^rlimit: raise RLIMIT_MEMLOCK to unlimited: EPERM: this kernel charges BPF memory against RLIMIT_MEMLOCK/.test(
          e.message,
        ) &&
        /CAP_SYS_RESOURCE/.test(e.message) &&
        /ulimit -l unlimited/.test(e.message),
    );
    assert.deepEqual(backend.getrlimit(RLIMIT_MEMLOCK), { cur: MiB8, max: MiB8 });
    assert.equal(ctx.cache.has('rlimit:memlock'), false, 'errors are not cached');
  });

  it('an unexpected probe error is thrown as is', () => {
    const { ctx } = fakeKernel({ release: '4.19.0', mapCreate: () => -Errno.EINVAL });
    assert.throws(
      () => removeMemlock({ ctx }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EINVAL,
    );
  });

  it('already unlimited: nothing to do', () => {
    const { ctx, sets } = fakeKernel({
      release: '4.19.0',
      limit: { cur: RLIM_INFINITY, max: RLIM_INFINITY },
    });
    assert.equal(removeMemlock({ ctx }).reason, 'already-unlimited');
    assert.deepEqual(sets, []);
  });

  it('caches the outcome per context', () => {
    const { ctx, sets } = fakeKernel({
      release: '4.19.0',
      mapCreate: (soft) => (soft === 0n ? -Errno.EPERM : 3),
    });
    const first = removeMemlock({ ctx });
    const n = sets.length;
    assert.equal(removeMemlock({ ctx }), first);
    assert.equal(sets.length, n);
  });
});
