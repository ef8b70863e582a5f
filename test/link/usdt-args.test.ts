/**
 * USDT argument spec parsing for x86-64 and arm64: sizes, signedness, floats, constants, registers (with
 * their pt_regs offsets), memory operands with displacement, index and scale, symbols; malformed and
 * unsupported arguments as ParseErrors with positions; splitting argument strings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isParseError } from '../../src/errors.js';
import {
  parseUsdtArg,
  parseUsdtArgs,
  type UsdtArch,
  type UsdtArg,
  usdtRegister,
} from '../../src/link/index.js';

/** What a case expects: register and index by canonical name, plus the plain fields. */
interface Expected {
  size: number;
  signed: boolean;
  float?: boolean;
  kind: UsdtArg['kind'];
  value?: bigint;
  register?: string;
  registerOffset?: number;
  index?: string;
  scale?: number;
  symbol?: string;
}

function summary(a: UsdtArg): Expected {
  return {
    size: a.size,
    signed: a.signed,
    ...(a.float ? { float: true } : {}),
    kind: a.kind,
    ...(a.value !== 0n ? { value: a.value } : {}),
    ...(a.register ? { register: a.register.name, registerOffset: a.register.offset } : {}),
    ...(a.index ? { index: a.index.name, scale: a.scale } : {}),
    ...(a.symbol ? { symbol: a.symbol } : {}),
  };
}

const X86: Array<[string, Expected]> = [
  ['-4@%edi', { size: 4, signed: true, kind: 'reg', register: 'rdi', registerOffset: 112 }],
  ['8@%rax', { size: 8, signed: false, kind: 'reg', register: 'rax', registerOffset: 80 }],
  ['1@%r8b', { size: 1, signed: false, kind: 'reg', register: 'r8', registerOffset: 72 }],
  ['-2@%ax', { size: 2, signed: true, kind: 'reg', register: 'rax', registerOffset: 80 }],
  ['-1@%sil', { size: 1, signed: true, kind: 'reg', register: 'rsi', registerOffset: 104 }],
  ['4@%r9d', { size: 4, signed: false, kind: 'reg', register: 'r9', registerOffset: 64 }],
  ['2@%r15w', { size: 2, signed: false, kind: 'reg', register: 'r15', registerOffset: 0 }],
  ['8@%rsp', { size: 8, signed: false, kind: 'reg', register: 'rsp', registerOffset: 152 }],
  ['-8@%rbp', { size: 8, signed: true, kind: 'reg', register: 'rbp', registerOffset: 32 }],
  ['-4@$5', { size: 4, signed: true, kind: 'const', value: 5n }],
  ['-4@$-7', { size: 4, signed: true, kind: 'const', value: -7n }],
  ['8@$0x10', { size: 8, signed: false, kind: 'const', value: 16n }],
  ['4@$0', { size: 4, signed: false, kind: 'const' }],
  ['8@-8(%rbp)', { size: 8, signed: false, kind: 'mem', value: -8n, register: 'rbp', registerOffset: 32 }],
  ['-4@(%rdi)', { size: 4, signed: true, kind: 'mem', register: 'rdi', registerOffset: 112 }],
  ['-8@8(%rdi)', { size: 8, signed: true, kind: 'mem', value: 8n, register: 'rdi', registerOffset: 112 }],
  [
    '4@(%rdi,%rsi,4)',
    { size: 4, signed: false, kind: 'mem', register: 'rdi', registerOffset: 112, index: 'rsi', scale: 4 },
  ],
  [
    '-4@16(%rcx,%rax)',
    {
      size: 4,
      signed: true,
      kind: 'mem',
      value: 16n,
      register: 'rcx',
      registerOffset: 88,
      index: 'rax',
      scale: 1,
    },
  ],
  ['-4@8(,%rax,8)', { size: 4, signed: true, kind: 'mem', value: 8n, index: 'rax', scale: 8 }],
  [
    '-4@ebpfts_global(%rip)',
    { size: 4, signed: true, kind: 'mem', register: 'rip', registerOffset: 128, symbol: 'ebpfts_global' },
  ],
  [
    '8@table+16(%rip)',
    {
      size: 8,
      signed: false,
      kind: 'mem',
      value: 16n,
      register: 'rip',
      registerOffset: 128,
      symbol: 'table',
    },
  ],
  [
    '2@sym.local-4(%rip)',
    {
      size: 2,
      signed: false,
      kind: 'mem',
      value: -4n,
      register: 'rip',
      registerOffset: 128,
      symbol: 'sym.local',
    },
  ],
  ['-4@counter', { size: 4, signed: true, kind: 'mem', symbol: 'counter' }],
  ['-4@table(,%rdx,4)', { size: 4, signed: true, kind: 'mem', index: 'rdx', scale: 4, symbol: 'table' }],
  ['8@0x601040', { size: 8, signed: false, kind: 'mem', value: 0x601040n }],
  [
    '8f@-8(%rbp)',
    { size: 8, signed: false, float: true, kind: 'mem', value: -8n, register: 'rbp', registerOffset: 32 },
  ],
  ['-4f@(%rsp)', { size: 4, signed: false, float: true, kind: 'mem', register: 'rsp', registerOffset: 152 }],
];

