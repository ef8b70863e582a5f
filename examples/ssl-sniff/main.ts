/**
 * ssl-sniff: prints the plaintext OpenSSL programs write and read, from a uprobe + uretprobe pair on
 * `SSL_write` and on `SSL_read` in libssl. One line per call: pid, comm, direction, length and the data
 * (as a JSON string, cut at 4 KiB).
 */
import { openExecutable } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { loadSslSniffObjects, SslDirection, sslEventCodec } from './ssl-sniff.gen.js';

const text = new TextDecoder('utf-8', { fatal: false });

runExample(
  'ssl-sniff: plaintext of SSL_write/SSL_read (uprobes + uretprobes on libssl)',
  {
    lib: { type: 'string', default: 'libssl.so.3', description: 'libssl to probe (name or path)' },
    pid: { type: 'string', description: 'only this process' },
  },
  async ({ signal, json, flags }) => {
    const pid = flags.pid === undefined ? undefined : Number(flags.pid);
    if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0))
      throw new Error(`--pid: not a process id: ${flags.pid}`);
    const libssl = openExecutable(flags.lib ?? 'libssl.so.3');
    const opts = pid ? { pid } : {};
    using objects = loadSslSniffObjects();
    const p = objects.programs;
    using _writeEntry = libssl.uprobe('SSL_write', p.sslWriteEntry, opts);
    using _writeReturn = libssl.uretprobe('SSL_write', p.sslWriteReturn, opts);
    using _readEntry = libssl.uprobe('SSL_read', p.sslReadEntry, opts);
    using _readReturn = libssl.uretprobe('SSL_read', p.sslReadReturn, opts);
    await using reader = new RingBufReader(objects.maps.events);
    const stop = (): void => reader.close();
    signal.addEventListener('abort', stop, { once: true });
    if (!json) console.log(`probing SSL_write/SSL_read in ${libssl.path}... Ctrl-C to stop`);
    for await (const { sample } of reader) {
      const e = sslEventCodec.decode(sample);
      const direction = e.direction === SslDirection.SSL_DIR_READ ? 'READ' : 'WRITE';
      const data = text.decode(e.data.subarray(0, e.captured));
      if (json)
        console.log(JSON.stringify({ pid: e.pid, tid: e.tid, comm: e.comm, direction, len: e.ret, data }));
      else console.log(`pid=${e.pid} comm=${e.comm} ${direction} len=${e.ret} data=${JSON.stringify(data)}`);
    }
    signal.removeEventListener('abort', stop);
  },
);
