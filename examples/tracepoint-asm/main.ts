/**
 * tracepoint-asm: the `tracepoint` example without C. The ARRAY map is created from TypeScript with
 * `BpfMap.create`, the program is written instruction by instruction with the builder from 'ebpf-ts/asm',
 * loaded with `Program.load` and attached to `kmem/mm_page_alloc` with `tracepoint()`.
 *
 *   sudo npx ebpf-ts examples/tracepoint-asm [--duration 10] [--json] [--disasm]
 */
import { BpfMap, codecs, MapType, Program, ProgramSpec, ProgramType } from 'ebpf-ts';
import * as asm from 'ebpf-ts/asm';
import { tracepoint } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { every, runExample } from '../lib/run.js';

/**
 * `counter[0] += 1` (atomically) for the map whose descriptor is `mapFd`:
 *
 *   *(u32 *)(fp - 4) = 0;                       key on the stack
 *   r1 = map; r2 = fp - 4; r0 = map_lookup_elem(r1, r2)
 *   if r0 == 0 goto out
 *   r1 = 1; lock *(u64 *)(r0 + 0) += r1
 * out:
 *   r0 = 0; exit
 */
function counterProgram(mapFd: number): asm.Instruction[] {
  return [
    asm.st(asm.Size.W, asm.RFP, -4, 0),
    asm.loadMapPtr(asm.R1, mapFd),
    asm.mov64Reg(asm.R2, asm.RFP),
    asm.alu64Imm(asm.AluOp.ADD, asm.R2, -4),
    asm.call('map_lookup_elem'),
    asm.jmpImm(asm.JumpOp.JEQ, asm.R0, 0, 'out'),
    asm.mov64Imm(asm.R1, 1),
    asm.atomic(asm.AtomicOp.ADD, asm.Size.DW, asm.R0, asm.R1, 0),
    asm.mov64Imm(asm.R0, 0).withSymbol('out'),
    asm.exit(),
  ];
}

runExample(
  'Counts kmem/mm_page_alloc with a hand-assembled program (no C).',
  { disasm: { type: 'boolean', default: false, description: 'print the program before loading it' } },
  async ({ signal, json, flags }) => {
    removeMemlock();
    using counter = BpfMap.create(
      { name: 'counting_map', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 },
      { key: codecs.u32, value: codecs.u64 },
    );
    const instructions = counterProgram(counter.fd.raw);
    if (flags.disasm) process.stderr.write(`${asm.disassemble(asm.resolveJumps(instructions)).join('\n')}\n`);
    using program = Program.load(
      new ProgramSpec({
        name: 'mm_page_alloc',
        type: ProgramType.TRACEPOINT,
        instructions,
        license: 'Dual MIT/GPL',
      }),
    );
    using _link = tracepoint('kmem', 'mm_page_alloc', program);
    process.stderr.write('counting kmem/mm_page_alloc with an asm program (Ctrl-C to stop)\n');
    await every(1000, signal, () => {
      const n = counter.lookup(0);
      process.stdout.write(
        json
          ? `${JSON.stringify({ tracepoint: 'kmem/mm_page_alloc', count: Number(n) })}\n`
          : `mm_page_alloc count=${n}\n`,
      );
    });
  },
);
