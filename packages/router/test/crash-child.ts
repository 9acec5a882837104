/**
 * The child process of the crash test: a Router over the file store with a transfer agent that
 * records each transferred Message-ID in a log (one write per transfer, before it answers 250).
 * Arguments: <mail.box dir> <log file> <first index> <count>. Prints `ack <i>` once submit(i)
 * resolved (the moment a server would answer 250), and `drained` when nothing is left to do.
 */
import { appendFileSync } from 'node:fs';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import { createFileMailBox } from '../src/mailbox/file/store.js';
import { createRouter } from '../src/router.js';
import type { TransferAgent } from '../src/transfer/agent.js';
import { acmeDirectory } from './helpers.js';

const [dir, log, firstArg, countArg] = process.argv.slice(2) as [string, string, string, string];
const first = Number(firstArg);
const count = Number(countArg);
const { directory } = loadDirectory(acmeDirectory({ mx: true }));
const agent: TransferAgent = {
  async deliverToDomain(_domain, envelope, message) {
    const chunks: Uint8Array[] = [];
    if (typeof message === 'function') for await (const c of message()) chunks.push(c);
    else chunks.push(Buffer.from(message));
    const text = Buffer.concat(chunks).toString('latin1');
    const id = /^Message-ID: <([^>]+)>/im.exec(text)?.[1] ?? 'unknown';
    appendFileSync(log, `${id}\n`);
    await new Promise((r) => setTimeout(r, 1));
    return {
      recipients: envelope.recipients.map((r) => ({
        address: r.address,
        outcome: 'delivered' as const,
        reason: { code: 'DELIVERED', message: 'delivered', temporary: false },
      })),
    };
  },
  deliverVia: () => Promise.reject(new Error('unused')),
  close: async () => {},
};
const mailBox = await createFileMailBox({ directory: dir });
const router = createRouter({
  mailBox,
  directory,
  graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme'),
  transferAgent: agent,
  bufferPoolSizeMB: 256,
  leaseMs: 60_000,
});
router.start();
let next = first;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (next < first + count) {
      const i = next++;
      await router.submit({
        envelope: { mailFrom: 'jane@acme.example' },
        recipients: [{ address: `u${i}@partner${i % 7}.example` }],
        body: Buffer.from(
          `From: jane@acme.example\r\nMessage-ID: <m${i}@crash>\r\nSubject: ${i}\r\n\r\nbody ${i}\r\n`,
        ),
      });
      process.stdout.write(`ack ${i}\n`);
    }
  }),
);
await router.idle();
process.stdout.write('drained\n');
await router.stop();
await mailBox.close();
