/**
 * The operator's view through the command line (issue 17): a message from the null sender that
 * fails at the next hop (Mail2 stands in as an aiosmtpd server answering 550) gets a failure
 * report that is DEAD (`RouterDSNForNULLReversePath=0`, the default); `queue list --state dead`
 * shows it, `queue show` its recipient and reply, `queue release` sends it on (to the postmaster,
 * Jane Doe) and `queue delete` removes another; `track` shows the original's path and the 550;
 * `queue hold` and `queue reroute` on a waiting message; `status` shows show stat Mail; bad
 * commands get clear errors, and a data directory without a gateway says so.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@mailroute/test-support';
import {
  cli,
  documents,
  hasAiosmtpd,
  message,
  queueIdOf,
  sendBatch,
  startRulesGateway,
  type TestGateway,
} from './rules-setup.js';
import { PYTHON, sinkMessages, smtplibSkip, waitFor } from './tools.js';

const REJECTING = `
import sys, time
from aiosmtpd.controller import Controller
class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return '550 5.1.1 No such user here'
c = Controller(Handler(), hostname='127.0.0.1', port=int(sys.argv[1]))
c.start()
print('ready', flush=True)
while True:
    time.sleep(1)
`;

const skip =
  smtplibSkip ||
  (hasAiosmtpd || process.env['CI']
    ? false
    : 'python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)');

let t: TestGateway;
let mail2: ChildProcess | undefined;

before(async () => {
  if (skip) return;
  const mail2Port = await freePort();
  mail2 = spawn(PYTHON, ['-c', REJECTING, String(mail2Port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  mail2.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  await waitFor(async () => (out.includes('ready') ? true : undefined), 'aiosmtpd ready', 20_000);
  t = await startRulesGateway([], (g) => {
    g['captureSink'] = { port: 2526, host: '127.0.0.1', hosts: ['sink.acme.example'] };
    g['router'] = { ...(g['router'] as object), smtpPorts: { 'mail2.acme.example': mail2Port } };
  });
});
after(async () => {
  await t?.close();
  mail2?.kill('SIGKILL');
});

/** The dead reports in mail.box, by queue id, from `queue list --state dead --json`. */
async function deadIds(): Promise<string[]> {
  const r = await cli(t.data, ['queue', 'list', '--state', 'dead', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { id: string }[]).map((m) => m.id);
}

/** Sends a null-sender message to Anna (on Mail2, which refuses) and waits for its dead report. */
async function deadReportFor(subject: string): Promise<{ original: string; report: string }> {
  const known = new Set(await deadIds());
  const [reply] = await sendBatch(t.port, [
    {
      from: '',
      to: ['anna.berg@acme.example'],
      message: message({ subject, from: 'mailer-daemon@outside.example', to: 'anna.berg@acme.example' }),
    },
  ]);
  const original = queueIdOf(reply!);
  const report = await waitFor(
    async () => (await deadIds()).find((id) => !known.has(id)),
    `the dead report of ${subject}`,
  );
  return { original, report };
}

describe('held and dead mail through the command line', { skip }, () => {
  it('a null-sender message that fails becomes DEAD mail; queue list/show; release sends it to the postmaster', async () => {
    const { original, report } = await deadReportFor('null sender 1');
    const list = await cli(t.data, ['queue', 'list', '--state', 'dead']);
    assert.match(list.stdout, new RegExp(`^${report} .* from <> .*\\(delivery report\\)`, 'm'));
    assert.match(list.stdout, /1 message\(s\) with a dead recipient in mail\.box/);
    const show = await cli(t.data, ['queue', 'show', report]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /\[0\] .* DEAD/);
    const status = await waitFor(async () => {
      const s = await cli(t.data, ['status']);
      return /Mail\.Dead = 1\b/.test(s.stdout) ? s.stdout : undefined;
    }, 'Mail.Dead = 1 in status');
    assert.match(
      status,
      /Router \(show stat Mail\):\n {2}Mail\.Waiting = \d+\n {2}Mail\.Delivered = \d+\n {2}Mail\.Transferred = \d+\n {2}Mail\.TransferFailures = \d+\n {2}Mail\.Dead = 1\n {2}Mail\.Held = 0/,
    );
    // The original's path: queued to Mail2, the 550 from it, the report created dead.
    const track = await cli(t.data, ['track', original]);
    assert.equal(track.code, 0, track.stderr);
    assert.match(track.stdout, new RegExp(`${original} queued anna\\.berg@acme\\.example -> server:`));
    assert.match(
      track.stdout,
      new RegExp(
        `${original} attempt anna\\.berg@acme\\.example -> server:\\S+ failed "550 5\\.1\\.1 No such user here"`,
      ),
    );
    assert.match(track.stdout, new RegExp(`${original} report .*\\(dead\\)`));
    const byMessageId = await cli(t.data, ['track', `<rules-${process.pid}-1@test.example>`]);
    // The same path found by the Message-ID (the first message this test file sent).
    assert.equal(byMessageId.code, 0, byMessageId.stderr);
    assert.match(byMessageId.stdout, new RegExp(`${original} attempt anna\\.berg@acme\\.example`));
    // Release: the report goes on to the Router's postmaster (postmaster@<host name>: outside the
    // local Internet domains, so out through the relay host, the capture sink).
    const released = await cli(t.data, ['queue', 'release', report]);
    assert.equal(released.code, 0, released.stderr);
    const sent = await waitFor(async () => {
      const all = await sinkMessages(join(t.data, 'sink'));
      return all.find((m) => m.envelope.recipients.includes('postmaster@mail1.acme.example'));
    }, `report ${report} at the sink`);
    assert.match(sent.raw.toString('latin1'), /Status: 5\.1\.1/);
    const tracked = await cli(t.data, ['track', report]);
    assert.match(tracked.stdout, new RegExp(`${report} released`));
    assert.match(
      tracked.stdout,
      new RegExp(`${report} attempt postmaster@mail1\\.acme\\.example -> \\S+ transferred`),
    );
    assert.ok(!(await deadIds()).includes(report));
  });

  it('queue delete removes dead mail (no report), and queue show then says there is none', async () => {
    const { report } = await deadReportFor('null sender 2');
    const deleted = await cli(t.data, ['queue', 'delete', report]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`deleted ${report} from mail\\.box`));
    assert.ok(!(await deadIds()).includes(report));
    const show = await cli(t.data, ['queue', 'show', report]);
    assert.equal(show.code, 1);
    assert.match(show.stderr, new RegExp(`no message ${report} in mail\\.box`));
    const again = await cli(t.data, ['queue', 'delete', report]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /MAILBOX_NOT_FOUND/);
  });

  it('queue on a stopped gateway works on its mail.box under the lock; released mail goes at the next start', async () => {
    const held = await startRulesGateway([
      { name: 'hold all', when: [{ field: 'allDocuments' }], action: { type: 'hold' } },
    ]);
    try {
      const [reply] = await sendBatch(held.port, [
        {
          from: 'someone@outside.example',
          to: ['jane.doe@acme.example'],
          message: message({ subject: 'offline release' }),
        },
      ]);
      const id = queueIdOf(reply!);
      await held.stop();
      const list = await cli(held.data, ['queue', 'list', '--state', 'held']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stderr, /the gateway is not running: working on .*mail\.box directly/);
      assert.match(list.stdout, new RegExp(`^${id} `, 'm'));
      const released = await cli(held.data, ['queue', 'release', id]);
      assert.equal(released.code, 0, released.stderr);
      assert.match(released.stdout, /\[0\] jane\.doe@acme\.example -> delivery {2}WAITING/);
      // The lock was given back: the gateway starts, and delivers what was released.
      await held.restart();
      await waitFor(
        async () => (await documents(held.data, 'mail', 'jdoe.nsf')).find((d) => d.id === id),
        `${id} delivered after the restart`,
      );
    } finally {
      await held.close();
    }
  });

  it('bad arguments and a data directory without a gateway get clear errors', async () => {
    const bad = await cli(t.data, ['queue', 'list', '--state', 'lost']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /state: one of waiting, in-flight, held, dead/);
    const noId = await cli(t.data, ['queue', 'release']);
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /usage: queue list/);
    const badIndex = await cli(t.data, ['queue', 'hold', 'X1', '--index', 'two']);
    assert.equal(badIndex.code, 2);
    const empty = await mkdtemp(join(tmpdir(), 'gw-none-'));
    try {
      const none = await cli(empty, ['queue', 'list']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no gateway is running with the data directory/);
      const track = await cli(empty, ['track', 'X1']);
      assert.equal(track.code, 1);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
