/**
 * BtfHandle on the running kernel: committed objects' BTF loads (both byte orders) and reads back
 * unchanged, ids agree with bpftool, vmlinux's own BTF object, rejection with the kernel's BTF log.
 * Sanitizing: probe blobs, forced "kernel lacks X" answers injected through the context cache (as
 * realistic cascades of older kernels, and one kind at a time on a synthetic spec), and the retry /
 * error paths scripted on the fake backend.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  Datasec,
  DeclTag,
  dumpRaw,
  Enum,
  Float,
  Func,
  FuncLinkage,
  FuncParam,
  FuncProto,
  Int,
  loadSpec,
  Member,
  marshalSpec,
  marshalTypes,
  Pointer,
  type Spec,
  Struct,
  TypeTag,
  Var,
  VarLinkage,
  VarSecinfo,
} from '../../src/btf/index.js';
import {
  BTF_FEATURE_INFO,
  BTF_FEATURES,
  type BtfFeature,
  BtfHandle,
  btfFeatureCacheKey,
  btfFeatureProbe,
  haveBtfFeature,
  kernelSanitizeOptions,
  loadKernelSpec,
  walkBtfObjects,
} from '../../src/btf/kernel.js';
import { isSyscallError, isVerifierError, VerifierError } from '../../src/errors.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { Errno } from '../../src/internal/errno.js';
import { compareKernelRelease, runningKernelRelease } from '../../src/prog/kernel-release.js';
import { BtfLoadAttr } from '../../src/syscall/attr-layouts.js';
import { KernelContext } from '../../src/syscall/context.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';
import { BpfCmd } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { fixture } from './helpers.js';
import { finalizeObjectBtf, objectBtf } from './kernel-helpers.js';

checkFdLeaks();

const OBJECTS = ['btf_types', 'core_reads', 'core_types', 'elf_basic'] as const;

function loadable(name: string, order: 'little' | 'big' = 'little'): Spec {
  const { elf, spec } = objectBtf(fixture(name, order));
  finalizeObjectBtf(spec, elf);
  return spec;
}

function kindsOf(spec: Spec): Set<string> {
  return new Set([...spec.types()].map((t) => t.kind));
}

/** `bpftool btf show id <id>` as "<id>: name [...] size NB". */
function bpftoolShow(id: number): string {
  return execFileSync('bpftool', ['btf', 'show', 'id', String(id)], { encoding: 'utf8' });
}

