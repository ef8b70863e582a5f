/**
 * Kernel test (root, clang-19): the acceptance check "dumpC() of the running kernel's BTF compiles with
 * clang-19 and a CO-RE program built against it loads". The kernel's BTF is read with `loadKernelSpec`,
 * `dumpC()` writes a vmlinux.h into a temporary directory, clang-19 builds bpf/test/kernel_dumpc.bpf.c
 * against it with the fixture flags (-Wall -Werror included) and libbpf's headers, and the object is
 * loaded with `loadCollectionSpec` + `newCollection` (CO-RE relocated against the running kernel). The
 * raw_tp program then runs through BPF_PROG_TEST_RUN in this thread: what it read through CO-RE must
 * be this process (pid, tgid, parent, comm), and its type-size, enum-value and field-exists
 * relocations must agree with the kernel's BTF. Skips (via `requireFeature`) only when clang-19 is
 * missing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { dumpC, Enum, Struct } from '../../src/btf/index.js';
import { loadKernelSpec } from '../../src/btf/kernel.js';
import { loadCollectionSpec, newCollection } from '../../src/collection/index.js';
import { NotSupportedError } from '../../src/errors.js';
import { KernelContext } from '../../src/syscall/context.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { ROOT } from './helpers.js';

checkFdLeaks();

const CLANG = 'clang-19';
const SOURCE = join(ROOT, 'bpf', 'test', 'kernel_dumpc.bpf.c');
const ARCH_DEFINE = arch() === 'arm64' ? '-D__TARGET_ARCH_arm64' : '-D__TARGET_ARCH_x86';

/** Throws NotSupportedError when clang-19 cannot be run (the one reason this test may skip). */
function probeClang(): void {
  try {
    execFileSync(CLANG, ['--version'], { stdio: 'ignore' });
  } catch (e) {
    throw new NotSupportedError(CLANG, undefined, `cannot run ${CLANG}: ${String(e)}`, { cause: e });
  }
}

describe('dumpC() of the running kernel builds a CO-RE program that loads and runs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ebpf-ts-kernel-dumpc-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('compiles, loads with CO-RE against the kernel, and reads this task', (t: TestContext) => {
    if (!requireFeature(t, CLANG, probeClang)) return;
    const ctx = new KernelContext();
    const kernel = loadKernelSpec({ ctx });
    const header = dumpC(kernel);
    writeFileSync(join(tmp, 'vmlinux.h'), header);
    const object = join(tmp, 'kernel_dumpc.bpf.o');
    try {
      execFileSync(
        CLANG,
        [
          '-target',
          'bpf',
          '-g',
          '-O2',
          '-Wall',
          '-Werror',
          '-Wno-unused-function',
          // 6.19+ kernels embed tagged structs as unnamed members (`struct ns_tree;`), a Microsoft extension
          // the kernel itself builds with; vmlinux.h reproduces it (bpftool's does too), so BPF code needs it
          '-fms-extensions',
          '-Wno-microsoft-anon-tag',
          ARCH_DEFINE,
          `-I${tmp}`,
          '-c',
          SOURCE,
          '-o',
          object,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
      assert.fail(`${CLANG} rejected the program built on dumpC()'s vmlinux.h:\n${stderr.slice(0, 4000)}`);
    }

    const spec = loadCollectionSpec(object);
    assert.ok(spec.programs.read_current, 'the object has the raw_tp program');
    using coll = newCollection(spec, { ctx });
    const prog = coll.programs.read_current;
    assert.ok(prog);
    const run = prog.testRun();
    assert.equal(run.retval, process.pid, 'returns task->tgid');

    const v = coll.variables;
    const read = (name: string): number => {
      const variable = v[name];
      assert.ok(variable, name);
      return Number(variable.getInteger());
    };
    // testRun ran the program in this (the main) thread: its pid is the process id.
    assert.equal(read('seen_pid'), process.pid, 'task->pid');
    assert.equal(read('seen_tgid'), process.pid, 'task->tgid');
    assert.equal(read('seen_ppid'), process.ppid, 'task->real_parent->tgid');
    const comm = v.seen_comm?.get();
    assert.ok(comm);
    const end = comm.indexOf(0);
    assert.equal(
      new TextDecoder().decode(comm.subarray(0, end < 0 ? comm.length : end)),
      readFileSync('/proc/self/comm', 'utf8').trim(),
      'task->comm',
    );
    assert.equal(read('task_size'), kernel.typeByName('task_struct', Struct).size, 'sizeof(task_struct)');
    const hash = kernel.typeByName('bpf_map_type', Enum).values.find((e) => e.name === 'BPF_MAP_TYPE_HASH');
    assert.equal(BigInt(read('hash_map_type')), hash?.value, 'BPF_MAP_TYPE_HASH');
    assert.equal(read('has_pid'), 1, 'task_struct.pid exists');
  });
});
