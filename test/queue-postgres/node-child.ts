/**
 * One "router node" of the multi-node tests, as its own process: it leases units from the shared
 * PostgreSQL queue, hands each recipient to the counting sink (one line `owner id/index`, answered
 * `ok`), then settles it delivered. Calls that fail (the database restarting) are retried with
 * backoff; a settlement is retried until it is recorded (settle is idempotent).
 *
 *   node node-child.js <url> <schema> <owner> <sinkPort>
 */
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { sleep, systemClock } from '@mailroute/envelope';
import { createPostgresMailBox } from '@mailroute/queue-postgres';

const [url, schema, owner, sinkPort] = process.argv.slice(2) as [string, string, string, string];
const LEASE_MS = 3000;

const log = (msg: string): void => {
  process.stderr.write(`[${owner}] ${msg}\n`);
};
const logger = {
  debug: () => {},
  info: (_: object, m: string) => log(m),
  warn: (_: object, m: string) => log(m),
  error: (_: object, m: string) => log(m),
  child() {
    return logger;
  },
};

const box = await createPostgresMailBox({
  connectionString: url,
  schema,
  logger,
  maxConnections: 3,
  pollIntervalMs: 500,
});
const sink = createConnection({ host: '127.0.0.1', port: Number(sinkPort) });
const replies = createInterface({ input: sink });
const waiting: (() => void)[] = [];
replies.on('line', () => waiting.shift()?.());
await new Promise<void>((resolve) => sink.once('connect', () => resolve()));

const deliver = (key: string): Promise<void> =>
  new Promise((resolve) => {
    waiting.push(resolve);
    sink.write(`${owner} ${key}\n`);
  });

let wake: (() => void) | undefined;
box.onWork(() => wake?.());

/** Repeats `call` until it succeeds, backing off on temporary errors (a restarting database). */
async function retry<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let delay = 50; ; delay = Math.min(2000, delay * 2)) {
    try {
      return await call();
    } catch (e) {
      const err = e as { code?: string; temporary?: boolean; message?: string };
      if (!err.temporary) throw e;
      log(`${what}: ${err.code} ${err.message}; retrying in ${delay} ms`);
      await sleep(systemClock, delay);
    }
  }
}

process.on('SIGTERM', () => {
  void box.close().then(() => process.exit(0));
});
process.stdout.write('ready\n');

for (;;) {
  const units = await retry('lease', () =>
    box.lease({ owner, nowMs: Date.now(), leaseMs: LEASE_MS, limit: 5 }),
  );
  if (units.length === 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 250);
    });
    continue;
  }
  for (const u of units) {
    for (const r of u.recipients) await deliver(`${u.message.id}/${r.index}`);
    await retry('settle', () =>
      box.settle({
        id: u.message.id,
        owner,
        outcomes: u.recipients.map((r) => ({
          index: r.index,
          state: 'transferred' as const,
          attemptMs: Date.now(),
        })),
      }),
    );
  }
}
