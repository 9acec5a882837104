/**
 * The command line as a user runs it: `start` in a child process (prints where it listens,
 * stops gracefully on SIGTERM with its final figures), `status`, `explain` and `check-config`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SmtpTestClient, testMessage } from './smtp-client.js';
import { EXAMPLE_CONFIG, GATEWAY_MAIN, run, waitFor } from './tools.js';

const dirs: string[] = [];
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gateway-cli-'));
  dirs.push(d);
  return d;
}
/** Gateways started by a test: killed at the end even when the test failed half-way. */
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** `start` in a child process on a free port; `port()` waits for it to be ready. */
function startCli(data: string) {
  const child = spawn(
    process.execPath,
    [GATEWAY_MAIN, 'start', '--data', data, '--port', '0', '--submission-port', 'off', '--sink-port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => out,
    async port(): Promise<number> {
      const deadline = Date.now() + 20_000;
      while (!out.includes(' ready.') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/listening: smtp on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      assert.ok(port > 0, out);
      return port;
    },
  };
}

describe('mailroute-gateway command line', () => {
  it('start prints where it listens and how to stop; SIGTERM closes gracefully with the final figures', {
    timeout: 30_000,
  }, async () => {
    const data = await temp();
    const child = spawn(
      process.execPath,
      [GATEWAY_MAIN, 'start', '--data', data, '--port', '0', '--submission-port', '0', '--sink-port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes(' ready.') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /ready\. Stop with Ctrl-C \(SIGINT\) or SIGTERM/);
    assert.match(out, /dkim: created development key rsa2026\._domainkey\.acme\.example \(rsa 2048\)/);
    const port = Number(/listening: smtp on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    assert.ok(port > 0, out);

    const submission = Number(/listening: submission on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    assert.ok(submission > 0, out);
    const sub = await SmtpTestClient.open(submission);
    await sub.client.command('EHLO cli.test');
    const early = await sub.client.command('MAIL FROM:<jane.doe@acme.example>');
    assert.equal(early.code, 530, 'submission requires AUTH before MAIL');
    await sub.client.quit();

    const { client } = await SmtpTestClient.open(port);
    await client.command('EHLO cli.test');
    const reply = await client.send(
      'a@outside.example',
      ['jane.doe@acme.example'],
      testMessage('a@outside.example', 'jane.doe@acme.example', 'cli', 500),
    );
    assert.equal(reply.code, 250, reply.text);
    await client.quit();
    // The Router delivers after the 250.
    const id = /id (\w+)/.exec(reply.text)?.[1];
    await waitFor(
      () =>
        readFile(join(data, 'mailfiles', 'mail', 'jdoe.nsf', `${id}.json`), 'utf8').catch(() => undefined),
      'the delivery',
    );

    const status = await run(process.execPath, [GATEWAY_MAIN, 'status', '--data', data]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /mailroute gateway Mail1\/Acme \(mail1\.acme\.example\), pid \d+: running/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.match(out, /SIGTERM: closing gracefully/);
    assert.match(out, /messages accepted \(in mail.box before the 250\): 1\n/);
    assert.match(out, /Mail\.Delivered = 1\n/);
    const saved = JSON.parse(await readFile(join(data, 'status.json'), 'utf8')) as {
      state: string;
      router: { statistics: Record<string, number>; messages: number };
    };
    assert.equal(saved.state, 'stopped');
    assert.equal(saved.router.statistics['Mail.Delivered'], 1);
    assert.equal(saved.router.messages, 0);
    const after = await run(process.execPath, [GATEWAY_MAIN, 'status', '--data', data]);
    assert.match(after.stdout, /: not running\n/);
  });

  it('a second start on the same data directory refuses, naming the first; the first keeps its mail', {
    timeout: 60_000,
  }, async () => {
    const data = await temp();
    const first = startCli(data);
    const port = await first.port();
    // Clients keep delivering while the second instance tries to start.
    const acknowledged: string[] = [];
    let sending = true;
    const load = (async () => {
      const { client } = await SmtpTestClient.open(port);
      await client.command('EHLO cli.test');
      for (let i = 0; sending && i < 2000; i++) {
        const reply = await client.send(
          'a@outside.example',
          ['jane.doe@acme.example'],
          testMessage('a@outside.example', 'jane.doe@acme.example', `load ${i}`, 2000),
        );
        assert.equal(reply.code, 250, reply.text);
        acknowledged.push(/id (\w+)/.exec(reply.text)?.[1] ?? '');
      }
      await client.quit();
    })();
    while (acknowledged.length < 3) await new Promise((r) => setTimeout(r, 20));
    const second = await run(process.execPath, [
      GATEWAY_MAIN,
      'start',
      '--data',
      data,
      '--port',
      '0',
      '--submission-port',
      'off',
      '--sink-port',
      '0',
    ]);
    sending = false;
    await load;
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`data directory .* is in use by process ${first.child.pid} `));
    assert.doesNotMatch(second.stdout, /listening|recovery/);
    // Every message the first acknowledged is delivered whole (the Router delivers after the 250):
    // its message and its document.
    const folder = join(data, 'mailfiles', 'mail', 'jdoe.nsf');
    await waitFor(async () => {
      const names = new Set(await readdir(folder).catch(() => [] as string[]));
      return acknowledged.every((id) => names.has(`${id}.eml`) && names.has(`${id}.json`)) ? true : undefined;
    }, `all ${acknowledged.length} acknowledged messages in ${folder}`);
    assert.equal(await readFile(join(data, 'gateway.lock'), 'utf8'), `${first.child.pid}\n`);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    await assert.rejects(readFile(join(data, 'gateway.lock')), /ENOENT/, 'a graceful stop releases the lock');
    // The lock of a gateway that was killed (SIGKILL) is stale: the next start takes it over.
    const killed = startCli(data);
    await killed.port();
    killed.child.kill('SIGKILL');
    await killed.exited;
    const next = startCli(data);
    await next.port();
    assert.equal(await readFile(join(data, 'gateway.lock'), 'utf8'), `${next.child.pid}\n`);
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0, next.output());
  });

  it('explain prints the trace and the route without a server', async () => {
    const r = await run(process.execPath, [
      GATEWAY_MAIN,
      'explain',
      '--ip',
      '127.0.0.1',
      '--from',
      'a@outside.example',
      '--rcpt',
      'jane@acme-corp.example',
      '--rcpt',
      'x@partner.example',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /route: deliver to mail file mail\/jdoe\.nsf/);
    assert.match(r.stdout, /rcpt: reject -> 554 5\.7\.1 Relay rejected for policy reasons\./);
  });

  it('check-config names every error with its file and field and exits 2; usage errors exit 2', async () => {
    const config = await temp();
    await cp(EXAMPLE_CONFIG, config, { recursive: true });
    await writeFile(
      join(config, 'gateway.json'),
      JSON.stringify({ hostname: 'x', thisServer: 'CN=Mail1/O=Acme', port: 99999 }),
    );
    const r = await run(process.execPath, [GATEWAY_MAIN, 'check-config', '--config', config]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /config error: gateway\.json: port: must be a whole number from 0 to 65535, got 99999/,
    );
    const ok = await run(process.execPath, [GATEWAY_MAIN, 'check-config']);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await run(process.execPath, [GATEWAY_MAIN, 'start', '--port', 'x']);
    assert.equal(bad.code, 2);
    const unknown = await run(process.execPath, [GATEWAY_MAIN, 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});
