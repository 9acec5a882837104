// The Router's own cost, in one process: submit (dispatch, plan, enqueue) and the worker loop
// (lease, Bcc filtering, transfer call, settle) over the in-memory MailBox, with a transfer agent
// that accepts everything at once and mail files that keep nothing. No network and no disk: this
// is the Router's CPU per message, the ceiling under any store and any SMTP client. The end-to-end
// relay benchmark (SMTP in, durable queue, SMTP out, beside Postfix and Haraka) is relay.bench.ts.
// Last, the cost of one transfer lease against the number of destinations in mail.box (an
// Internet relay has one per MX domain).

import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFileMailBox,
  createMemoryMailBox,
  createRouter,
  DELIVERY_QUEUE,
  type MailBox,
  type TransferAgent,
  UNROUTABLE_QUEUE,
} from '@mailroute/router';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';

const directory = loadDirectory({
  servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme', hostName: 'mail1.acme.example' }],
  globalDomains: [{ primaryDomain: 'acme.example', isDefault: true }],
  configurations: [{ server: '*', smtpOutsideLocalInternetDomain: true }],
  persons: Array.from({ length: 100 }, (_, i) => ({
    fullNames: [`CN=User ${i}/O=Acme`],
    internetAddress: `user${i}@acme.example`,
    mailServer: 'CN=Mail1/O=Acme',
    mailFile: `mail/user${i}.nsf`,
  })),
}).directory;

let transferred = 0;
const agent: TransferAgent = {
  async deliverToDomain(_domain, envelope) {
    transferred += envelope.recipients.length;
    return {
      recipients: envelope.recipients.map((r) => ({
        address: r.address,
        outcome: 'delivered' as const,
        reason: { code: 'DELIVERED', message: 'delivered', temporary: false },
      })),
    };
  },
  async deliverVia() {
    throw new Error('unused');
  },
  async close() {},
};
let delivered = 0;
const mailFiles = {
  async deliver() {
    delivered++;
    return { ok: true as const, value: undefined };
  },
};

function body(size: number): Buffer {
  const head =
    'From: a@elsewhere.example\r\nTo: x@partner.example\r\nSubject: bench\r\nMessage-ID: <b@x>\r\n\r\n';
  return Buffer.from(head + 'x'.repeat(Math.max(0, size - head.length - 2)) + '\r\n');
}

async function run(
  label: string,
  count: number,
  recipients: (i: number) => string[],
  size: number,
  store: 'memory' | 'file' = 'memory',
): Promise<void> {
  transferred = 0;
  delivered = 0;
  const dir = store === 'file' ? await mkdtemp(join(tmpdir(), 'router-bench-')) : undefined;
  const mailBox: MailBox =
    dir === undefined ? createMemoryMailBox() : await createFileMailBox({ directory: join(dir, 'mail.box') });
  const router = createRouter({
    mailBox,
    directory,
    graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme'),
    transferAgent: agent,
    mailFiles,
    bufferPoolSizeMB: 256,
    reportingMta: 'mail1.acme.example',
  });
  router.start();
  const bytes = body(size);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Ten submitters at a time, as ten SMTP sessions would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        const i = next++;
        await router.submit({
          envelope: { mailFrom: 'a@elsewhere.example' },
          recipients: recipients(i).map((address) => ({ address })),
          body: bytes,
        });
      }
    }),
  );
  const submitted = performance.now();
  await router.idle();
  const done = performance.now();
  const cpu = process.cpuUsage(cpu0);
  await router.stop();
  await mailBox.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${label.padEnd(44)} ${String(count).padStart(6)} msgs  submit ${Math.round(
      (count / (submitted - t0)) * 1000,
    )
      .toLocaleString()
      .padStart(7)}/s  end-to-end ${Math.round((count / (done - t0)) * 1000)
      .toLocaleString()
      .padStart(
        7,
      )}/s  CPU ${((cpuMs * 1000) / count).toFixed(0).padStart(5)} µs/msg  (transferred ${transferred}, delivered ${delivered})`,
  );
}

/**
 * Leases of `limit` units, as the transfer lease asks (the delivery queues and a few destinations
 * at their limit left out), over a memory MailBox holding `perDestination` due messages for each
 * of `destinations` destinations. Leases are 1 ms long and each lease is 1 ms later, so what one
 * lease took is due again for the next: every lease looks at the same backlog.
 */
async function leaseCost(destinations: number, perDestination = 3, leases = 1000, limit = 10): Promise<void> {
  const mailBox = createMemoryMailBox();
  const bytes = body(512);
  for (let i = 0; i < destinations * perDestination; i++)
    await mailBox.enqueue({
      envelope: { mailFrom: 'a@elsewhere.example' },
      arrivalMs: i,
      recipients: [
        { address: `r${i}@d${i % destinations}.example`, destination: `mx:d${i % destinations}.example` },
      ],
      body: bytes,
    });
  const excludeDestinations = [
    DELIVERY_QUEUE,
    UNROUTABLE_QUEUE,
    'mx:d0.example',
    'mx:d1.example',
    'mx:d2.example',
  ];
  let units = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < leases; n++)
    units += (await mailBox.lease({ owner: 'bench', nowMs: 1e9 + n, leaseMs: 1, excludeDestinations, limit }))
      .length;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await mailBox.close();
  const cpuUs = cpu.user + cpu.system;
  console.log(
    `${`lease ${limit} units, ${destinations.toLocaleString()} destinations`.padEnd(44)} ${String(
      leases,
    ).padStart(6)} leases  ${((wallMs * 1000) / leases).toFixed(1).padStart(8)} µs/lease  CPU ${(
      cpuUs / units
    )
      .toFixed(1)
      .padStart(7)} µs/unit  (${units} units)`,
  );
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await run('1 KB, 1 remote recipient (warm-up)', 2000, (i) => [`r${i}@partner${i % 20}.example`], 1024);
await run('1 KB, 1 remote recipient', 10000, (i) => [`r${i}@partner${i % 20}.example`], 1024);
await run('100 KB, 1 remote recipient', 2000, (i) => [`r${i}@partner${i % 20}.example`], 100 * 1024);
await run(
  '1 KB, 1 remote recipient, file store',
  5000,
  (i) => [`r${i}@partner${i % 20}.example`],
  1024,
  'file',
);
await run('1 KB, 1 local recipient', 10000, (i) => [`user${i % 100}@acme.example`], 1024);
await run(
  '1 KB, 100 local recipients',
  200,
  () => Array.from({ length: 100 }, (_, j) => `user${j}@acme.example`),
  1024,
);
await leaseCost(10);
await leaseCost(1000);
await leaseCost(10000);
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