describe('BtfHandle on the running kernel', () => {
  const ctx = new KernelContext();

  for (const name of OBJECTS) {
    for (const order of ['little', 'big'] as const) {
      it(`loads ${name} (${order}-endian object) and reads it back unchanged`, () => {
        const spec = loadable(name, order);
        using h = BtfHandle.load(spec, { ctx });
        const info = h.info();
        assert.equal(h.id, info.id);
        assert.ok(info.id > 0);
        assert.equal(info.kernelBtf, false);
        assert.equal(info.name, '');
        assert.match(bpftoolShow(info.id), new RegExp(`^${info.id}: name <anon>\\s+size ${info.size}B`));
        const sent = marshalSpec(spec, { byteOrder: hostByteOrder, sanitize: {} });
        assert.equal(info.size, sent.byteLength);
        assert.equal(dumpRaw(h.spec()), dumpRaw(loadSpec(sent)));
      });
    }
  }

  it('opens a loaded object by id, and the id disappears once every fd is closed', () => {
    const h = BtfHandle.load(loadable('elf_basic'), { ctx });
    const id = h.id;
    const again = BtfHandle.fromId(id, { ctx });
    assert.equal(again.id, id);
    assert.notEqual(again.fd.raw, h.fd.raw);
    h.close();
    assert.equal(again.info().size, h.info().size);
    again.close();
    again.close();
    assert.throws(
      () => BtfHandle.fromId(id, { ctx }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.ENOENT,
    );
  });

  it('opens vmlinux BTF as a kernel object with the same types as sysfs', () => {
    using h = BtfHandle.kernel({ ctx });
    const info = h.info();
    assert.equal(info.name, 'vmlinux');
    assert.equal(info.kernelBtf, true);
    assert.ok(h.isVmlinux);
    assert.ok(!h.isModule);
    assert.match(bpftoolShow(info.id), new RegExp(`^${info.id}: name \\[vmlinux\\]\\s+size ${info.size}B`));
    assert.equal(h.spec().typeCount, loadKernelSpec({ ctx }).typeCount);
    const kernelObjects = [...walkBtfObjects(ctx)].filter((o) => o.info.kernelBtf).map((o) => o.info.name);
    assert.equal(kernelObjects[0], 'vmlinux');
  });

  it('reports a module without a BTF object as ENOENT', () => {
    assert.throws(() => BtfHandle.kernel({ ctx, module: 'no_such_module' }), {
      code: 'ENOENT',
      message: /kernel BTF object "no_such_module"/,
    });
  });

  it('rejects BTF the kernel refuses with a VerifierError carrying the BTF log', () => {
    // Without finalizing, clang's DATASECs have size 0, which the kernel refuses.
    const { spec } = objectBtf(fixture('elf_basic'));
    assert.throws(
      () => BtfHandle.load(spec, { ctx }),
      (e: unknown) => {
        assert.ok(isVerifierError(e));
        assert.ok(e instanceof VerifierError);
        assert.equal(e.errno, Errno.EINVAL);
        assert.match(e.log, /DATASEC \.bss size=0 vlen=1 size == 0/);
        assert.match(e.message, /^btf: load BTF: EINVAL: .*size == 0/);
        return true;
      },
    );
  });

  it('refuses split BTF', () => {
    const base = loadKernelSpec({ ctx });
    const split = loadSpec(marshalTypes([new Struct('x', 0)], { base }).bytes, { base });
    assert.throws(() => BtfHandle.load(split, { ctx }), /split BTF cannot be loaded on its own/);
  });
});

describe('BTF feature probes', () => {
  it('every probe blob of a kind this kernel is new enough for is accepted', (t) => {
    const ctx = new KernelContext();
    const release = runningKernelRelease(ctx);
    assert.ok(release);
    const newer: string[] = [];
    for (const f of BTF_FEATURES) {
      assert.doesNotThrow(() => loadSpec(btfFeatureProbe(f)), f);
      const have = haveBtfFeature(ctx, f);
      assert.equal(ctx.cache.get(btfFeatureCacheKey(f)), have);
      if (compareKernelRelease(release, BTF_FEATURE_INFO[f].minKernel) >= 0) assert.equal(have, true, f);
      else newer.push(`${f}: ${have ? 'accepted' : 'refused'}`);
    }
    if (newer.length > 0) t.diagnostic(`newer than this kernel: ${newer.join(', ')}`);
    // on a kernel that has them all (the development kernel, 6.12+), nothing is sanitized
    if (newer.length === 0) assert.deepEqual(Object.values(kernelSanitizeOptions(ctx)), Array(8).fill(false));
  });

  it('an injected answer is used without probing', () => {
    const fake = new FakeBackend();
    const ctx = new KernelContext(fake);
    for (const f of BTF_FEATURES) ctx.cache.set(btfFeatureCacheKey(f), f !== 'float');
    const opts = kernelSanitizeOptions(ctx);
    assert.equal(opts.float, true);
    assert.equal(opts.declTag, false);
    assert.equal(fake.calls.length, 0);
  });

  it('caches a rejection, rethrows EPERM uncached, and needs BTF at all', () => {
    const fake = new FakeBackend();
    const ctx = new KernelContext(fake);
    let answer = -Errno.EPERM;
    fake.on(BpfCmd.BTF_LOAD, () => answer);
    assert.throws(
      () => haveBtfFeature(ctx, 'btf'),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EPERM,
    );
    assert.equal(ctx.cache.has(btfFeatureCacheKey('btf')), false);
    answer = -Errno.EINVAL;
    assert.throws(() => kernelSanitizeOptions(ctx), {
      code: 'ENOTSUPPORTED',
      message: /BTF not supported \(requires kernel >= 4\.18\)/,
    });
    assert.equal(ctx.cache.get(btfFeatureCacheKey('btf')), false);
    assert.equal(haveBtfFeature(ctx, 'enum64'), false);
    const calls = fake.calls.length;
    assert.equal(haveBtfFeature(ctx, 'enum64'), false);
    assert.equal(fake.calls.length, calls);
  });
});

/** Older kernels, newest first: each lacks its feature and every later one. */
const CASCADE: readonly BtfFeature[] = [
  'qmarkDatasec',
  'enum64',
  'typeTag',
  'declTag',
  'float',
  'funcLinkage',
  'datasecVar',
  'func',
];

/** The kinds that must be gone from what the kernel holds when `feature` is lacking. */
const REMOVED: Partial<Record<BtfFeature, string[]>> = {
  typeTag: ['typeTag'],
  declTag: ['declTag'],
  float: ['float'],
  datasecVar: ['var', 'datasec'],
  func: ['func', 'funcProto'],
};

function contextLacking(features: readonly BtfFeature[]): KernelContext {
  const ctx = new KernelContext();
  for (const f of features) ctx.cache.set(btfFeatureCacheKey(f), false);
  return ctx;
}

describe('sanitizing for older kernels (forced probe answers)', () => {
  for (let n = 1; n <= CASCADE.length; n++) {
    const lacking = CASCADE.slice(0, n);
    const feature = lacking[n - 1] as BtfFeature;
    // Kernels >= 5.0 refuse the anonymous enumerators that FUNC_PROTO -> ENUM produces for unnamed
    // parameters (older kernels did not check names): use the object whose parameters are all named.
    const objects = feature === 'func' ? (['elf_basic'] as const) : OBJECTS;
    for (const name of objects) {
      it(`a kernel without ${feature} (and later kinds) accepts ${name}`, () => {
        const ctx = contextLacking(lacking);
        using h = BtfHandle.load(loadable(name), { ctx });
        const held = kindsOf(h.spec());
        for (const f of lacking) for (const k of REMOVED[f] ?? []) assert.ok(!held.has(k), `${k} left`);
      });
    }
  }

  it('without func support the kernel gets no FUNC/FUNC_PROTO (and refuses unnamed enumerators today)', () => {
    const ctx = contextLacking(CASCADE);
    const sent = loadSpec(marshalSpec(loadable('btf_types'), { sanitize: kernelSanitizeOptions(ctx) }));
    const kinds = kindsOf(sent);
    for (const k of ['func', 'funcProto', 'var', 'datasec', 'declTag', 'typeTag', 'float'])
      assert.ok(!kinds.has(k), k);
    assert.throws(
      () => BtfHandle.load(loadable('btf_types'), { ctx }),
      (e: unknown) => isVerifierError(e) && /Invalid name/.test(e.log),
    );
  });

  /** One of every kind a newer kernel added, referencing each other as real objects do. */
  function everyKind(): Spec {
    const int = new Int('int', 4, 1);
    const e64 = new Enum('big', 8, [{ name: 'BIG', value: 1n << 40n }], false, true);
    const dbl = new Float('double', 8);
    const tagged = new Pointer(new TypeTag('user', int));
    const s = new Struct('holder', 32, [
      new Member('e', e64, 0),
      new Member('d', dbl, 64),
      new Member('p', tagged, 128),
      new Member('i', int, 192),
    ]);
    const proto = new FuncProto(int, [new FuncParam('h', new Pointer(s))]);
    const fn = new Func('entry', proto, FuncLinkage.Global);
    const v = new Var('state', s, VarLinkage.Global);
    const sec = new Datasec('.data?', 32, [new VarSecinfo(v, 0, 32)]);
    const types = [int, e64, dbl, s, fn, v, sec, new DeclTag('kfunc', fn, -1), new DeclTag('arg', fn, 0)];
    return loadSpec(marshalTypes(types).bytes);
  }

  const single: Array<[BtfFeature, string[]]> = [
    ['enum64', []],
    ['qmarkDatasec', []],
    ['typeTag', ['typeTag']],
    ['declTag', ['declTag']],
    ['float', ['float']],
    ['funcLinkage', []],
  ];
  for (const [feature, gone] of single) {
    it(`only ${feature} missing: the synthetic spec is accepted and rewritten`, () => {
      const ctx = contextLacking([feature]);
      using h = BtfHandle.load(everyKind(), { ctx });
      const back = h.spec();
      const held = kindsOf(back);
      for (const k of gone) assert.ok(!held.has(k), `${k} left`);
      if (feature === 'enum64') assert.equal(back.typeByName('big').kind, 'union');
      if (feature === 'qmarkDatasec') assert.equal(back.typesByName('.data_').length, 1);
      if (feature === 'funcLinkage') assert.equal(back.typeByName('entry', Func).linkage, FuncLinkage.Static);
    });
  }

  it('the synthetic spec loads as this kernel needs it: unchanged where it has every kind', () => {
    const ctx = new KernelContext();
    const spec = everyKind();
    using h = BtfHandle.load(spec, { ctx });
    const sanitize = kernelSanitizeOptions(ctx);
    const expected = Object.values(sanitize).some((v) => v)
      ? loadSpec(marshalSpec(spec, { sanitize })) // an older kernel (the matrix guests): 6.1 lacks '?' names
      : spec;
    assert.equal(dumpRaw(h.spec()), dumpRaw(expected));
  });
});

describe('BtfHandle load errors (fake backend)', () => {
  function scripted(results: Array<{ ret: number; log?: string }>): {
    ctx: KernelContext;
    logSizes: number[];
  } {
    const fake = new FakeBackend();
    const ctx = new KernelContext(fake);
    const logSizes: number[] = [];
    fake.on(BpfCmd.BTF_LOAD, (attr, backend) => {
      const view = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
      const size = view.getUint32(BtfLoadAttr.btf_log_size, true);
      logSizes.push(size);
      const step = results.shift();
      if (step === undefined) throw new Error('unexpected BTF_LOAD');
      if (step.log !== undefined && size > 0) {
        const buf = backend.deref(view.getBigUint64(BtfLoadAttr.btf_log_buf, true), size);
        const text = new TextEncoder().encode(step.log);
        buf.set(text.subarray(0, size - 1));
      }
      return step.ret >= 0 ? backend.newFd() : step.ret;
    });
    return { ctx, logSizes };
  }
  const blob = btfFeatureProbe('btf');

  it('retries with a log, growing the buffer while the kernel says ENOSPC', () => {
    const { ctx, logSizes } = scripted([
      { ret: -Errno.EINVAL },
      { ret: -Errno.ENOSPC, log: 'partial' },
      { ret: -Errno.EINVAL, log: 'magic: 0xeb9f\n[1] INT int size=4\nInvalid something\n' },
    ]);
    assert.throws(
      () => BtfHandle.loadBytes(blob, { ctx, logSize: 4096 }),
      (e: unknown) => {
        assert.ok(e instanceof VerifierError);
        assert.equal(e.truncated, false);
        assert.match(e.log, /Invalid something/);
        return true;
      },
    );
    assert.deepEqual(logSizes, [0, 4096, 16384]);
  });

  it('marks the log truncated when even the largest buffer is too small', () => {
    const steps = [
      { ret: -Errno.EINVAL },
      ...Array.from({ length: 12 }, () => ({ ret: -Errno.ENOSPC, log: 'x'.repeat(100) })),
    ];
    const { ctx, logSizes } = scripted(steps);
    assert.throws(
      () => BtfHandle.loadBytes(blob, { ctx, logSize: 1 << 20 }),
      (e: unknown) => e instanceof VerifierError && e.truncated && e.errno === Errno.EINVAL,
    );
    assert.deepEqual(logSizes, [0, 1 << 20, 1 << 22, 1 << 24]);
  });

  it('does not retry failures that are not rejections', () => {
    const { ctx, logSizes } = scripted([{ ret: -Errno.EPERM }]);
    assert.throws(
      () => BtfHandle.loadBytes(blob, { ctx }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EPERM && !isVerifierError(e),
    );
    assert.deepEqual(logSizes, [0]);
  });

  it('returns the handle when the retry succeeds', () => {
    const { ctx } = scripted([{ ret: -Errno.EINVAL }, { ret: 0 }]);
    const h = BtfHandle.loadBytes(blob, { ctx });
    assert.ok(h.fd.isOpen);
    h.close();
  });
});
