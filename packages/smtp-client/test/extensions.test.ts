/**
 * The extensions as the server offers them: HELO fallback, SIZE, 8BITMIME, SMTPUTF8, DSN,
 * CHUNKING/BDAT, RSET between messages on one session, AUTH and STARTTLS.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLineLogger, type LogRecord } from '@mailroute/envelope';
import { parseMessage } from '@mailroute/itemizer';
import { connect, createTransferAgent, type OutboundEnvelope } from '../src/index.js';
import {
  FULL_EHLO,
  type Got,
  goodServer,
  type Peer,
  type ScriptServer,
  scriptServer,
  testCert,
} from './peer.js';

const ENV: OutboundEnvelope = { mailFrom: 'a@sender.example', recipients: [{ address: 'b@rcpt.example' }] };
const MSG = 'Subject: t\r\n\r\nhello\r\n.leading dot\r\n';
const servers: ScriptServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serve(script: (p: Peer, i: number) => Promise<void>): Promise<ScriptServer> {
  const s = await scriptServer(script);
  servers.push(s);
  return s;
}

async function deliver(port: number, envelope = ENV, message: string | Uint8Array = MSG, extra = {}) {
  const agent = createTransferAgent({ heloName: 'client.example', timeouts: { greetingMs: 2000 }, ...extra });
  const result = await agent.deliverVia({ host: '127.0.0.1', port, tls: 'none' }, envelope, message);
  await agent.close();
  return result;
}

describe('extensions', () => {
  it('falls back to HELO when EHLO is not known, and uses no extension', async () => {
    const got: Got[] = [];
    const s = await serve(async (p) => {
      p.write('220 old\r\n');
      assert.match(await p.line(), /^EHLO client\.example$/);
      p.write('500 5.5.1 what?\r\n');
      await goodServer(
        {
          ...p,
          write: (d: string | Buffer) => {
            if (!String(d).startsWith('220 ')) p.write(d);
          },
          line: () => p.line(),
          until: (m: string) => p.until(m),
          octets: (n: number) => p.octets(n),
          end: () => p.end(),
        } as unknown as Peer,
        got,
      );
    });
    const r = await deliver(s.port);
    assert.equal(r.recipients[0].outcome, 'delivered');
    assert.equal(got[0].mail, 'MAIL FROM:<a@sender.example>');
    assert.ok(s.peers[0].lines.includes('HELO client.example'));
    // Dot-stuffing on the wire.
    assert.equal(got[0].body.toString(), 'Subject: t\r\n\r\nhello\r\n..leading dot\r\n.\r\n');
  });

  it('SMTPUTF8 needed and not offered: permanent 5.6.7 without a MAIL command', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING', '8BITMIME'] }));
    const r = await deliver(s.port, {
      mailFrom: 'a@sender.example',
      recipients: [{ address: 'jöran@rcpt.example' }],
    });
    assert.equal(r.recipients[0].outcome, 'permanent');
    assert.equal(r.recipients[0].reason.code, 'SMTP_UTF8_UNSUPPORTED');
    assert.equal(r.recipients[0].reason.reply?.enhanced, '5.6.7');
    await s.settled();
    assert.ok(!s.peers[0].lines.some((l) => l.startsWith('MAIL')));
  });

  it('SMTPUTF8 offered: MAIL carries SMTPUTF8 and the UTF-8 address goes as is', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got));
    const r = await deliver(s.port, {
      mailFrom: 'a@sender.example',
      recipients: [{ address: 'jöran@bücher.example' }],
    });
    assert.equal(r.recipients[0].outcome, 'delivered');
    assert.match(got[0].mail, / SMTPUTF8/);
    assert.equal(got[0].rcpts[0], 'RCPT TO:<jöran@bücher.example>');
  });

  it('8-bit content and no 8BITMIME: converted to 7 bit by the itemizer (RFC 6152 3), never sent raw', async () => {
    const msg = Buffer.from(
      'From: a@sender.example\r\nTo: b@rcpt.example\r\nSubject: Grüße\r\nDate: Wed, 2 Dec 2026 04:00:00 +0000\r\n' +
        'Message-ID: <x@sender.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        'Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n',
    );
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING'] }));
    const r = await deliver(s.port, ENV, msg);
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    assert.equal(got.length, 1);
    assert.ok(!got[0].body.some((b) => b > 127), 'no 8-bit octet on the wire');
    assert.ok(!got[0].mail.includes('BODY='));
    const back = await parseMessage(got[0].body.subarray(0, got[0].body.length - 3));
    assert.equal(back.text('Subject'), 'Grüße');
    assert.equal(back.parts()[0]?.text, 'Grüße aus Köln\r\n');
    // Conversion off: transient, nothing sent.
    const got2: Got[] = [];
    const s2 = await serve((p) => goodServer(p, got2, { ehlo: ['PIPELINING'] }));
    const r2 = await deliver(s2.port, ENV, msg, { maxDowngradeBytes: 0 });
    assert.equal(r2.recipients[0].outcome, 'transient');
    assert.equal(r2.recipients[0].reason.code, 'SMTP_8BIT_UNSUPPORTED');
    assert.equal(got2.length, 0);
    // With 8BITMIME: as is, BODY=8BITMIME.
    const got3: Got[] = [];
    const s3 = await serve((p) => goodServer(p, got3));
    const r3 = await deliver(s3.port, ENV, msg);
    assert.equal(r3.recipients[0].outcome, 'delivered');
    assert.match(got3[0].mail, / BODY=8BITMIME/);
    assert.ok(got3[0].body.includes(Buffer.from('Grüße aus Köln')));
  });

  it('8-bit detection reads a stream when the body type is not given', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING'] }));
    const r = await deliver(
      s.port,
      ENV,
      async function* () {
        yield Buffer.from('Subject: x\r\n\r\n');
        yield Buffer.from('caf\xc3\xa9\r\n', 'latin1');
      } as never,
      { maxDowngradeBytes: 0 },
    );
    assert.equal(r.recipients[0].reason.code, 'SMTP_8BIT_UNSUPPORTED');
  });

  it('a message over the declared SIZE fails permanently before MAIL', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING', 'SIZE 100'] }));
    const r = await deliver(s.port, ENV, `Subject: x\r\n\r\n${'a'.repeat(200)}\r\n`);
    assert.equal(r.recipients[0].outcome, 'permanent');
    assert.equal(r.recipients[0].reason.code, 'SMTP_SIZE_EXCEEDED');
    assert.equal(r.recipients[0].reason.reply?.enhanced, '5.3.4');
    await s.settled();
    assert.ok(!s.peers[0].lines.some((l) => l.startsWith('MAIL')));
  });

  it('DSN offered: RET, ENVID, NOTIFY and ORCPT (xtext) go on; not offered: dsnRelayed', async () => {
    const env: OutboundEnvelope = {
      mailFrom: 'a@sender.example',
      ret: 'HDRS',
      envid: 'QQ 314+1',
      recipients: [
        { address: 'b@rcpt.example', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;b+x@rcpt.example' },
      ],
    };
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got));
    const r = await deliver(s.port, env);
    assert.equal(r.recipients[0].dsnRelayed, undefined);
    assert.match(got[0].mail, / RET=HDRS ENVID=QQ\+20314\+2B1$/);
    assert.equal(
      got[0].rcpts[0],
      'RCPT TO:<b@rcpt.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@rcpt.example',
    );
    const got2: Got[] = [];
    const s2 = await serve((p) => goodServer(p, got2, { ehlo: ['PIPELINING'] }));
    const r2 = await deliver(s2.port, env);
    assert.equal(r2.recipients[0].outcome, 'delivered');
    assert.equal(r2.recipients[0].dsnRelayed, true);
    assert.equal(got2[0].rcpts[0], 'RCPT TO:<b@rcpt.example>');
  });

  it('CHUNKING: BDAT in chunks, no dot-stuffing, line ends made CRLF; a 3 MB stream arrives whole', async () => {
    const got: Got[] = [];
    const s = await serve((p) => goodServer(p, got, { ehlo: [...FULL_EHLO, 'CHUNKING'] }));
    const line = 'x'.repeat(70);
    const big = async function* () {
      yield Buffer.from('Subject: big\n\n.dot\r\n');
      for (let i = 0; i < 3 * 1024; i++) yield Buffer.from(`${line}\r\n`.repeat(14));
    };
    const r = await deliver(s.port, { ...ENV, body: '7BIT' }, big as never);
    assert.equal(r.recipients[0].outcome, 'delivered');
    assert.equal(r.queueId, 'BDAT42');
    const body = got[0].body;
    assert.ok(body.subarray(0, 22).equals(Buffer.from('Subject: big\r\n\r\n.dot\r\n')));
    assert.equal(body.length, 22 + 3 * 1024 * 14 * 72);
    await s.settled();
    assert.ok(s.peers[0].lines.filter((l) => l.startsWith('BDAT')).length > 2);
  });

  it('two messages on one pooled session, RSET after a refused transaction', async () => {
    const got: Got[] = [];
    let n = 0;
    const s = await serve((p) =>
      goodServer(p, got, {
        rcpt: (l) => (l.includes('bad@') && n++ === 0 ? '550 5.1.1 no\r\n' : '250 2.1.5 ok\r\n'),
      }),
    );
    const agent = createTransferAgent({ heloName: 'c' });
    const hop = { host: '127.0.0.1', port: s.port, tls: 'none' as const };
    const r1 = await agent.deliverVia(
      hop,
      { mailFrom: 'a@x.example', recipients: [{ address: 'bad@y.example' }] },
      MSG,
    );
    const r2 = await agent.deliverVia(hop, ENV, MSG);
    const r3 = await agent.deliverVia(hop, ENV, MSG);
    assert.equal(r1.recipients[0].outcome, 'permanent');
    assert.equal(r2.recipients[0].outcome, 'delivered');
    assert.equal(r3.recipients[0].outcome, 'delivered');
    await agent.close();
    await s.settled();
    assert.equal(s.peers.length, 1, 'one session for three messages');
    const verbs = s.peers[0].lines.map((l) => l.split(' ')[0]);
    assert.deepEqual(verbs, [
      'EHLO',
      'MAIL',
      'RCPT',
      'RSET',
      'MAIL',
      'RCPT',
      'DATA',
      'MAIL',
      'RCPT',
      'DATA',
      'QUIT',
    ]);
  });

  it('AUTH is refused on plaintext unless allowed; PLAIN, LOGIN and CRAM-MD5 work; secrets are not logged', async () => {
    for (const mech of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
      const seen: string[] = [];
      const s = await serve(async (p) => {
        p.write('220 x\r\n');
        await p.line();
        p.write(`250-x\r\n250 AUTH ${mech}\r\n`);
        const first = await p.line();
        if (first === 'QUIT') {
          p.write('221 bye\r\n');
          return;
        }
        if (mech === 'PLAIN') seen.push(Buffer.from(first.split(' ')[2], 'base64').toString());
        else if (mech === 'LOGIN') {
          p.write('334 VXNlcm5hbWU6\r\n');
          seen.push(Buffer.from(await p.line(), 'base64').toString());
          p.write('334 UGFzc3dvcmQ6\r\n');
          seen.push(Buffer.from(await p.line(), 'base64').toString());
        } else {
          p.write(`334 ${Buffer.from('<1896.697170952@postoffice.reston.mci.net>').toString('base64')}\r\n`);
          seen.push(Buffer.from(await p.line(), 'base64').toString());
        }
        p.write('235 2.7.0 ok\r\n');
        await p.line();
        p.write('221 bye\r\n');
      });
      const records: LogRecord[] = [];
      const logger = createLineLogger((r) => records.push(r), 'debug');
      const refused = await connect({ host: '127.0.0.1', port: s.port, logger, debug: 1 });
      assert.ok(refused.ok);
      await refused.value.ehlo('c');
      const no = await refused.value.auth({ user: 'tim', pass: 'tanstaaftanstaaf' });
      assert.equal(no.ok, false);
      await refused.value.quit();
      const c = await connect({
        host: '127.0.0.1',
        port: s.port,
        allowPlaintextAuth: true,
        logger,
        debug: 1,
      });
      assert.ok(c.ok);
      await c.value.ehlo('c');
      const yes = await c.value.auth({ user: 'tim', pass: 'tanstaaftanstaaf' });
      assert.ok(yes.ok, mech);
      assert.ok(c.value.authenticated);
      await c.value.quit();
      if (mech === 'PLAIN') assert.deepEqual(seen, ['\0tim\0tanstaaftanstaaf']);
      if (mech === 'LOGIN') assert.deepEqual(seen, ['tim', 'tanstaaftanstaaf']);
      // RFC 2195's example.
      if (mech === 'CRAM-MD5') assert.deepEqual(seen, ['tim b913a602c7eda7a495b4e6e7334d3890']);
      const logged = JSON.stringify(records);
      assert.ok(records.length > 4);
      assert.ok(!logged.includes('tanstaaf'), 'password not logged');
      assert.ok(
        !logged.includes(Buffer.from('\0tim\0tanstaaftanstaaf').toString('base64')),
        'PLAIN blob not logged',
      );
    }
  });

  it('relay host authentication Required / Enabled / Disabled', async () => {
    const auth = (mode: 'required' | 'enabled' | 'disabled') => ({ user: 'u', pass: 'p', mode });
    const run = async (mode: 'required' | 'enabled' | 'disabled') => {
      const got: Got[] = [];
      // Offers AUTH but refuses every attempt (502 from the good server).
      const s = await serve((p) => goodServer(p, got, { ehlo: ['PIPELINING', 'AUTH PLAIN'] }));
      const agent = createTransferAgent({ heloName: 'c', allowPlaintextAuth: true });
      const r = await agent.deliverVia(
        { host: '127.0.0.1', port: s.port, tls: 'none', auth: auth(mode) },
        ENV,
        MSG,
      );
      await agent.close();
      await s.settled();
      return { r: r.recipients[0], lines: s.peers[0].lines };
    };
    const required = await run('required');
    assert.equal(required.r.reason.code, 'SMTP_AUTH_FAILED');
    assert.equal(required.r.outcome, 'transient');
    assert.ok(!required.lines.some((l) => l.startsWith('MAIL')));
    const enabled = await run('enabled');
    assert.equal(enabled.r.outcome, 'delivered', 'Enabled: a refused AUTH goes on unauthenticated');
    assert.ok(enabled.lines.some((l) => l.startsWith('AUTH PLAIN')));
    const disabled = await run('disabled');
    assert.equal(disabled.r.outcome, 'delivered');
    assert.ok(!disabled.lines.some((l) => l.startsWith('AUTH')));
  });

  it('STARTTLS: negotiated, then EHLO again; required and not offered: SMTP_TLS_REQUIRED', async () => {
    const cert = testCert();
    const got: Got[] = [];
    const s = await serve(async (p) => {
      p.write('220 x\r\n');
      await p.line();
      p.write('250-x\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
      assert.equal(await p.line(), 'STARTTLS');
      p.write('220 2.0.0 go ahead\r\n');
      await p.startTls(cert);
      const ehlo = await p.line();
      assert.match(ehlo, /^EHLO /);
      p.write('250-x\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
      // The rest as a good server, without a second greeting.
      const orig = p.write.bind(p);
      p.write = (d: string | Buffer) => {
        if (!String(d).startsWith('220 test')) orig(d);
      };
      await goodServer(p, got);
    });
    const agent = createTransferAgent({ heloName: 'c' });
    const r = await agent.deliverVia({ host: '127.0.0.1', port: s.port }, ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    assert.equal(got.length, 1);
    await agent.close();

    const plain = await serve((p) => goodServer(p, [], { ehlo: ['PIPELINING'] }));
    const agent2 = createTransferAgent({ heloName: 'c' });
    const r2 = await agent2.deliverVia({ host: '127.0.0.1', port: plain.port, tls: 'starttls' }, ENV, MSG);
    assert.equal(r2.recipients[0].reason.code, 'SMTP_TLS_REQUIRED');
    assert.equal(r2.recipients[0].outcome, 'transient');
    await agent2.close();
  });

  it('TLS handshake fails or stalls: SMTP_TLS_FAILED; with ROUTERFALLBACKNONTLS the same host in plaintext', async () => {
    const got: Got[] = [];
    const script = (stall: boolean) => async (p: Peer, i: number) => {
      if (i > 0) return goodServer(p, got, { ehlo: ['PIPELINING', 'STARTTLS'] });
      p.write('220 x\r\n');
      await p.line();
      p.write('250-x\r\n250 STARTTLS\r\n');
      await p.line();
      p.write('220 go ahead\r\n');
      if (!stall) p.write('this is not a TLS server hello\r\n\r\n\r\n');
      await p.line().catch(() => undefined);
    };
    for (const stall of [false, true]) {
      const s = await serve(script(stall));
      const agent = createTransferAgent({ heloName: 'c', timeouts: { tlsHandshakeMs: 300 } });
      const r = await agent.deliverVia({ host: '127.0.0.1', port: s.port }, ENV, MSG);
      assert.equal(
        r.recipients[0].reason.code,
        'SMTP_TLS_FAILED',
        `stall=${stall}: ${r.recipients[0].reason.message}`,
      );
      assert.equal(r.recipients[0].outcome, 'transient');
      await agent.close();
      const s2 = await serve(script(stall));
      const fallback = createTransferAgent({
        heloName: 'c',
        timeouts: { tlsHandshakeMs: 300 },
        fallbackNonTls: true,
      });
      const r2 = await fallback.deliverVia({ host: '127.0.0.1', port: s2.port }, ENV, MSG);
      assert.equal(r2.recipients[0].outcome, 'delivered', r2.recipients[0].reason.message);
      await fallback.close();
    }
  });

  it('certificate verification: a self-signed certificate fails under verify, passes with its CA', async () => {
    const cert = testCert();
    const script = async (p: Peer) => {
      p.write('220 x\r\n');
      await p.line();
      p.write('250-x\r\n250 STARTTLS\r\n');
      await p.line();
      p.write('220 go ahead\r\n');
      await p.startTls(cert).catch(() => undefined);
      await p.line();
      p.write('250 x\r\n');
      await p.line();
      p.write('221 bye\r\n');
    };
    const s = await serve(script);
    const bad = await connect({ host: '127.0.0.1', port: s.port, tls: { certificates: 'verify' } });
    assert.ok(bad.ok);
    await bad.value.ehlo('c');
    const t = await bad.value.startTls();
    assert.equal(t.ok, false);
    if (!t.ok) assert.equal(t.reason.code, 'SMTP_TLS_FAILED');
    const good = await connect({
      host: '127.0.0.1',
      port: s.port,
      servername: 'localhost',
      tls: { certificates: 'verify', ca: cert.cert },
    });
    assert.ok(good.ok);
    await good.value.ehlo('c');
    const t2 = await good.value.startTls();
    assert.ok(t2.ok, t2.ok ? '' : t2.reason.message);
    assert.equal(good.value.tls?.authorized, true);
    await good.value.quit();
  });
});
