/**
 * @mailroute/envelope benchmark: MAIL/RCPT lines parsed per second, and DATA decoding throughput
 * on 10 KB and 1 MB messages split into random chunk sizes, beside Buffer.concat of the same
 * chunks (the ceiling: one copy, no scanning) measured in the same run.
 */
import { createDataDecoder, createDataEncoder, parseCommand } from '@mailroute/envelope';
import { prng } from '@mailroute/test-support';

/** Runs `fn` repeatedly for about `ms` after a warm-up; returns operations per second. */
function rate(fn: () => number, ms = 1500): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = performance.now() + ms;
  while (performance.now() < end) ops += fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return ops / seconds;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

// --- command parsing ------------------------------------------------------------------------
const lines = [
  'MAIL FROM:<john.smith@example.com> SIZE=12345 BODY=8BITMIME',
  'RCPT TO:<jane.doe@example.org>',
  'RCPT TO:<sales-team@mail.example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;sales-team@mail.example.net',
  'MAIL FROM:<>',
  'RCPT TO:<"quoted name"@example.com>',
  'MAIL FROM:<bounces+12345-abcdef@lists.example.com> SIZE=54321',
  'RCPT TO:<postmaster>',
  'RCPT TO:<user@[192.0.2.1]>',
];
const linesPerSecond = rate(() => {
  let ok = 0;
  for (const line of lines) if (parseCommand(line).ok) ok++;
  if (ok !== lines.length) throw new Error('benchmark lines must parse');
  return lines.length;
});

// --- DATA decoding ---------------------------------------------------------------------------
function makeMessage(size: number, rand: () => number): Buffer {
  const head =
    'From: John <john@example.com>\r\nTo: jane@example.org\r\nSubject: benchmark\r\nMIME-Version: 1.0\r\n\r\n';
  const parts: string[] = [head];
  let total = head.length;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  while (total < size) {
    // Mostly 76-character base64-like lines, some text lines, some lines starting with a dot.
    const r = rand();
    let line = '';
    const len = r < 0.8 ? 76 : Math.floor(rand() * 100);
    for (let i = 0; i < len; i++) line += alphabet[Math.floor(rand() * 64)];
    if (r > 0.97) line = `.${line}`;
    parts.push(`${line}\r\n`);
    total += line.length + 2;
  }
  const encoder = createDataEncoder();
  return Buffer.concat([encoder.encode(Buffer.from(parts.join(''))), encoder.end()]);
}

function split(wire: Buffer, rand: () => number, max: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < wire.length; ) {
    const size = 1 + Math.floor(rand() * max);
    // Copies, so each chunk is its own Buffer as a socket would deliver it.
    chunks.push(Buffer.from(wire.subarray(off, off + size)));
    off += size;
  }
  return chunks;
}

interface Row {
  name: string;
  decodeMBs: number;
  decodeConcatMBs: number;
  ceilingMBs: number;
}
const rows: Row[] = [];
for (const [name, size, maxChunk] of [
  ['10 KB, chunks 1 B-4 KB', 10 * 1024, 4096],
  ['1 MB, chunks 1 B-64 KB', 1024 * 1024, 65536],
] as const) {
  const rand = prng(size);
  const wire = makeMessage(size, rand);
  const chunks = split(wire, rand, maxChunk);
  const mb = wire.length / 1e6;
  const decodeOnly = rate(() => {
    const d = createDataDecoder({ maxSizeBytes: 50 * 1024 * 1024 });
    let parts = 0;
    for (const c of chunks) parts += d.write(c).data.length;
    if (!d.done || parts === 0) throw new Error('decoder did not finish');
    return mb;
  });
  const decodeConcat = rate(() => {
    const d = createDataDecoder();
    const out: Buffer[] = [];
    for (const c of chunks) out.push(...d.write(c).data);
    Buffer.concat(out);
    return mb;
  });
  const ceiling = rate(() => {
    Buffer.concat(chunks);
    return mb;
  });
  rows.push({ name, decodeMBs: decodeOnly, decodeConcatMBs: decodeConcat, ceilingMBs: ceiling });
}

console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('');
console.log('| command parsing | lines/s | target |');
console.log('| --- | ---: | ---: |');
console.log(`| parseCommand, MAIL/RCPT mix (${lines.length} lines) | ${fmt(linesPerSecond)} | 1,000,000 |`);
console.log('');
console.log(
  '| DATA decoding | decoder MB/s | decoder + Buffer.concat MB/s | Buffer.concat (ceiling) MB/s | decoder / ceiling |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.decodeMBs)} | ${fmt(r.decodeConcatMBs)} | ${fmt(r.ceilingMBs)} | ${fmt(r.decodeMBs / r.ceilingMBs, 2)}x |`,
  );
}
