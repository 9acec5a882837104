// The fields-level builder beside nodemailer's MailComposer, measured in the same run: CPU time per
// message (process.cpuUsage, less noisy than wall clock on a shared machine) for a text+html
// message with one small inline image, and for one with a 1 MB attachment; then, each in its own
// child process, peak RSS growth while building a message with a 50 MB attachment given as a
// stream and draining it. Prints the load average beside the figures.
// Run: node --expose-gc test/bench/itemizer/dist/builder.bench.js
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildMessage, buildMessageBytes, type MessageFields } from '@mailroute/itemizer';

const require = createRequire(import.meta.url);
type Composer = new (
  mail: Record<string, unknown>,
) => {
  compile(): { build(cb: (err: Error | null, msg: Buffer) => void): void; createReadStream(): Readable };
};
const MailComposer = require('nodemailer/lib/mail-composer') as Composer;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const png = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 37) & 0xff));
const mb = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 131 + 7) & 0xff));

function fields(attachment: Buffer | undefined): MessageFields {
  return {
    from: '"Nashed, Daniel" <nsh@nashcom.de>',
    to: ['Jürgen Müller <jm@example.de>', 'team@example.com'],
    cc: 'c@example.com',
    subject: 'Grüße aus Köln – Budget März',
    date: new Date('2026-03-04T05:06:07Z'),
    messageId: '<bench@nashcom.de>',
    text: 'Hallo Jürgen,\n\nanbei die Zahlen.\n\nViele Grüße\nDaniel\n'.repeat(5),
    html: '<p>Hallo Jürgen,</p><p>anbei die Zahlen. <img src="cid:logo@x"></p>'.repeat(5),
    attachments: [
      { filename: 'logo.png', content: png, cid: 'logo@x' },
      ...(attachment === undefined ? [] : [{ filename: 'Zahlen März.bin', content: attachment }]),
    ],
  };
}

function nodemailerBuild(f: MessageFields): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    new MailComposer(f as unknown as Record<string, unknown>)
      .compile()
      .build((err, msg) => (err ? reject(err) : resolve(msg))),
  );
}

const BUILDERS: Record<string, (f: MessageFields) => Promise<Buffer>> = {
  itemizer: (f) => buildMessageBytes(f),
  'nodemailer MailComposer': nodemailerBuild,
};

async function cpuPerMessage(label: string, f: MessageFields, n: number): Promise<void> {
  for (const b of Object.values(BUILDERS)) for (let i = 0; i < 20; i++) await b(f); // warm-up
  const us: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, b] of Object.entries(BUILDERS)) {
      gc();
      const cpu = process.cpuUsage();
      for (let i = 0; i < n; i++) await b(f);
      const used = process.cpuUsage(cpu);
      us[name] = (us[name] ?? 0) + (used.user + used.system) / n / 3;
    }
  }
  console.log(
    `${label} (load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}):`,
  );
  for (const [name, v] of Object.entries(us))
    console.log(`  ${name.padEnd(24)} ${v.toFixed(0).padStart(7)} µs CPU/message`);
  console.log(
    `  nodemailer/itemizer ${((us['nodemailer MailComposer'] as number) / (us.itemizer as number)).toFixed(2)}x`,
  );
}

/** Child: build a 50 MB streamed attachment with one builder, drain it, print peak RSS growth. */
async function bigChild(name: string): Promise<void> {
  const SIZE = 50_000_000;
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const source = (): Readable =>
    Readable.from(
      (function* () {
        for (let done = 0; done < SIZE; done += chunk.length)
          yield chunk.subarray(0, Math.min(chunk.length, SIZE - done));
      })(),
    );
  gc();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const cpu = process.cpuUsage();
  const f: MessageFields = {
    from: 'a@example.com',
    to: 'b@example.com',
    subject: 'big',
    text: 'x',
    attachments: [{ filename: 'big.bin', content: source() }],
  };
  const stream =
    name === 'itemizer'
      ? buildMessage(f)
      : new MailComposer(f as unknown as Record<string, unknown>).compile().createReadStream();
  let bytes = 0;
  for await (const c of stream) bytes += (c as Buffer).length;
  clearInterval(timer);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ bytes, peak: peak - base, cpuMs: (used.user + used.system) / 1000 }));
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === 'child') return bigChild(process.argv[3] as string);
  await cpuPerMessage('text + html + 2 KB inline image', fields(undefined), 300);
  await cpuPerMessage('the same + 1 MB attachment', fields(mb), 30);
  console.log(
    `50 MB attachment from a stream, drained (each builder in its own process; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}):`,
  );
  for (const name of Object.keys(BUILDERS)) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', name], {
      encoding: 'utf8',
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      bytes: number;
      peak: number;
      cpuMs: number;
    };
    console.log(
      `  ${name.padEnd(24)} ${(out.peak / 1048576).toFixed(1).padStart(6)} MiB peak RSS growth, ${out.cpuMs.toFixed(0)} ms CPU, ${(out.bytes / 1e6).toFixed(1)} MB out`,
    );
  }
}

await main();
