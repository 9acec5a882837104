// The crash test's victim: opens a file mail box and works it as fast as it can until it is
// killed. Every line it prints is a promise the store must keep after the kill:
//   E <id> <sha256> <recipients>   an enqueue resolved (the SMTP 250 would have gone out)
//   T <id>                         a settlement that may finish the message is about to be made
//   S <id> <index> <state>         a settlement to a final state resolved
//   R <key> <sha256>               a settlement with a report (keyed <key>) resolved
//   P <snapshots>                  snapshots written so far (so the test knows kills met them)
// stdout is a pipe, which Node writes synchronously on Linux: a printed line is in the pipe
// before the next operation starts, so SIGKILL cannot take back a line.
import { createHash } from 'node:crypto';
import { seededRandomSource } from '@mailroute/envelope';
import { createFileMailBox } from '../../src/mailbox/file/store.js';

const [directory, seedText, roundText] = process.argv.slice(2);
if (!directory) throw new Error('usage: crash-child <directory> <seed> <round>');
const seed = Number(seedText ?? 1);
const round = Number(roundText ?? 0);

/** A body that is its own check: its bytes follow from its name. */
export function bodyFor(name: string, size: number): Buffer {
  const head = Buffer.from(`Subject: ${name}\r\n\r\n`);
  const out = Buffer.alloc(Math.max(size, head.length), 0x61);
  head.copy(out);
  for (let i = head.length; i < out.length; i++) out[i] = 0x61 + ((i * 31 + name.length) % 26);
  return out;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const box = await createFileMailBox({
  directory,
  segmentMaxBytes: 32 * 1024,
  snapshotAfterBytes: 32 * 1024,
  inlineBodyMaxBytes: 16 * 1024,
});
print('READY');
const rnd = seededRandomSource(seed * 1000 + round);
let n = 0;
let enqueued = 0;

async function enqueuer(worker: number): Promise<void> {
  for (;;) {
    const name = `m-${round}-${worker}-${n++}`;
    const size = rnd() < 0.1 ? 20_000 + Math.floor(rnd() * 30_000) : 200 + Math.floor(rnd() * 3000);
    const body = bodyFor(name, size);
    const count = 1 + Math.floor(rnd() * 3);
    const id = await box.enqueue({
      envelope: { mailFrom: 'sender@example.com' },
      arrivalMs: Date.now(),
      messageId: `<${name}@test>`,
      recipients: Array.from({ length: count }, (_, i) => ({
        address: `r${i}@d${i % 2}.example`,
        destination: `d${i % 2}`,
      })),
      body: rnd() < 0.5 ? body : chunks(body),
    });
    print(`E ${id} ${sha(body)} ${count}`);
    if (++enqueued % 20 === 0) print(`P ${box.stats().snapshots}`);
  }
}

async function* chunks(b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 1000) yield b.subarray(i, i + 1000);
}

async function settler(worker: number): Promise<void> {
  const owner = `child-${round}-${worker}`;
  for (;;) {
    const units = await box.lease({
      owner,
      nowMs: Date.now(),
      leaseMs: 60_000,
      limit: 4,
      destinations: ['d0', 'd1'],
    });
    if (units.length === 0) await new Promise((r) => setTimeout(r, 2));
    for (const u of units) {
      const outcomes = u.recipients.map((r) => {
        const p = rnd();
        const state = p < 0.5 ? 'transferred' : p < 0.7 ? 'failed' : 'waiting';
        return { index: r.index, state, attemptMs: Date.now(), nextAttemptMs: Date.now() + 5 } as const;
      });
      const reports = outcomes
        .filter((o) => o.state === 'failed')
        .map((o) => {
          const key = `dsn-${u.message.id}-${o.index}`;
          return {
            envelope: { mailFrom: '', isReport: true },
            arrivalMs: Date.now(),
            messageId: `<${key}@test>`,
            recipients: [{ address: 'sender@example.com', destination: 'reports' }],
            body: bodyFor(key, 500),
            idempotencyKey: key,
          };
        });
      print(`T ${u.message.id}`);
      await box.settle({ id: u.message.id, owner, outcomes, reports });
      for (const o of outcomes) if (o.state !== 'waiting') print(`S ${u.message.id} ${o.index} ${o.state}`);
      for (const r of reports) print(`R ${r.idempotencyKey} ${sha(r.body)}`);
    }
  }
}

await Promise.all([enqueuer(0), enqueuer(1), enqueuer(2), enqueuer(3), settler(0), settler(1)]);
