import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    link: 'src/link/index.ts',
    btf: 'src/btf/index.ts',
    elf: 'src/elf/index.ts',
    asm: 'src/asm/index.ts',
    ringbuf: 'src/ringbuf/index.ts',
    perf: 'src/perf/index.ts',
    features: 'src/features/index.ts',
    rlimit: 'src/rlimit/index.ts',
    tracepipe: 'src/tracepipe/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
  platform: 'node',
  external: ['koffi'],
  shims: true,
});
