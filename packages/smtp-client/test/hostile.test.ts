/**
 * Hostile and broken servers on 127.0.0.1: each misbehaviour ends in a typed transient or
 * permanent result per recipient, within the timeouts, never a throw or a hang.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTransferAgent, type DeliveryResult, type OutboundEnvelope } from '../src/index.js';
import { type Got, goodServer, type Peer, type ScriptServer, scriptServer } from './peer.js';

const FAST = {
  connectMs: 1000,
  tlsHandshakeMs: 500,
  greetingMs: 500,
  mailMs: 500,
  rcptMs: 500,
  dataInitiationMs: 500,
  dataBlockMs: 500,
  dataTerminationMs: 500,
};
const ENV: OutboundEnvelope = { mailFrom: 'a@sender.example', recipients: [{ address: 'b@rcpt.example' }] };
const MSG = 'Subject: t\r\n\r\nhello\r\n';

const servers: ScriptServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function via(
  script: (p: Peer, i: number) => Promise<void>,
  envelope: OutboundEnvelope = ENV,
  message: string | Uint8Array = MSG,
): Promise<{ result: DeliveryResult; ms: number; server: ScriptServer }> {
  const server = await scriptServer(script);
  servers.push(server);
  const agent = createTransferAgent({ timeouts: FAST, heloName: 'client.example' });
  const t0 = Date.now();
  const result = await agent.deliverVia(
    { host: '127.0.0.1', port: server.port, tls: 'none' },
    envelope,
    message,
  );
  const ms = Date.now() - t0;
  await agent.close();
  return { result, ms, server };
}

function only(result: DeliveryResult) {
  assert.equal(result.recipients.length, 1);
  return result.recipients[0];
}

async function greetAndEhlo(
  p: Peer,
  keywords = ['PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME'],
): Promise<void> {
  p.write('220 hostile.example ESMTP\r\n');
  await p.line();
  if (keywords.length === 0) {
    p.write('250 hostile.example\r\n');
    return;
  }
  p.write(
    `250-hostile.example\r\n${keywords.map((k, i) => `250${i === keywords.length - 1 ? ' ' : '-'}${k}\r\n`).join('')}`,
  );
}

describe('hostile servers', () => {
  it('delivers to a good server, with pipelining (MAIL held until every RCPT arrived)', async () => {
    const got: Got[] = [];
    const env: OutboundEnvelope = {
      mailFrom: 'a@sender.example',
      recipients: [{ address: 'b@rcpt.example' }, { address: 'c@rcpt.example' }],
    };
    const { result } = await via((p) => goodServer(p, got, { pipelineCheck: 2 }), env);
    assert.deepEqual(
      result.recipients.map((r) => r.outcome),
      ['delivered', 'delivered'],
    );
    assert.equal(result.queueId, 'ABC123');
    assert.equal(result.recipients[0].reason.code, 'DELIVERED');
    assert.equal(result.recipients[0].reply?.code, 250);
    assert.equal(got.length, 1);
    assert.equal(got[0].body.toString(), `${MSG}.\r\n`);
    assert.match(got[0].mail, /^MAIL FROM:<a@sender\.example> SIZE=\d+$/);
  });

  it('garbage instead of a greeting: transient SMTP_PROTOCOL', async () => {
    const { result } = await via(async (p) => {
      p.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      await p.line();
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.code, 'SMTP_PROTOCOL');
  });

  it('an endless multi-line reply: stopped at the line limit', async () => {
    const { result } = await via(async (p) => {
      p.write('220-hello\r\n');
      for (let i = 0; i < 100_000 && !p.closed; i++) {
        p.write('220-more and more and more text\r\n');
        if (i % 500 === 0) await new Promise((r) => setImmediate(r));
      }
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.code, 'SMTP_PROTOCOL');
    assert.match(r.reason.message, /lines/);
  });

  it('a reply line over 4 KB is refused; one under 4 KB is read', async () => {
    const long = await via(async (p) => {
      p.write(`220 ${'x'.repeat(5000)}\r\n`);
      await p.line();
    });
    assert.equal(only(long.result).reason.code, 'SMTP_PROTOCOL');
    assert.match(only(long.result).reason.message, /longer than 4096/);
    const got: Got[] = [];
    const ok = await via(async (p) => {
      p.write(`220-${'y'.repeat(4000)}\r\n`);
      await goodServer(p, got);
    });
    assert.equal(only(ok.result).outcome, 'delivered');
  });

  it('a line that never ends is cut at the limit, not buffered for ever', async () => {
    const { result } = await via(async (p) => {
      for (let i = 0; i < 1000 && !p.closed; i++) {
        p.write('z'.repeat(1000));
        await new Promise((r) => setImmediate(r));
      }
    });
    assert.equal(only(result).reason.code, 'SMTP_PROTOCOL');
  });

  it('replies sent one octet at a time', async () => {
    const got: Got[] = [];
    const { result } = await via(async (p) => {
      const orig = p.write.bind(p);
      let queue = Promise.resolve();
      p.write = (data: string | Buffer) => {
        const s = data.toString();
        queue = queue.then(async () => {
          for (const ch of s) {
            orig(ch);
            await new Promise((r) => setTimeout(r, 1));
          }
        });
      };
      await goodServer(p, got);
    });
    assert.equal(only(result).outcome, 'delivered');
    assert.equal(result.queueId, 'ABC123');
  });

  it('connection dropped after MAIL: transient, not delivered', async () => {
    const { result } = await via(async (p) => {
      await greetAndEhlo(p, []);
      await p.line();
      p.destroy();
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.code, 'SMTP_CONNECTION_LOST');
  });

  it('connection dropped during DATA: transient', async () => {
    const { result } = await via(
      async (p) => {
        await greetAndEhlo(p, []);
        await p.line();
        p.write('250 ok\r\n');
        await p.line();
        p.write('250 ok\r\n');
        await p.line();
        p.write('354 go\r\n');
        await p.octets(1000);
        p.destroy();
      },
      ENV,
      `Subject: big\r\n\r\n${'line of text\r\n'.repeat(200_000)}`,
    );
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.match(r.reason.code, /SMTP_CONNECTION_LOST|SMTP_TIMEOUT/);
  });

  it('a 552 sent during DATA before the server closes decides the outcome (permanent)', async () => {
    const { result } = await via(
      async (p) => {
        await greetAndEhlo(p, []);
        await p.line();
        p.write('250 ok\r\n');
        await p.line();
        p.write('250 ok\r\n');
        await p.line();
        p.write('354 go\r\n');
        await p.octets(1000);
        p.write('552 5.3.4 message too big\r\n');
        p.destroy();
      },
      ENV,
      `Subject: big\r\n\r\n${'line of text\r\n'.repeat(400_000)}`,
    );
    const r = only(result);
    assert.equal(r.outcome, 'permanent', r.reason.message);
    assert.equal(r.reply?.enhanced, '5.3.4');
  });

  it('connection dropped before the final reply: transient, not delivered', async () => {
    const { result } = await via(async (p) => {
      await greetAndEhlo(p, []);
      await p.line();
      p.write('250 ok\r\n');
      await p.line();
      p.write('250 ok\r\n');
      await p.line();
      p.write('354 go\r\n');
      await p.until('\r\n.\r\n');
      p.destroy();
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.code, 'SMTP_CONNECTION_LOST');
  });

  for (const at of ['greeting', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'final'] as const) {
    it(`421 at ${at}: transient SMTP_SERVICE_CLOSING`, async () => {
      const { result } = await via(async (p) => {
        const close = (): void => {
          p.write('421 4.3.2 closing\r\n');
          p.end();
        };
        if (at === 'greeting') return close();
        p.write('220 x\r\n');
        await p.line();
        if (at === 'EHLO') return close();
        p.write('250 x\r\n');
        await p.line();
        if (at === 'MAIL') return close();
        p.write('250 ok\r\n');
        await p.line();
        if (at === 'RCPT') return close();
        p.write('250 ok\r\n');
        await p.line();
        if (at === 'DATA') return close();
        p.write('354 go\r\n');
        await p.until('\r\n.\r\n');
        close();
      });
      const r = only(result);
      assert.equal(r.outcome, 'transient');
      assert.equal(r.reason.code, 'SMTP_SERVICE_CLOSING', r.reason.message);
      assert.equal(r.reply?.code ?? r.reason.reply?.code, 421);
    });
  }

  it('a 554 greeting (no service here) is not a bounce: transient', async () => {
    const { result } = await via(async (p) => {
      p.write('554 5.3.2 no SMTP service here\r\n');
      await p.line().catch(() => undefined);
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.temporary, true);
    assert.equal(r.reply?.code, 554);
  });

  it('a server that never answers: SMTP_TIMEOUT within the greeting timeout', async () => {
    const { result, ms } = await via(async (p) => {
      await p.line().catch(() => undefined);
    });
    const r = only(result);
    assert.equal(r.reason.code, 'SMTP_TIMEOUT');
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  it('a server that goes silent after RCPT (pipelined replies missing): SMTP_TIMEOUT', async () => {
    const { result } = await via(async (p) => {
      await greetAndEhlo(p);
      await p.line();
      p.write('250 2.1.0 ok\r\n'); // MAIL only; the RCPT reply never comes
      await p.line().catch(() => undefined);
      await p.line().catch(() => undefined);
    });
    const r = only(result);
    assert.equal(r.outcome, 'transient');
    assert.equal(r.reason.code, 'SMTP_TIMEOUT');
  });

  it('some recipients accepted, some refused: a result each', async () => {
    const got: Got[] = [];
    const env: OutboundEnvelope = {
      mailFrom: 'a@sender.example',
      recipients: [
        { address: 'ok@rcpt.example' },
        { address: 'no@rcpt.example' },
        { address: 'later@rcpt.example' },
      ],
    };
    const { result } = await via(
      (p) =>
        goodServer(p, got, {
          rcpt: (l) =>
            l.includes('no@')
              ? '550 5.1.1 no such user\r\n'
              : l.includes('later@')
                ? '452 4.2.2 mailbox full\r\n'
                : '250 2.1.5 ok\r\n',
        }),
      env,
    );
    assert.deepEqual(
      result.recipients.map((r) => [r.address, r.outcome, r.reply?.code, r.reply?.enhanced]),
      [
        ['ok@rcpt.example', 'delivered', 250, '2.0.0'],
        ['no@rcpt.example', 'permanent', 550, '5.1.1'],
        ['later@rcpt.example', 'transient', 452, '4.2.2'],
      ],
    );
    assert.equal(got[0].rcpts.length, 3);
  });

  it('every recipient refused: no DATA is sent', async () => {
    const got: Got[] = [];
    const { result, server } = await via((p) => goodServer(p, got, { rcpt: () => '550 5.1.1 no\r\n' }));
    assert.equal(only(result).outcome, 'permanent');
    assert.equal(got.length, 0);
    await server.settled();
    assert.ok(!server.peers[0].lines.includes('DATA'));
  });

  it('replies out of order: a 354 where the MAIL reply belongs is not taken for success', async () => {
    const { result } = await via(async (p) => {
      await greetAndEhlo(p);
      await p.line();
      await p.line();
      p.write('354 go ahead\r\n250 ok\r\n');
      await p.line().catch(() => undefined);
    });
    const r = only(result);
    assert.notEqual(r.outcome, 'delivered');
  });

  it('a flood of unsolicited replies is cut off', async () => {
    const { result } = await via(async (p) => {
      p.write('220 x\r\n');
      await p.line();
      for (let i = 0; i < 5000 && !p.closed; i++) p.write('250 ok\r\n');
      await p.line().catch(() => undefined);
    });
    assert.notEqual(only(result).outcome, 'delivered');
  });

  it('permanent 5xx at MAIL: every recipient permanent with the reply', async () => {
    const { result } = await via(async (p) => {
      await greetAndEhlo(p);
      await p.line();
      await p.line();
      p.write('550 5.7.1 sender rejected\r\n503 5.5.1 no MAIL\r\n');
      await p.line().catch(() => undefined);
    });
    const r = only(result);
    assert.equal(r.outcome, 'permanent');
    assert.equal(r.reply?.enhanced, '5.7.1');
  });

  it('a final 5xx after DATA is permanent; a final 4xx transient', async () => {
    const got: Got[] = [];
    const perm = await via((p) => goodServer(p, got, { final: '554 5.6.0 content rejected\r\n' }));
    assert.equal(only(perm.result).outcome, 'permanent');
    const temp = await via((p) => goodServer(p, got, { final: '451 4.3.0 try later\r\n' }));
    assert.equal(only(temp.result).outcome, 'transient');
  });

  it('an AbortSignal ends a stalled delivery at once', async () => {
    const server = await scriptServer(async (p) => {
      p.write('220 x\r\n');
      await p.line().catch(() => undefined);
    });
    servers.push(server);
    const agent = createTransferAgent({ heloName: 'c' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const result = await agent.deliverVia({ host: '127.0.0.1', port: server.port, tls: 'none' }, ENV, MSG, {
      signal: ac.signal,
    });
    assert.equal(only(result).reason.code, 'SMTP_ABORTED');
    assert.ok(Date.now() - t0 < 2000);
    await agent.close();
  });

  it('the overall deadline ends a delivery', async () => {
    const server = await scriptServer(async (p) => {
      p.write('220 x\r\n');
      await p.line().catch(() => undefined);
    });
    servers.push(server);
    const agent = createTransferAgent({ heloName: 'c', deadlineMs: 150 });
    const result = await agent.deliverVia({ host: '127.0.0.1', port: server.port, tls: 'none' }, ENV, MSG);
    assert.equal(only(result).reason.code, 'SMTP_DEADLINE');
    assert.equal(only(result).outcome, 'transient');
    await agent.close();
  });

  it('a refused connection: transient SMTP_CONNECT_FAILED', async () => {
    const server = await scriptServer(async () => {});
    const port = server.port;
    await server.close();
    const agent = createTransferAgent({ heloName: 'c' });
    const result = await agent.deliverVia({ host: '127.0.0.1', port, tls: 'none' }, ENV, MSG);
    assert.equal(only(result).reason.code, 'SMTP_CONNECT_FAILED');
    await agent.close();
  });

  it('bad configuration (port out of range, unreadable client certificate) is a result, not a throw', async () => {
    const agent = createTransferAgent({
      heloName: 'c',
      timeouts: FAST,
      tls: { cert: 'not a certificate', key: 'not a key' },
    });
    const bad = await agent.deliverVia({ host: '127.0.0.1', port: 70000, tls: 'none' }, ENV, MSG);
    assert.equal(only(bad).reason.code, 'SMTP_CONNECT_FAILED');
    const server = await scriptServer(async (p) => {
      await greetAndEhlo(p, ['STARTTLS']);
      await p.line();
      p.write('220 go ahead\r\n');
      await p.line().catch(() => undefined);
    });
    servers.push(server);
    const tls = await agent.deliverVia({ host: '127.0.0.1', port: server.port, tls: 'starttls' }, ENV, MSG);
    assert.equal(only(tls).reason.code, 'SMTP_TLS_FAILED');
    await agent.close();
  });

  it('an address with a line break is refused, never written (no command injection)', async () => {
    const got: Got[] = [];
    const env: OutboundEnvelope = {
      mailFrom: 'a@sender.example',
      recipients: [{ address: 'b@rcpt.example>\r\nRCPT TO:<evil@x.example' }, { address: 'ok@rcpt.example' }],
    };
    const { result, server } = await via((p) => goodServer(p, got), env);
    assert.deepEqual(
      result.recipients.map((r) => [r.outcome, r.reason.code]),
      [
        ['permanent', 'SMTP_BAD_ADDRESS'],
        ['delivered', 'DELIVERED'],
      ],
    );
    await server.settled();
    assert.ok(!server.peers[0].lines.some((l) => l.includes('evil')));
    assert.deepEqual(got[0].rcpts, ['RCPT TO:<ok@rcpt.example>']);
    const bad = await via((p) => goodServer(p, []), { mailFrom: 'a b@x', recipients: [{ address: 'c@d' }] });
    assert.equal(only(bad.result).reason.code, 'SMTP_BAD_ADDRESS');
    assert.equal(only(bad.result).reason.reply?.enhanced, '5.1.7');
  });

  it('a message source that fails mid-stream drops the connection: transient, not delivered', async () => {
    const got: Got[] = [];
    const server = await scriptServer((p) => goodServer(p, got, { ehlo: ['PIPELINING'] }));
    servers.push(server);
    const agent = createTransferAgent({ timeouts: FAST, heloName: 'c' });
    const result = await agent.deliverVia(
      { host: '127.0.0.1', port: server.port, tls: 'none' },
      { ...ENV, body: '7BIT' },
      async function* () {
        yield Buffer.from('Subject: x\r\n\r\nfirst part\r\n');
        throw new Error('disk gone');
      },
    );
    assert.equal(only(result).reason.code, 'SMTP_MESSAGE_READ_FAILED');
    assert.equal(only(result).outcome, 'transient');
    assert.equal(got.length, 0);
    await agent.close();
  });
});
