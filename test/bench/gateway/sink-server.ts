/**
 * The reference servers of the gateway benchmark, run as a child process: @mailroute/smtp-server
 * with a backend that reads each message and either drops it (`discard`: the listener's ceiling)
 * or writes it with the same durable write the gateway uses (`fsync`: the disk's floor for one
 * file per message). Prints `port <n>` when listening; SIGTERM stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncFolder, writeDurably } from '@mailroute/example-gateway/durable-write';
import { createSmtpServer } from '@mailroute/smtp-server';

// The same thread pool as the gateway (main.ts), so the fsync reference is not held back by it.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

type Mode = 'discard' | 'fsync';
const mode = (process.argv[2] ?? 'discard') as Mode;
const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-sink-'));

const server = createSmtpServer(
  { hostname: 'sink.test', listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }], maxSessions: 1000 },
  {
    connect: () => ({
      async data(message, envelope) {
        const chunks: Buffer[] = [];
        for await (const chunk of message) chunks.push(chunk);
        if (mode === 'fsync') {
          await writeDurably(join(dir, `${envelope.id}.eml`), Buffer.concat(chunks), { syncDir: false });
          await syncFolder(dir);
        }
        return undefined;
      },
    }),
  },
);
const [address] = await server.listen();
process.stdout.write(`port ${address!.port}\n`);
process.on('SIGTERM', () => {
  void server.close({ deadline: 1000 }).then(() => rm(dir, { recursive: true, force: true }));
});