const ARM64: Array<[string, Expected]> = [
  ['8@x0', { size: 8, signed: false, kind: 'reg', register: 'x0', registerOffset: 0 }],
  ['-4@w1', { size: 4, signed: true, kind: 'reg', register: 'x1', registerOffset: 8 }],
  ['-8@x30', { size: 8, signed: true, kind: 'reg', register: 'x30', registerOffset: 240 }],
  ['8@lr', { size: 8, signed: false, kind: 'reg', register: 'x30', registerOffset: 240 }],
  ['8@fp', { size: 8, signed: false, kind: 'reg', register: 'x29', registerOffset: 232 }],
  ['8@sp', { size: 8, signed: false, kind: 'reg', register: 'sp', registerOffset: 248 }],
  ['4@[sp, 16]', { size: 4, signed: false, kind: 'mem', value: 16n, register: 'sp', registerOffset: 248 }],
  ['-4@[x1]', { size: 4, signed: true, kind: 'mem', register: 'x1', registerOffset: 8 }],
  ['-8@[x29, -8]', { size: 8, signed: true, kind: 'mem', value: -8n, register: 'x29', registerOffset: 232 }],
  ['4@[x2, #12]', { size: 4, signed: false, kind: 'mem', value: 12n, register: 'x2', registerOffset: 16 }],
  [
    '8@[x0, x1]',
    { size: 8, signed: false, kind: 'mem', register: 'x0', registerOffset: 0, index: 'x1', scale: 1 },
  ],
  [
    '8@[x0, x3, lsl #3]',
    { size: 8, signed: false, kind: 'mem', register: 'x0', registerOffset: 0, index: 'x3', scale: 8 },
  ],
  ['8@5', { size: 8, signed: false, kind: 'const', value: 5n }],
  ['-4@-9', { size: 4, signed: true, kind: 'const', value: -9n }],
  ['8@#0x20', { size: 8, signed: false, kind: 'const', value: 32n }],
  ['8@xzr', { size: 8, signed: false, kind: 'const' }],
  ['-4@wzr', { size: 4, signed: true, kind: 'const' }],
];

const ERRORS: Array<[UsdtArch, string, RegExp]> = [
  ['x86_64', '4@%xmm0', /%xmm0 is not supported/],
  ['x86_64', '1@%ah', /%ah is not supported/],
  ['x86_64', '3@%eax', /size 3 is not 1, 2, 4 or 8/],
  ['x86_64', '16@%rax', /size 16/],
  ['x86_64', '%eax', /expected SIZE@OPERAND/],
  ['x86_64', '4@', /expected SIZE@OPERAND/],
  ['x86_64', 'x@%eax', /expected SIZE@OPERAND/],
  ['x86_64', '4@%fs:8', /segment-relative/],
  ['x86_64', '4@(%rax,%rbx,3)', /scale "3"/],
  ['x86_64', '4@(%rip,%rax,1)', /rip-relative operand with an index/],
  ['x86_64', '4@$sym', /not a number/],
  ['x86_64', '4@8(rax)', /expected a register/],
  ['x86_64', '4@8(%rax,%rbx,4,2)', /too many parts/],
  ['x86_64', '4@(%rax)x', /cannot parse displacement|cannot parse memory operand/],
  ['x86_64', '4@()', /no register/],
  ['x86_64', '4@(%rax,,4)', /scale without an index/],
  ['arm64', '8@v0', /"v0" is not supported/],
  ['arm64', '8@x31', /"x31" is not supported/],
  ['arm64', '8@[x0, x1, sxtw]', /unsupported index modifier/],
  ['arm64', '8@[x0, 8, 9]', /cannot parse memory operand/],
  ['arm64', '8@[]', /cannot parse memory operand/],
  ['arm64', '8@[x0', /cannot parse memory operand/],
  ['arm64', '8@x0+1', /cannot parse operand/],
];

