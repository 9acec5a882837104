// Itemizer parsing speed beside mailparser (simpleParser) and postal-mime, measured in the same
// run: MB/s and messages/s on a generated mixed corpus; then time and peak RSS growth for one
// message with a 50 MiB attachment (each parser in its own child process, so RSS is its own).
// Run: node --expose-gc test/bench/itemizer/dist/itemizer.bench.js
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseMessage } from '@mailroute/itemizer';
import PostalMime from 'postal-mime';
import { bigMessage, makeCorpus } from './corpus.js';

const require = createRequire(import.meta.url);
const { simpleParser } = require('mailparser') as {
  simpleParser(input: Buffer | Readable): Promise<unknown>;
};

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const BIG = 50 * 1024 * 1024;

type Parser = (m: Buffer) => Promise<unknown>;
const PARSERS: Record<string, Parser> = {
  itemizer: (m) => parseMessage(m),
  mailparser: (m) => simpleParser(m),
  'postal-mime': (m) => PostalMime.parse(m),
};

async function throughput(): Promise<void> {
  const corpus = makeCorpus(200);
  const bytes = corpus.reduce((n, m) => n + m.length, 0);
  console.log(
    `corpus: ${corpus.length} messages, ${(bytes / 1e6).toFixed(1)} MB (plain, alternative/QP, attachments 10 KB-2 MB, nested)`,
  );
  const ROUNDS = 5;
  for (const parse of Object.values(PARSERS)) for (const m of corpus.slice(0, 40)) await parse(m); // warm-up
  const ns: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, parse] of Object.entries(PARSERS)) {
      gc();
      const start = process.hrtime.bigint();
      for (const m of corpus) await parse(m);
      ns[name] = (ns[name] ?? 0) + Number(process.hrtime.bigint() - start);
    }
  }
  const mbs: Record<string, number> = {};
  for (const [name, total] of Object.entries(ns)) {
    const seconds = total / 1e9 / ROUNDS;
    mbs[name] = bytes / 1e6 / seconds;
    console.log(
      `${name.padEnd(12)} ${mbs[name].toFixed(1).padStart(7)} MB/s ${(corpus.length / seconds).toFixed(0).padStart(6)} messages/s`,
    );
  }
  const ours = mbs.itemizer as number;
  console.log(
    `itemizer/mailparser ${(ours / (mbs.mailparser as number)).toFixed(2)}x   itemizer/postal-mime ${(ours / (mbs['postal-mime'] as number)).toFixed(2)}x`,
  );
}

/** Child process: parse the 50 MiB message with one parser, print time and peak RSS growth. */
async function bigChild(name: string): Promise<void> {
  gc();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const start = process.hrtime.bigint();
  let size = 0;
  if (name === 'itemizer') {
    const hash = createHash('sha256');
    const note = await parseMessage(Readable.from(bigMessage(BIG)), {
      onAttachment: () => ({
        write: (c) => {
          hash.update(c);
          size += c.length;
        },
        end: () => undefined,
      }),
    });
    if (note.attachments()[0]?.size !== BIG) throw new Error('itemizer: wrong size');
  } else if (name === 'mailparser') {
    const mail = (await simpleParser(Readable.from(bigMessage(BIG)))) as { attachments: { size: number }[] };
    size = mail.attachments[0]?.size ?? 0;
  } else {
    // postal-mime takes the whole message; its input buffer counts in the growth.
    const mail = await PostalMime.parse(Buffer.concat([...bigMessage(BIG)]));
    const content = mail.attachments[0]?.content;
    size = typeof content === 'string' ? content.length : (content?.byteLength ?? 0);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  if (size !== BIG) throw new Error(`${name}: attachment size ${size}`);
  console.log(JSON.stringify({ name, ms, growth: peak - base }));
}

async function big(): Promise<void> {
  console.log(
    `\none message with a ${BIG / 1024 / 1024} MiB base64 attachment (${'streamed to a hashing consumer'} for itemizer):`,
  );
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(PARSERS)) {
    const r = spawnSync(process.execPath, ['--expose-gc', self, '--big', name], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      console.log(`${name.padEnd(12)} failed: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
      continue;
    }
    const { ms, growth } = JSON.parse(line) as { ms: number; growth: number };
    console.log(
      `${name.padEnd(12)} ${ms.toFixed(0).padStart(6)} ms  peak RSS growth ${(growth / 1024 / 1024).toFixed(0).padStart(4)} MiB (${(growth / BIG).toFixed(2)}x the attachment)`,
    );
  }
}

const arg = process.argv.indexOf('--big');
if (arg !== -1) await bigChild(process.argv[arg + 1] as string);
else {
  console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
  await throughput();
  await big();
}
