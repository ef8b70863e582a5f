/**
 * The perf_event ABI pieces of src/perf against /usr/include/linux/perf_event.h, compiled with gcc:
 * field offsets, flag bits, constants, and the whole attr byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError } from '../../src/errors.js';
import {
  bpfOutputAttr,
  PERF_COUNT_SW_BPF_OUTPUT,
  PERF_EVENT_HEADER_SIZE,
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_FLAG_FD_CLOEXEC,
  PERF_SAMPLE_RAW,
  PERF_TYPE_SOFTWARE,
  PerfEventAttrLayout,
  PerfMmapPageLayout,
  PerfRecordType,
  perCpuDataPages,
} from '../../src/perf/index.js';
import { evalPerfC } from './c-eval.js';

describe('perf_event ABI (gcc + linux/perf_event.h)', () => {
  it('perf_event_attr offsets and size', () => {
    const L = PerfEventAttrLayout;
    const fields: Array<[string, number]> = [
      ['type', L.type],
      ['size', L.size],
      ['config', L.config],
      ['sample_period', L.sample_period],
      ['sample_type', L.sample_type],
      ['wakeup_events', L.wakeup_events],
      ['wakeup_watermark', L.wakeup_events],
      ['bp_type', L.flags + 12],
    ];
    const got = evalPerfC([
      ...fields.map(([f]) => `offsetof(struct perf_event_attr, ${f})`),
      'PERF_ATTR_SIZE_VER7',
      'sizeof(struct perf_event_attr) >= PERF_ATTR_SIZE_VER7',
    ]);
    assert.deepEqual(got, [...fields.map(([, o]) => BigInt(o)), BigInt(L.SIZE), 1n]);
  });

  it('perf_event_mmap_page offsets', () => {
    const fields = Object.entries(PerfMmapPageLayout);
    const got = evalPerfC(fields.map(([f]) => `offsetof(struct perf_event_mmap_page, ${f})`));
    assert.deepEqual(
      got,
      fields.map(([, o]) => BigInt(o)),
    );
  });

  it('constants', () => {
    const table: Array<[string, number]> = [
      ['PERF_TYPE_SOFTWARE', PERF_TYPE_SOFTWARE],
      ['PERF_COUNT_SW_BPF_OUTPUT', PERF_COUNT_SW_BPF_OUTPUT],
      ['PERF_SAMPLE_RAW', PERF_SAMPLE_RAW],
      ['PERF_FLAG_FD_CLOEXEC', PERF_FLAG_FD_CLOEXEC],
      ['PERF_EVENT_IOC_ENABLE', PERF_EVENT_IOC_ENABLE],
      ['PERF_EVENT_IOC_DISABLE', PERF_EVENT_IOC_DISABLE],
      ['PERF_RECORD_SAMPLE', PerfRecordType.SAMPLE],
      ['PERF_RECORD_LOST', PerfRecordType.LOST],
      ['sizeof(struct perf_event_header)', PERF_EVENT_HEADER_SIZE],
    ];
    assert.deepEqual(
      evalPerfC(table.map(([c]) => c)),
      table.map(([, v]) => BigInt(v)),
    );
  });

  const attrCases: Array<[string, Parameters<typeof bpfOutputAttr>[0], string]> = [
    ['default: wake on every event', {}, 'a.wakeup_events = 1;'],
    ['every 5 events', { wakeupEvents: 5 }, 'a.wakeup_events = 5;'],
    ['a 2048-byte watermark', { watermark: 2048 }, 'a.watermark = 1; a.wakeup_watermark = 2048;'],
  ];
  for (const [name, opts, setup] of attrCases) {
    it(`bpfOutputAttr matches the C struct byte for byte (${name})`, () => {
      const prelude = `static unsigned char attr_byte(int i) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.type = PERF_TYPE_SOFTWARE;
  a.size = PERF_ATTR_SIZE_VER7;
  a.config = PERF_COUNT_SW_BPF_OUTPUT;
  a.sample_period = 1;
  a.sample_type = PERF_SAMPLE_RAW;
  a.disabled = 1;
  ${setup}
  return ((unsigned char *)&a)[i];
}`;
      const size = PerfEventAttrLayout.SIZE;
      const want = evalPerfC(
        Array.from({ length: size }, (_, i) => `attr_byte(${i})`),
        prelude,
      );
      assert.deepEqual([...bpfOutputAttr(opts)], want.map(Number));
    });
  }

  const badAttr: Array<[string, Parameters<typeof bpfOutputAttr>[0], RegExp]> = [
    ['both wakeup kinds', { watermark: 10, wakeupEvents: 2 }, /either watermark or wakeupEvents/],
    ['a zero watermark', { watermark: 0 }, /watermark must be/],
    ['fractional wakeupEvents', { wakeupEvents: 1.5 }, /wakeupEvents must be/],
  ];
  for (const [name, opts, message] of badAttr) {
    it(`bpfOutputAttr rejects ${name}`, () => {
      assert.throws(
        () => bpfOutputAttr(opts),
        (e) => isEbpfError(e) && e.code === 'EINVAL' && message.test(e.message),
      );
    });
  }
});

describe('perCpuDataPages', () => {
  const table: Array<[number, number]> = [
    [1, 1],
    [4096, 1],
    [4097, 2],
    [3 * 4096, 4],
    [64 * 1024, 16],
    [100_000, 32],
  ];
  for (const [bytes, pages] of table) {
    it(`${bytes} bytes → ${pages} pages of 4 KiB`, () => {
      assert.equal(perCpuDataPages(bytes, 4096), pages);
    });
  }
  for (const bad of [0, -1, 0.5, 2 ** 31]) {
    it(`rejects ${bad}`, () => {
      assert.throws(() => perCpuDataPages(bad, 4096), /perCpuBufferBytes must be/);
    });
  }
});