describe('usdt argument specs', () => {
  for (const [arch, table] of [
    ['x86_64', X86],
    ['arm64', ARM64],
  ] as const) {
    for (const [text, expected] of table) {
      it(`${arch}: ${text}`, () => {
        const arg = parseUsdtArg(text, arch);
        assert.equal(arg.text, text);
        assert.deepEqual(summary(arg), expected);
      });
    }
  }

  for (const [arch, text, message] of ERRORS) {
    it(`${arch}: rejects ${text}`, () => {
      assert.throws(
        () => parseUsdtArg(text, arch),
        (e) => isParseError(e) && message.test(e.message),
      );
    });
  }

  it('register tables match the pt_regs layouts', () => {
    // x86-64 struct pt_regs: r15 first, ss last (arch/x86/include/asm/ptrace.h); arm64: regs[31], sp, pc.
    const x86 = [
      'r15',
      'r14',
      'r13',
      'r12',
      'rbp',
      'rbx',
      'r11',
      'r10',
      'r9',
      'r8',
      'rax',
      'rcx',
      'rdx',
      'rsi',
      'rdi',
    ];
    x86.forEach((name, i) => {
      assert.equal(usdtRegister('x86_64', name)?.offset, i * 8, name);
    });
    assert.equal(usdtRegister('x86_64', 'rip')?.offset, 16 * 8);
    assert.equal(usdtRegister('x86_64', 'rsp')?.offset, 19 * 8);
    for (let n = 0; n <= 30; n++) assert.equal(usdtRegister('arm64', `x${n}`)?.offset, n * 8);
    assert.equal(usdtRegister('arm64', 'pc')?.offset, 256);
    assert.equal(usdtRegister('x86_64', 'EDI')?.name, 'rdi', 'names are case-insensitive');
    assert.equal(usdtRegister('x86_64', 'x0'), undefined);
    assert.equal(usdtRegister('arm64', 'rax'), undefined);
  });

  it('splits argument strings at blanks outside brackets', () => {
    const x86 = parseUsdtArgs('1@%r8b -2@%ax -4@%edx -8@%rcx 4@%r9d -1@%sil -4@$-7', 'x86_64');
    assert.deepEqual(
      x86.map((a) => a.text),
      ['1@%r8b', '-2@%ax', '-4@%edx', '-8@%rcx', '4@%r9d', '-1@%sil', '-4@$-7'],
    );
    const arm = parseUsdtArgs('8@x0  -4@[sp, 16]\t8@5 4@[x0, x1, lsl #2]', 'arm64');
    assert.deepEqual(
      arm.map((a) => a.text),
      ['8@x0', '-4@[sp, 16]', '8@5', '4@[x0, x1, lsl #2]'],
    );
    assert.equal(arm[3]?.scale, 4);
    assert.deepEqual(parseUsdtArgs('', 'x86_64'), []);
    assert.deepEqual(parseUsdtArgs('   ', 'arm64'), []);
  });

  it('reports the position of a bad argument, offset by the note position', () => {
    assert.throws(
      () => parseUsdtArgs('8@x0 4@v0', 'arm64', 'usdt p:n arguments', 1000),
      (e) => isParseError(e) && e.section === 'usdt p:n arguments' && e.offset === 1000 + 5 + 2,
    );
    assert.throws(
      () => parseUsdtArgs('8@[x0, 1', 'arm64'),
      (e) => isParseError(e) && /unbalanced/.test(e.message),
    );
    assert.throws(
      () => parseUsdtArgs('8@%rax)', 'x86_64'),
      (e) => isParseError(e) && /unbalanced/.test(e.message) && e.offset === 6,
    );
  });

  it('caps the argument count at 12', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `8@$${i}`).join(' ');
    assert.equal(parseUsdtArgs(twelve, 'x86_64').length, 12);
    assert.throws(
      () => parseUsdtArgs(`${twelve} 8@$12`, 'x86_64'),
      (e) => isParseError(e) && /13 arguments, at most 12/.test(e.message),
    );
  });

  it('never throws anything but ParseError on garbage', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '-+@%$()[],# 0123456789abcdefxlsprwq:.f';
    for (let i = 0; i < 3000; i++) {
      const len = rand(24);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)];
      for (const arch of ['x86_64', 'arm64'] as const) {
        try {
          parseUsdtArgs(s, arch);
        } catch (e) {
          assert.ok(isParseError(e), `${arch} ${JSON.stringify(s)}: ${String(e)}`);
        }
      }
    }
  });
});
