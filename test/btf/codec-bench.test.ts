/**
 * Decoding throughput of BTF codecs for the 64-byte `struct lt_event` of the layout fixture (u32/u64
 * fields, a char[16] comm, an enum): records per second through `decodeAt` over a 64 KiB buffer of
 * events, compiled and closure-based. Prints the numbers; fails only far below any sane rate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import { eventBuffer, loadLayoutFixture, measureDecode } from './codec-fixture.js';

const MIN_RATE = 100_000;

describe('codec decoding throughput (64-byte struct lt_event)', () => {
  const event = loadLayoutFixture('little').spec.typeByName('lt_event');
  const buf = eventBuffer(event);
  for (const compile of [true, false]) {
    it(`${compile ? 'compiled' : 'closures'}: records/s`, (t) => {
      const c = codecFor(event, { compile, byteOrder: 'little' });
      assert.equal(c.size, 64);
      const rate = measureDecode(c.decodeAt, buf);
      const line = `codecFor(lt_event) ${compile ? 'compiled' : 'closures'}: ${Math.round(rate).toLocaleString('en-US')} records/s`;
      t.diagnostic(line);
      console.log(line);
      assert.ok(rate > MIN_RATE, line);
    });
  }
});
