/**
 * The USDT spec map protocol: the TypeScript layout against the BTF clang emitted for usdt.bpf.h's structs
 * (both byte orders), encode/decode round trips and bad values, building argument slots (symbols become
 * instruction-pointer relative), and the model of what bpf_usdt_arg computes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadSpec, Struct } from '../../src/btf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { isEbpfError, isParseError } from '../../src/errors.js';
import {
  decodeUsdtSpec,
  encodeUsdtSpec,
  evaluateUsdtArg,
  parseUsdtArg,
  USDT_SPEC_SIZE,
  type UsdtArgContext,
  UsdtArgKind,
  type UsdtArgSpec,
  type UsdtSpec,
  usdtArgSpec,
} from '../../src/link/index.js';
import { USDT_ARG_SPEC_SIZE, USDT_SPEC_IN_USE, UsdtSpecLayout } from '../../src/link/usdt-spec.js';

function fixtureStruct(file: string, name: string): Struct {
  const elf = ElfFile.parse(readFileSync(new URL(`../../bpf/test/${file}`, import.meta.url)));
  const btf = elf.sectionByName('.BTF');
  assert.ok(btf);
  return loadSpec(elf.sectionData(btf)).typeByName(name, Struct);
}

const arg = (over: Partial<UsdtArgSpec>): UsdtArgSpec => ({
  kind: UsdtArgKind.REG,
  valOff: 0n,
  size: 8,
  signed: false,
  regOff: 80,
  idxRegOff: -1,
  idxShift: 0,
  ...over,
});

describe('usdt spec protocol', () => {
  for (const file of ['usdt_args.bpf.o', 'usdt_args.bpfeb.o']) {
    it(`layout matches usdt.bpf.h (${file})`, () => {
      const spec = fixtureStruct(file, '__ebpf_ts_usdt_spec');
      assert.equal(spec.size, USDT_SPEC_SIZE);
      const offsets = Object.fromEntries(spec.members.map((m) => [m.name, m.bitOffset / 8]));
      assert.deepEqual(offsets, {
        args: UsdtSpecLayout.args,
        cookie: UsdtSpecLayout.cookie,
        arg_cnt: UsdtSpecLayout.argCount,
        flags: UsdtSpecLayout.flags,
        reserved: UsdtSpecLayout.reserved,
      });
      const a = fixtureStruct(file, '__ebpf_ts_usdt_arg');
      assert.equal(a.size, USDT_ARG_SPEC_SIZE);
      assert.deepEqual(
        a.members.map((m) => [m.name, m.bitOffset / 8]),
        [
          ['val_off', 0],
          ['kind', 8],
          ['size', 9],
          ['is_signed', 10],
          ['idx_shift', 11],
          ['reg_off', 12],
          ['idx_reg_off', 14],
        ],
      );
    });
  }

  it('round-trips specs in both byte orders', () => {
    const spec: UsdtSpec = {
      cookie: 0xfeed_beef_0000_0001n,
      args: [
        arg({ kind: UsdtArgKind.CONST, valOff: BigInt.asUintN(64, -7n), size: 4, signed: true, regOff: -1 }),
        arg({ kind: UsdtArgKind.REG, regOff: 112, size: 1 }),
        arg({
          kind: UsdtArgKind.MEM,
          valOff: 8n,
          regOff: 104,
          idxRegOff: 96,
          idxShift: 2,
          size: 2,
          signed: true,
        }),
      ],
    };
    for (const order of ['little', 'big'] as const) {
      const bytes = encodeUsdtSpec(spec, true, order);
      assert.equal(bytes.length, USDT_SPEC_SIZE);
      assert.deepEqual(decodeUsdtSpec(bytes, order), { ...spec, inUse: true });
      const dv = new DataView(bytes.buffer);
      assert.equal(dv.getUint16(UsdtSpecLayout.flags, order === 'little'), USDT_SPEC_IN_USE);
      assert.equal(dv.getInt16(2 * USDT_ARG_SPEC_SIZE + 14, order === 'little'), 96);
    }
    assert.equal(decodeUsdtSpec(encodeUsdtSpec(spec, false)).inUse, false);
    assert.deepEqual(decodeUsdtSpec(new Uint8Array(USDT_SPEC_SIZE)), { args: [], cookie: 0n, inUse: false });
  });

  it('rejects bad spec values', () => {
    const bad = (patch: (dv: DataView) => void, size = USDT_SPEC_SIZE): Uint8Array => {
      const b = encodeUsdtSpec({ cookie: 0n, args: [arg({})] }, true, 'little').slice(0, size);
      patch(new DataView(b.buffer));
      return b;
    };
    for (const [what, bytes, re] of [
      ['short', bad(() => {}, 100), /out of bounds/],
      ['arg_cnt 13', bad((dv) => dv.setUint16(UsdtSpecLayout.argCount, 13, true)), /arg_cnt 13/],
      ['kind 9', bad((dv) => dv.setUint8(8, 9)), /unknown kind 9/],
      ['size 3', bad((dv) => dv.setUint8(9, 3)), /size 3/],
    ] as const) {
      assert.throws(
        () => decodeUsdtSpec(bytes, 'little'),
        (e) => isParseError(e) && re.test(e.message),
        what,
      );
    }
    assert.throws(
      () => encodeUsdtSpec({ cookie: 0n, args: Array.from({ length: 13 }, () => arg({})) }),
      (e) => isEbpfError(e) && e.code === 'EINVAL',
    );
  });

  const symbols: Record<string, bigint> = { ebpfts_global: 0x4010n, table: 0x4100n };
  const ctx = (over: Partial<UsdtArgContext> = {}): UsdtArgContext => ({
    arch: 'x86_64',
    probeAddress: 0x1200n,
    fixedAddress: false,
    symbolAddress: (n) => symbols[n],
    label: 'usdt test',
    ...over,
  });
  const build = (text: string, c = ctx()): UsdtArgSpec => usdtArgSpec(parseUsdtArg(text, c.arch), c);

  const SLOTS: Array<[string, Partial<UsdtArgContext>, UsdtArgSpec]> = [
    [
      '-4@$-7',
      {},
      arg({ kind: UsdtArgKind.CONST, valOff: 0xffff_ffff_ffff_fff9n, size: 4, signed: true, regOff: -1 }),
    ],
    ['1@%r8b', {}, arg({ kind: UsdtArgKind.REG, regOff: 72, size: 1 })],
    ['-8@8(%rdi)', {}, arg({ kind: UsdtArgKind.MEM, valOff: 8n, regOff: 112, signed: true })],
    ['8@-8(%rbp)', {}, arg({ kind: UsdtArgKind.MEM, valOff: BigInt.asUintN(64, -8n), regOff: 32 })],
    [
      '-4@(%rsi,%rdx,4)',
      {},
      arg({ kind: UsdtArgKind.MEM, regOff: 104, idxRegOff: 96, idxShift: 2, size: 4, signed: true }),
    ],
    // Symbols become relative to the probe: address(sym) + disp - probe, read from the instruction pointer.
    [
      '-4@ebpfts_global(%rip)',
      {},
      arg({ kind: UsdtArgKind.MEM, valOff: 0x4010n - 0x1200n, regOff: 128, size: 4, signed: true }),
    ],
    ['8@table+16(%rip)', {}, arg({ kind: UsdtArgKind.MEM, valOff: 0x4110n - 0x1200n, regOff: 128 })],
    [
      '-4@table(,%rdx,4)',
      {},
      arg({
        kind: UsdtArgKind.MEM,
        valOff: 0x4100n - 0x1200n,
        regOff: 128,
        idxRegOff: 96,
        idxShift: 2,
        size: 4,
        signed: true,
      }),
    ],
    [
      '-4@ebpfts_global',
      { fixedAddress: true },
      arg({ kind: UsdtArgKind.MEM, valOff: 0x4010n - 0x1200n, regOff: 128, size: 4, signed: true }),
    ],
    ['8@table(%rax)', { fixedAddress: true }, arg({ kind: UsdtArgKind.MEM, valOff: 0x4100n, regOff: 80 })],
    ['8@0x601040', {}, arg({ kind: UsdtArgKind.MEM, valOff: 0x601040n, regOff: -1 })],
    [
      '-4@[sp, 16]',
      { arch: 'arm64' },
      arg({ kind: UsdtArgKind.MEM, valOff: 16n, regOff: 248, size: 4, signed: true }),
    ],
    [
      '8@[x0, x3, lsl #3]',
      { arch: 'arm64' },
      arg({ kind: UsdtArgKind.MEM, regOff: 0, idxRegOff: 24, idxShift: 3 }),
    ],
  ];
  for (const [text, over, expected] of SLOTS) {
    it(`builds the slot of ${text}${over.fixedAddress ? ' (fixed address)' : ''}`, () => {
      const got = build(text, ctx(over));
      assert.deepEqual(got, { ...expected, valOff: BigInt.asUintN(64, expected.valOff) });
    });
  }

  it('refuses unresolvable symbols', () => {
    assert.throws(
      () => build('-4@nowhere(%rip)'),
      (e) => isEbpfError(e) && e.code === 'ENOENT' && /"nowhere" not found/.test(e.message),
    );
    assert.throws(
      () => build('8@table(%rax)'),
      (e) => isEbpfError(e) && e.code === 'EINVAL' && /fixed-address executable/.test(e.message),
    );
  });

  it('models bpf_usdt_arg: width, sign extension, addressing', () => {
    const regs: Record<number, bigint> = {
      80: 0xffff_ffff_ffff_ff85n,
      112: 0x7000n,
      96: 3n,
      128: 0x5555_0000_1200n,
    };
    const memory = new Map<bigint, bigint>([
      [0x7008n, 0xffff_fff6n],
      [0x700cn, 0x1234n],
      [0x5555_0000_4010n, 0xffff_ffb3n],
    ]);
    const run = (text: string): bigint =>
      evaluateUsdtArg(
        build(text),
        (off) => regs[off] ?? 0n,
        (addr) => memory.get(addr) ?? 0n,
      );
    assert.equal(run('8@%rax'), 0xffff_ffff_ffff_ff85n);
    assert.equal(run('-1@%al'), -123n);
    assert.equal(run('1@%al'), 0x85n);
    assert.equal(run('-2@%ax'), -123n);
    assert.equal(run('4@%eax'), 0xffff_ff85n);
    assert.equal(run('-4@8(%rdi)'), -10n);
    assert.equal(run('4@8(%rdi)'), 0xffff_fff6n);
    assert.equal(run('-4@0(%rdi,%rdx,4)'), 0x1234n);
    assert.equal(run('-4@ebpfts_global(%rip)'), -77n);
    assert.equal(run('-4@$-7'), -7n);
    assert.equal(run('2@$-7'), 0xfff9n);
  });
});
