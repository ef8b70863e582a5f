/**
 * `npm run test:kernels [-- --kernel bookworm|trixie|sid ...]`: runs the kernel-facing tests inside Debian
 * guest kernels under qemu (see scripts/vmtest/). Needs root, qemu-system-x86, busybox-static and kmod.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError, usageText } from './vmtest/args.js';
import { runMatrix } from './vmtest/runner.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`test:kernels: ${e.message}\n\n${usageText()}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usageText()}\n`);
    return 0;
  }
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return runMatrix(options, {
    root,
    vmrunPath: join(root, 'scripts/vmtest/vmrun.sh'),
    nodePath: process.execPath,
    env: process.env,
    print: (text) => process.stdout.write(`${text}\n`),
    signal: interrupt.signal,
  });
}

process.exitCode = await main();
