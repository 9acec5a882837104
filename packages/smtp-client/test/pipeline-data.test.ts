/**
 * `pipelineData`: DATA in the same PIPELINING group as MAIL and RCPT (RFC 2920 3.1). The default
 * keeps DATA until a recipient is accepted; with the option the group carries DATA, a refusal of
 * every recipient leaves no message (the server's 554, or a closed session when a server answers
 * 354 anyway), and CHUNKING still goes by BDAT.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTransferAgent, type OutboundEnvelope } from '../src/index.js';
import { type Got, goodServer, type Peer, type ScriptServer, scriptServer } from './peer.js';

const ENV: OutboundEnvelope = {
  mailFrom: 'a@sender.example',
  recipients: [{ address: 'b@rcpt.example' }, { address: 'c@rcpt.example' }],
};
const MSG = 'Subject: t\r\n\r\nhello\r\n';
const servers: ScriptServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serve(script: (p: Peer, i: number) => Promise<void>): Promise<ScriptServer> {
  const s = await scriptServer(script);
  servers.push(s);
  return s;
}

async function deliver(port: number, pipelineData: boolean, envelope = ENV) {
  const agent = createTransferAgent({
    heloName: 'client.example',
    timeouts: { greetingMs: 2000 },
    pipelineData,
  });
  const result = await agent.deliverVia({ host: '127.0.0.1', port, tls: 'none' }, envelope, MSG);
  await agent.close();
  return result;
}

/** The chunk that carried MAIL FROM: the commands the client sent in one group. */
function groupWithMail(p: Peer): string {
  return p.chunks.find((c) => c.includes('MAIL FROM')) ?? '';
}

/** A server that answers the EHLO, then the group as `answer` says, and records what it read. */
function scripted(answer: (p: Peer) => Promise<void>) {
  return async (p: Peer) => {
    p.write('220 test.example ESMTP\r\n');
    await p.line();
    p.write('250-test.example\r\n250 PIPELINING\r\n');
    await answer(p);
  };
}

describe('pipelineData', () => {
  it('off (the default): DATA waits for the RCPT replies', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING'] }));
    const r = await deliver(s.port, false);
    assert.deepEqual(
      r.recipients.map((x) => x.outcome),
      ['delivered', 'delivered'],
    );
    assert.ok(!groupWithMail(s.peers[0]!).includes('DATA'));
  });

  it('on: MAIL, RCPT and DATA in one group, the message delivered once', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING'] }));
    const r = await deliver(s.port, true);
    assert.deepEqual(
      r.recipients.map((x) => x.outcome),
      ['delivered', 'delivered'],
    );
    assert.match(
      groupWithMail(s.peers[0]!),
      /^MAIL FROM:<a@sender\.example>\r\nRCPT TO:<b@rcpt\.example>\r\nRCPT TO:<c@rcpt\.example>\r\nDATA\r\n$/,
    );
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), `${MSG}.\r\n`);
    assert.equal(r.queueId, 'ABC123');
  });

  it('on: one recipient refused, the other delivered', async () => {
    const got: Got[] = [];
    const s = await serve((p) =>
      goodServer(p, got, {
        ehlo: ['PIPELINING'],
        rcpt: (l) => (l.includes('c@') ? '550 5.1.1 no such user\r\n' : '250 2.1.5 Ok\r\n'),
      }),
    );
    const r = await deliver(s.port, true);
    assert.deepEqual(
      r.recipients.map((x) => `${x.outcome} ${x.reply?.code}`),
      ['delivered 250', 'permanent 550'],
    );
    assert.equal(got.length, 1);
  });

  it('on: every recipient refused, DATA refused with 554: no message data sent', async () => {
    const s = await serve(
      scripted(async (p) => {
        for (const l of [await p.line(), await p.line(), await p.line(), await p.line()]) {
          if (l.startsWith('MAIL')) p.write('250 2.1.0 Ok\r\n');
          else if (l.startsWith('RCPT')) p.write('550 5.1.1 no such user\r\n');
          else if (l === 'DATA') p.write('554 5.5.1 Error: no valid recipients\r\n');
        }
        for (;;) {
          const l = await p.line();
          p.write(l === 'QUIT' ? '221 bye\r\n' : '250 Ok\r\n');
          if (l === 'QUIT') break;
        }
      }),
    );
    const r = await deliver(s.port, true);
    assert.deepEqual(
      r.recipients.map((x) => `${x.outcome} ${x.reply?.code}`),
      ['permanent 550', 'permanent 550'],
    );
    assert.ok(!s.peers[0]!.lines.some((l) => l.startsWith('Subject')));
  });

  it('on: every recipient refused and a 354 anyway (against RFC 2920): no data, the session is closed', async () => {
    const s = await serve(
      scripted(async (p) => {
        for (const l of [await p.line(), await p.line(), await p.line(), await p.line()]) {
          if (l.startsWith('MAIL')) p.write('250 2.1.0 Ok\r\n');
          else if (l.startsWith('RCPT')) p.write('550 5.1.1 no such user\r\n');
          else if (l === 'DATA') p.write('354 go ahead\r\n');
        }
        await p.line().catch(() => undefined);
      }),
    );
    const r = await deliver(s.port, true);
    assert.deepEqual(
      r.recipients.map((x) => x.outcome),
      ['permanent', 'permanent'],
    );
    await s.settled();
    assert.equal(s.peers[0]!.lines.length, 5, `nothing after DATA: ${s.peers[0]!.lines.join(' | ')}`);
    assert.ok(s.peers[0]!.closed);
  });

  it('on, with CHUNKING offered: BDAT, no DATA', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING', 'CHUNKING'] }));
    const r = await deliver(s.port, true);
    assert.deepEqual(
      r.recipients.map((x) => x.outcome),
      ['delivered', 'delivered'],
    );
    assert.ok(!s.peers[0]!.lines.includes('DATA'));
    assert.ok(s.peers[0]!.lines.some((l) => l.startsWith('BDAT')));
  });
});
