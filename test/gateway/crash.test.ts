/**
 * Crash safety: the gateway as a child process is killed with SIGKILL at random moments while
 * parallel clients deliver 200 messages, restarted each time, and at the end every message that
 * got a 250 is in its mail file (local recipients) or in the spool (the person on the other
 * server). A crash between the write and the reply may duplicate a message (the client retries),
 * never lose one. Seeded, bounded: a handful of kills, a few seconds.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SmtpTestClient, testMessage } from './smtp-client.js';
import { EXAMPLE_CONFIG, GATEWAY_MAIN } from './tools.js';

const MESSAGES = 200;
const CLIENTS = 10;
const KILLS = 5;

let data = '';
let child: ChildProcess | undefined;

after(async () => {
  child?.kill('SIGKILL');
  if (data !== '') await rm(data, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts the gateway and resolves once it says it is ready. */
function startChild(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        GATEWAY_MAIN,
        'start',
        '--config',
        EXAMPLE_CONFIG,
        '--data',
        data,
        '--port',
        String(port),
        '--submission-port',
        'off',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`gateway did not start: ${out}`));
    }, 20_000);
    c.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(' ready.')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.stderr!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    c.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready: ${out}`));
    });
  });
}

function killed(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve();
    else {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The recipient of message n: two local persons, a group of two, and the person on Mail2. */
function recipientOf(n: number): string {
  return ['jane.doe@acme.example', 'john.smith@acme.example', 'sales@acme.example', 'anna.berg@acme.example'][
    n % 4
  ]!;
}

/** Every Subject found in the mail files and the spool, with where it was. */
async function findSubjects(): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  const note = (subject: string, where: string) => {
    const set = found.get(subject) ?? new Set<string>();
    set.add(where);
    found.set(subject, set);
  };
  for (const mailFile of ['jdoe.nsf', 'jsmith.nsf']) {
    const folder = join(data, 'mailfiles', 'mail', mailFile);
    const files = await readdir(folder).catch(() => [] as string[]);
    for (const f of files) {
      assert.ok(!f.endsWith('.tmp'), `temporary file left in ${folder}: ${f}`);
      if (f.endsWith('.eml'))
        assert.ok(files.includes(`${f.slice(0, -4)}.json`), `${f} has no document after recovery`);
      if (!f.endsWith('.json')) continue;
      const doc = JSON.parse(await readFile(join(folder, f), 'utf8')) as {
        items: { name: string; value: unknown }[];
        raw: string;
      };
      const subject = doc.items.find((i) => i.name === 'Subject')?.value;
      const raw = await readFile(join(folder, doc.raw), 'latin1');
      assert.match(raw, /\r\n\r\nThe quick brown fox/, `raw message of ${f} is whole`);
      if (typeof subject === 'string') note(subject, mailFile);
    }
  }
  const spool = join(data, 'spool', 'Mail2_Acme');
  for (const f of await readdir(spool).catch(() => [] as string[])) {
    assert.ok(!f.endsWith('.tmp'), `temporary file left in the spool: ${f}`);
    if (!f.endsWith('.eml')) continue;
    const subject = /\r\nSubject: ([^\r]*)\r\n/.exec(await readFile(join(spool, f), 'latin1'))?.[1];
    if (subject !== undefined) note(subject, 'spool:Mail2_Acme');
  }
  return found;
}

describe('crash safety', () => {
  it(`every message that got a 250 survives ${KILLS} SIGKILLs during ${MESSAGES} deliveries from ${CLIENTS} clients`, {
    timeout: 120_000,
  }, async (t) => {
    data = await mkdtemp(join(tmpdir(), 'gateway-crash-'));
    const port = await freePort();
    child = await startChild(port);

    let seed = 20261121;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const queue = Array.from({ length: MESSAGES }, (_v, i) => i);
    const acked = new Set<number>();
    let attempts = 0;
    let interrupted = 0;

    const worker = async () => {
      for (;;) {
        const n = queue.shift();
        if (n === undefined) return;
        attempts++;
        assert.ok(attempts < MESSAGES * 20, 'too many attempts: the gateway does not come back');
        let ok = false;
        try {
          const { client, greeting } = await SmtpTestClient.open(port, { timeoutMs: 5000 });
          if (greeting.code === 220) {
            await client.command('EHLO crash.test');
            const to = recipientOf(n);
            const reply = await client.send(
              'load@outside.example',
              [to],
              testMessage('load@outside.example', to, `crash-${n}`, 2048),
            );
            ok = reply.code === 250;
            if (ok) acked.add(n);
          }
          await client.quit();
        } catch {
          interrupted++;
        }
        if (!ok && !acked.has(n)) {
          queue.push(n);
          // While the gateway restarts (about 2 s on a loaded machine) the attempt bound must
          // measure a gateway that does not come back, not the machine's load.
          await sleep(100);
        }
      }
    };

    const killer = async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(150 + Math.floor(random() * 400));
        if (queue.length === 0 && acked.size === MESSAGES) break;
        await killed(child!);
        child = await startChild(port);
      }
    };

    await Promise.all([killer(), ...Array.from({ length: CLIENTS }, worker)]);
    // Keep delivering until everything is acknowledged (the killer may end first).
    await Promise.all(Array.from({ length: CLIENTS }, worker));
    assert.equal(acked.size, MESSAGES);
    await killed(child!);
    // A last restart: recovery removes temporary files of the last crash.
    child = await startChild(port);
    await killed(child);

    const found = await findSubjects();
    const missing: string[] = [];
    for (const n of acked) {
      const where = found.get(`crash-${n}`) ?? new Set<string>();
      const expected =
        n % 4 === 0
          ? ['jdoe.nsf']
          : n % 4 === 1
            ? ['jsmith.nsf']
            : n % 4 === 2
              ? ['jdoe.nsf', 'jsmith.nsf']
              : ['spool:Mail2_Acme'];
      for (const e of expected) if (!where.has(e)) missing.push(`crash-${n} not in ${e}`);
    }
    t.diagnostic(`attempts ${attempts}, interrupted transactions ${interrupted}, acknowledged ${acked.size}`);
    assert.deepEqual(missing, []);
    assert.ok(interrupted > 0, 'no transaction was interrupted: the kills missed the traffic');
  });
});
