/**
 * `struct perf_event_attr` layout, bitfield positions and ioctl numbers, checked against the C headers with
 * gcc; and the bytes `buildPerfEventAttr` produces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostByteOrder } from '../../src/internal/bytes.js';
import {
  bitfieldShift,
  buildPerfEventAttr,
  PerfEventAttrFlag,
  PerfEventAttrLayout,
  PerfEventIoctl,
  PerfFlag,
  PerfSampleType,
  PerfSoftwareConfig,
  PerfType,
  perfEventFlagsWord,
} from '../../src/link/perf-event-attr.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';
import { evalCExpressions } from '../helpers/kernel-headers.js';
import { evalWithHeaders } from './c-oracle.js';

const LE = hostByteOrder === 'little';
/** Fields of the UAPI header in /usr/include (config3 and later come from the running kernel's BTF). */
const HEADER_FIELDS = Object.keys(PerfEventAttrLayout).filter(
  (k) => k !== 'SIZE' && k !== 'flags' && k !== 'config3',
);

describe('perf_event_attr layout', () => {
  it('every field offset matches offsetof in <linux/perf_event.h>', () => {
    const got = evalWithHeaders(
      ['linux/perf_event.h'],
      HEADER_FIELDS.map((f) => `offsetof(struct perf_event_attr, ${f})`),
    );
    const want = HEADER_FIELDS.map((f) => BigInt(PerfEventAttrLayout[f as keyof typeof PerfEventAttrLayout]));
    assert.deepEqual(
      Object.fromEntries(HEADER_FIELDS.map((f, i) => [f, got[i]])),
      Object.fromEntries(HEADER_FIELDS.map((f, i) => [f, want[i]])),
    );
  });

  it('config3 and the total size match the running kernel (vmlinux.h)', () => {
    const [config3, size] = evalCExpressions([
      '__builtin_offsetof(struct perf_event_attr, config3)',
      'sizeof(struct perf_event_attr) >= 136 ? 136 : sizeof(struct perf_event_attr)',
    ]);
    assert.equal(config3, BigInt(PerfEventAttrLayout.config3));
    assert.equal(size, BigInt(PerfEventAttrLayout.SIZE));
  });

  it('each flag bit lands where the C bitfield does', () => {
    const names = Object.keys(PerfEventAttrFlag).filter((n) => n !== 'precise_ip');
    const prelude = `unsigned long long word(struct perf_event_attr *a) { return *(unsigned long long *)((char *)a + ${PerfEventAttrLayout.flags}); }
${names.map((n) => `unsigned long long f_${n}(void) { struct perf_event_attr a = {0}; a.${n} = 1; return word(&a); }`).join('\n')}
unsigned long long f_precise(void) { struct perf_event_attr a = {0}; a.precise_ip = 2; return word(&a); }`;
    const got = evalWithHeaders(
      ['linux/perf_event.h'],
      [...names.map((n) => `f_${n}()`), 'f_precise()'],
      prelude,
    );
    const want = [...names.map((n) => perfEventFlagsWord({ [n]: true })), perfEventFlagsWord({}, 2)];
    assert.deepEqual(got, want);
  });

  it('the ioctl request numbers match the C macros', () => {
    const got = evalWithHeaders(
      ['linux/perf_event.h'],
      ['PERF_EVENT_IOC_ENABLE', 'PERF_EVENT_IOC_DISABLE', 'PERF_EVENT_IOC_SET_BPF', 'PERF_FLAG_FD_CLOEXEC'],
    );
    assert.deepEqual(got, [
      BigInt(PerfEventIoctl.ENABLE),
      BigInt(PerfEventIoctl.DISABLE),
      BigInt(PerfEventIoctl.SET_BPF),
      BigInt(PerfFlag.FD_CLOEXEC),
    ]);
  });

  it('enum values match the header', () => {
    const got = evalWithHeaders(
      ['linux/perf_event.h'],
      [
        'PERF_TYPE_SOFTWARE',
        'PERF_TYPE_TRACEPOINT',
        'PERF_TYPE_BREAKPOINT',
        'PERF_COUNT_SW_CPU_CLOCK',
        'PERF_COUNT_SW_BPF_OUTPUT',
        'PERF_SAMPLE_RAW',
        'PERF_SAMPLE_CALLCHAIN',
      ],
    );
    assert.deepEqual(
      got,
      [
        PerfType.SOFTWARE,
        PerfType.TRACEPOINT,
        PerfType.BREAKPOINT,
        PerfSoftwareConfig.CPU_CLOCK,
        PerfSoftwareConfig.BPF_OUTPUT,
        PerfSampleType.RAW,
        PerfSampleType.CALLCHAIN,
      ].map(BigInt),
    );
  });
});

