/**
 * @mailroute/testing benchmark: what a test pays per message.
 *
 * 1. A capture server receiving from nodemailer (one connection per message, as
 *    `createTransport(url)` does), beside the hand-rolled capture many test suites write: the
 *    `smtp-server` npm package with `mailparser`'s `simpleParser` keeping each message, in the same
 *    process and the same run. The client side is the same for both, so the difference is the
 *    server side (session, parse, keep).
 * 2. A scripted conversation (EHLO, MAIL, RCPT, DATA, QUIT) in memory on the session engine, and
 *    the same script over a socket to a capture server.
 *
 * Each cell: a warm-up, then three alternating rounds of a fixed count; the median of CPU time
 * (user + system of this process) per message and of wall time. Bounded: 1,800 messages in all.
 *
 * Run: node --expose-gc test/bench/testing/dist/capture.bench.js
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import type { Backend } from '@mailroute/smtp-server';
import { connectConversation, startCaptureServer, startConversation } from '@mailroute/testing';

const require = createRequire(import.meta.url);
const nodemailer = require('nodemailer') as {
  createTransport(url: string): { sendMail(m: object): Promise<unknown>; close(): void };
};
const { SMTPServer } = require('smtp-server') as {
  SMTPServer: new (
    o: object,
  ) => {
    listen(port: number, host: string, cb: () => void): void;
    server: { address(): { port: number } };
    close(cb: () => void): void;
  };
};
const { simpleParser } = require('mailparser') as {
  simpleParser(s: NodeJS.ReadableStream): Promise<{ subject?: string }>;
};

const COUNT = 150;
const ROUNDS = 3;
const MESSAGE = {
  from: 'app@sender.example',
  to: 'jane@customer.example',
  subject: 'Benchmark',
  text: 'Hello,\n\nthis is a benchmark message.\n'.repeat(20),
};

interface Cell {
  cpuUsPerMessage: number;
  wallMsPerMessage: number;
}

async function measure(count: number, run: () => Promise<void>): Promise<Cell> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) await run();
  const used = process.cpuUsage(cpu);
  return {
    cpuUsPerMessage: (used.user + used.system) / count,
    wallMsPerMessage: (performance.now() - start) / count,
  };
}

function median(cells: Cell[]): Cell {
  const by = <K extends keyof Cell>(k: K) =>
    cells.map((c) => c[k]).sort((a, b) => a - b)[Math.floor(cells.length / 2)]!;
  return { cpuUsPerMessage: by('cpuUsPerMessage'), wallMsPerMessage: by('wallMsPerMessage') };
}

async function handRolledCapture(): Promise<{ url: string; kept: unknown[]; close(): Promise<void> }> {
  const kept: unknown[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // Its default reverse DNS lookup of every client would measure the resolver, not the server.
    disableReverseLookup: true,
    onData(stream: NodeJS.ReadableStream, _session: unknown, callback: (e?: Error) => void) {
      simpleParser(stream).then(
        (parsed) => {
          kept.push(parsed);
          if (kept.length > 1000) kept.shift();
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${server.server.address().port}`,
    kept,
    close: () => new Promise<void>((r) => server.close(r)),
  };
}

async function main(): Promise<void> {
  const ours = await startCaptureServer({ maxMessages: 1000, whenFull: 'drop-oldest' });
  const theirs = await handRolledCapture();
  const oursClient = nodemailer.createTransport(ours.smtpUrl);
  const theirsClient = nodemailer.createTransport(theirs.url);
  const send = (client: typeof oursClient) => async () => {
    await client.sendMail(MESSAGE);
  };

  const backend: Backend = {
    connect: () => ({
      async data(message) {
        for await (const _ of message) {
          // read to the end
        }
        return undefined;
      },
    }),
  };
  const script = async (s: Awaited<ReturnType<typeof startConversation>>) => {
    await s.send('EHLO client.example').expect(250);
    await s.send('MAIL FROM:<app@sender.example>').expect(250);
    await s.send('RCPT TO:<jane@customer.example>').expect(250);
    await s.data(`Subject: Benchmark\r\n\r\n${MESSAGE.text}`).expect(250);
    await s.close();
  };
  const inMemory = async () => script(await startConversation(backend));
  const overSocket = async () => script(await connectConversation({ port: ours.port }));

  const cells: Record<string, Cell[]> = {};
  const peers: [string, () => Promise<void>][] = [
    ['capture server (@mailroute/testing) <- nodemailer', send(oursClient)],
    ['smtp-server + mailparser (hand-rolled) <- nodemailer', send(theirsClient)],
    ['conversation in memory (startConversation)', inMemory],
    ['conversation over a socket (connectConversation)', overSocket],
  ];
  for (const [, run] of peers) await measure(20, run); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of peers) {
      const list = cells[name] ?? [];
      list.push(await measure(COUNT, run));
      cells[name] = list;
    }
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${COUNT} messages x ${ROUNDS} rounds, median`,
  );
  console.log('| peer | CPU per message | wall per message |');
  console.log('| --- | --- | --- |');
  for (const [name] of peers) {
    const m = median(cells[name]!);
    console.log(
      `| ${name} | ${(m.cpuUsPerMessage / 1000).toFixed(2)} ms | ${m.wallMsPerMessage.toFixed(2)} ms |`,
    );
  }
  console.log(`kept: ${ours.messages.length} (capped at 1000), hand-rolled ${theirs.kept.length}`);
  oursClient.close();
  theirsClient.close();
  await ours.close();
  await theirs.close();
}

await main();
