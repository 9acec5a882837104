// Server mail rules' cost: messages per second and CPU per message through the Router (submit,
// rules, enqueue, transfer, settle; memory MailBox, an agent that accepts at once) with no rules
// beside 100 rules that all run for every message (none matches, so none ends the evaluation
// early), 10 of them body searches. The rule-only cost (itemizing the message into facts, then
// evaluating) is measured apart, and the same rules with the body searches turned into subject
// searches (no rule reads past the header: only the header block is itemized). Cases alternate twice in one run so the machine's load hits both.

import { loadavg } from 'node:os';
import {
  type CompiledMailRules,
  compileMailRules,
  createMemoryMailBox,
  createRouter,
  evaluateMailRules,
  type MailRule,
  messageFacts,
  type TransferAgent,
} from '@mailroute/router';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';

const directory = loadDirectory({
  servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme', hostName: 'mail1.acme.example' }],
  globalDomains: [{ primaryDomain: 'acme.example', isDefault: true }],
  configurations: [{ server: '*', smtpOutsideLocalInternetDomain: true }],
}).directory;

const agent: TransferAgent = {
  async deliverToDomain(_domain, envelope) {
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

const fields = ['subject', 'sender', 'toOrCc', 'attachmentName', 'anyRecipient', 'internetDomain'] as const;
const hundred: MailRule[] = Array.from({ length: 100 }, (_, i) =>
  i % 10 === 9
    ? {
        name: `body ${i}`,
        when: [{ field: 'body', operator: 'contains', value: `forbidden phrase ${i}` }],
        action: { type: 'hold' },
      }
    : i % 10 === 8
      ? {
          name: `size ${i}`,
          when: [{ field: 'size', operator: 'greaterThan', value: 50_000_000 + i }],
          action: { type: 'hold' },
        }
      : {
          name: `rule ${i}`,
          when: [{ field: fields[i % fields.length]!, operator: 'contains', value: `blocked-${i}` }],
          except: [{ field: 'importance', operator: 'is', value: 'low' }],
          action: { type: 'dontAccept' },
        },
);
const compiled = compileMailRules(hundred);
if (!compiled.ok) throw new Error(compiled.reason.message);
// The same 100 rules with the body and attachment-name searches made subject searches: the header block is enough.
const headerOnly = compileMailRules(
  hundred.map((r) =>
    r.when[0]?.field === 'body' || r.when[0]?.field === 'attachmentName'
      ? { ...r, when: [{ ...r.when[0], field: 'subject' as const }] }
      : r,
  ),
);
if (!headerOnly.ok || headerOnly.value.readsContent) throw new Error('header-only rules expected');

function message(size: number): Buffer {
  const head =
    'From: Someone <a@elsewhere.example>\r\nTo: x@partner.example\r\nSubject: quarterly figures\r\nMessage-ID: <b@x>\r\n\r\n';
  const line = 'The figures for the quarter are attached below, with the notes from the meeting.\r\n';
  return Buffer.from(head + line.repeat(Math.max(1, Math.floor((size - head.length) / line.length))));
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function throughRouter(
  label: string,
  count: number,
  bytes: Buffer,
  rules?: CompiledMailRules,
): Promise<void> {
  const router = createRouter({
    mailBox: createMemoryMailBox(),
    directory,
    graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme'),
    transferAgent: agent,
    bufferPoolSizeMB: 256,
    reportingMta: 'mail1.acme.example',
    ...(rules === undefined ? {} : { rules }),
  });
  router.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        next++;
        await router.submit({
          envelope: { mailFrom: 'a@elsewhere.example' },
          recipients: [{ address: `r${next}@partner${next % 20}.example` }],
          body: bytes,
        });
      }
    }),
  );
  await router.idle();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await router.stop();
  const status = await router.status();
  if (status.counters.transferred !== count)
    throw new Error(`transferred ${status.counters.transferred} of ${count}`);
  console.log(
    `${label.padEnd(48)} ${String(count).padStart(6)} msgs  ${Math.round((count / ms) * 1000)
      .toLocaleString()
      .padStart(
        7,
      )} msg/s  CPU ${(((cpu.user + cpu.system) / count) | 0).toString().padStart(5)} µs/msg  load ${load()}`,
  );
}

async function rulesOnly(label: string, count: number, bytes: Buffer, itemize: boolean): Promise<void> {
  const envelope = { mailFrom: 'a@elsewhere.example', recipients: ['r@partner.example'] };
  const facts = await messageFacts(bytes, envelope);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let held = 0;
  for (let i = 0; i < count; i++) {
    const f = itemize ? await messageFacts(bytes, envelope) : facts;
    if (compiled.ok && evaluateMailRules(compiled.value, f).disposition.type !== 'route') held++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (held !== 0) throw new Error('no rule should match');
  console.log(
    `${label.padEnd(48)} ${String(count).padStart(6)} msgs  ${Math.round((count / ms) * 1000)
      .toLocaleString()
      .padStart(
        7,
      )} msg/s  CPU ${(((cpu.user + cpu.system) / count) | 0).toString().padStart(5)} µs/msg  load ${load()}`,
  );
}

console.log(`load average at start: ${load()}`);
const small = message(4 * 1024);
const large = message(100 * 1024);
await throughRouter('warm-up', 2000, small, compiled.value);
for (const round of [1, 2]) {
  await throughRouter(`4 KB, no rules (round ${round})`, 5000, small);
  await throughRouter(`4 KB, 100 rules with 10 body searches (round ${round})`, 5000, small, compiled.value);
  await throughRouter(`4 KB, 100 header rules (round ${round})`, 5000, small, headerOnly.value);
  await throughRouter(`100 KB, no rules (round ${round})`, 1000, large);
  await throughRouter(
    `100 KB, 100 rules with 10 body searches (round ${round})`,
    1000,
    large,
    compiled.value,
  );
  await throughRouter(`100 KB, 100 header rules (round ${round})`, 1000, large, headerOnly.value);
}
await rulesOnly('4 KB: evaluate 100 rules (facts made once)', 20000, small, false);
await rulesOnly('4 KB: itemize + evaluate 100 rules', 5000, small, true);
await rulesOnly('100 KB: evaluate 100 rules (facts made once)', 2000, large, false);
await rulesOnly('100 KB: itemize + evaluate 100 rules', 1000, large, true);
console.log(`load average at end: ${load()}`);