describe('bitfield positions on big-endian hosts', () => {
  const cases: Array<[number, number, bigint, bigint]> = [
    // lePos, width, little-endian shift, big-endian shift
    [0, 1, 0n, 63n],
    [5, 1, 5n, 58n],
    [15, 2, 15n, 47n],
    [37, 1, 37n, 26n],
  ];
  for (const [pos, width, le, be] of cases) {
    it(`bit ${pos} (width ${width})`, () => {
      assert.equal(bitfieldShift(pos, width, true), le);
      assert.equal(bitfieldShift(pos, width, false), be);
    });
  }
  it('the disabled flag is the top bit of the word on big-endian', () => {
    assert.equal(perfEventFlagsWord({ disabled: true }, 0, false), 1n << 63n);
  });
});

describe('buildPerfEventAttr', () => {
  const backend = new FakeBackend();
  const L = PerfEventAttrLayout;

  it('writes type, size, config, period and wakeup at their offsets', () => {
    const a = buildPerfEventAttr(
      {
        type: PerfType.TRACEPOINT,
        config: 782,
        samplePeriod: 1,
        wakeupEvents: 1,
        sampleType: PerfSampleType.RAW,
      },
      backend,
    );
    const dv = a.view;
    assert.equal(a.size, 136);
    assert.equal(dv.getUint32(L.type, LE), 2);
    assert.equal(dv.getUint32(L.size, LE), 136);
    assert.equal(dv.getBigUint64(L.config, LE), 782n);
    assert.equal(dv.getBigUint64(L.sample_period, LE), 1n);
    assert.equal(dv.getBigUint64(L.sample_type, LE), BigInt(PerfSampleType.RAW));
    assert.equal(dv.getUint32(L.wakeup_events, LE), 1);
    assert.equal(dv.getBigUint64(L.flags, LE), 0n);
  });

  it('sampleFreq sets the freq flag', () => {
    const a = buildPerfEventAttr({ type: PerfType.SOFTWARE, sampleFreq: 99 }, backend);
    assert.equal(a.view.getBigUint64(L.sample_freq, LE), 99n);
    assert.equal(a.view.getBigUint64(L.flags, LE), perfEventFlagsWord({ freq: true }));
  });

  it('config1String writes the address of a NUL-terminated copy', () => {
    const a = buildPerfEventAttr({ type: 8, config1String: '/bin/true', config2: 0x1234 }, backend);
    const addr = a.view.getBigUint64(L.config1, LE);
    assert.equal(new TextDecoder().decode(backend.deref(addr, 10)), '/bin/true\0');
    assert.equal(a.view.getBigUint64(L.config2, LE), 0x1234n);
  });

  const invalid: Array<[string, Parameters<typeof buildPerfEventAttr>[0]]> = [
    ['period and freq', { type: 1, samplePeriod: 1, sampleFreq: 1 }],
    ['config1 and config1String', { type: 1, config1: 1, config1String: 'x' }],
    ['precise_ip out of range', { type: 1, preciseIp: 4 }],
  ];
  for (const [name, init] of invalid) {
    it(`rejects ${name}`, () => {
      assert.throws(() => buildPerfEventAttr(init, backend), { code: 'EINVAL' });
    });
  }
});
