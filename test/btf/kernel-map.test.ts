/**
 * Mapping BTF files instead of reading them (`mapBtfFile`, used by `loadKernelSpec` for sysfs vmlinux
 * BTF): the mapped bytes are the file's, and every case where mapping is impossible falls back to
 * undefined (the caller then reads the file) rather than failing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dumpRaw, loadSpec } from '../../src/btf/index.js';
import { mapBtfFile, readBtfFile, SYSFS_VMLINUX_BTF } from '../../src/btf/kernel-source.js';
import { loadKernelSpec } from '../../src/btf/kernel-spec.js';
import { KernelContext } from '../../src/syscall/context.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';
import { extractSection, fixture } from './helpers.js';
import { tempDir } from './kernel-helpers.js';

/** Linux 6.16 added mmap of /sys/kernel/btf/vmlinux. */
function kernelMapsVmlinuxBtf(release: string): boolean {
  const [major = 0, minor = 0] = release.split('.').map((x) => Number.parseInt(x, 10));
  return major > 6 || (major === 6 && minor >= 16);
}

describe('mapBtfFile', () => {
  const ctx = new KernelContext();
  const tmp = tempDir('btf-map-');
  after(() => tmp.remove());

  it('maps the kernel BTF to the same bytes a read gives (Linux 6.16+)', () => {
    const mapped = mapBtfFile(SYSFS_VMLINUX_BTF, ctx.backend);
    if (kernelMapsVmlinuxBtf(ctx.backend.uname().release)) assert.ok(mapped, 'mapped');
    if (mapped === undefined) return;
    const read = readBtfFile(SYSFS_VMLINUX_BTF);
    assert.equal(mapped.format, 'raw');
    assert.equal(mapped.path, SYSFS_VMLINUX_BTF);
    assert.equal(Buffer.compare(Buffer.from(mapped.bytes), Buffer.from(read.bytes)), 0);
  });

  it('maps a raw BTF file, whose spec matches one loaded from a copy', () => {
    const btf = extractSection(fixture('btf_types'), '.BTF');
    assert.ok(btf);
    const path = join(tmp.dir, 'raw.btf');
    writeFileSync(path, btf);
    const mapped = mapBtfFile(path, ctx.backend);
    assert.ok(mapped, 'regular files can be mapped');
    assert.equal(dumpRaw(loadSpec(mapped.bytes, { copy: false })), dumpRaw(loadSpec(btf)));
  });

  const dir = tmp.dir;
  const notBtf = join(dir, 'not-btf');
  writeFileSync(notBtf, 'not BTF at all');
  const tiny = join(dir, 'tiny');
  writeFileSync(tiny, 'ab');
  const cases: [string, () => ReturnType<typeof mapBtfFile>][] = [
    ['a missing file', () => mapBtfFile(join(dir, 'missing'), ctx.backend)],
    ['a file that is not BTF', () => mapBtfFile(notBtf, ctx.backend)],
    ['a file too short for a magic', () => mapBtfFile(tiny, ctx.backend)],
    ['a file mmap refuses (procfs)', () => mapBtfFile('/proc/self/stat', ctx.backend)],
    ['a backend without mmap', () => mapBtfFile(SYSFS_VMLINUX_BTF, new FakeBackend())],
  ];
  for (const [what, map] of cases) {
    it(`gives undefined for ${what}`, () => assert.equal(map(), undefined));
  }

  it('loadKernelSpec reads the file when the backend cannot map it', () => {
    const viaRead = loadKernelSpec({ ctx: new KernelContext(new FakeBackend()) });
    const viaMap = loadKernelSpec({ ctx });
    assert.equal(viaRead.typeCount, viaMap.typeCount);
    for (const name of ['task_struct', 'sk_buff', 'do_sys_openat2'])
      assert.deepEqual(viaRead.idsByName(name), viaMap.idsByName(name), name);
  });
});
