/**
 * The gateway's sender-authentication adapter over the dns package's static transport, the
 * Authentication-Results / Received-SPF fields it writes, and the quarantine verdict.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthenticationResults } from '@mailroute/auth';
import { createResolver, createStaticTransport } from '@mailroute/dns';
import type { MailRulesVerdict } from '@mailroute/router';
import {
  authResultsOf,
  createInboundAuthentication,
  DMARC_QUARANTINE_RULE,
  quarantineVerdict,
  withAuthenticationFields,
} from '../src/inbound-auth.js';

const resolver = createResolver({
  transport: createStaticTransport({
    'pass.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    '_dmarc.reject.example': { TXT: ['v=DMARC1; p=reject'] },
    'down.example': { fail: 'SERVFAIL' },
  }),
  retryCount: 1,
  retryBaseWaitMs: 20,
});
const auth = createInboundAuthentication({ resolver, receiver: 'mx.test' });
const msg = (head: string) => Buffer.from(`${head}Subject: t\r\n\r\nbody\r\n`);

describe('createInboundAuthentication', () => {
  it('SPF: the result with the Received-SPF value; a DNS failure is temperror', async () => {
    const pass = await auth.checkSpf({
      ip: '192.0.2.7',
      helo: 'mx.pass.example',
      mailFrom: 'a@pass.example',
    });
    assert.equal(pass.result, 'pass');
    assert.equal(pass.identity, 'mailfrom');
    assert.match(
      pass.receivedSpf ?? '',
      /^pass \(.*\) client-ip=192\.0\.2\.7; envelope-from="?a@pass\.example"?;/,
    );
    const fail = await auth.checkSpf({ ip: '198.51.100.1', helo: 'x', mailFrom: 'a@pass.example' });
    assert.equal(fail.result, 'fail');
    const down = await auth.checkSpf({ ip: '192.0.2.7', helo: 'x', mailFrom: 'a@down.example' });
    assert.equal(down.result, 'temperror');
    const bounce = await auth.checkSpf({ ip: '192.0.2.7', helo: 'pass.example', mailFrom: '' });
    assert.deepEqual([bounce.identity, bounce.result], ['helo', 'pass']);
  });

  it('DMARC: an unsigned message from a p=reject domain fails; no single From is permerror', async () => {
    const r = await auth.checkMessage({
      message: msg('From: ceo@reject.example\r\n'),
      dkim: true,
      dmarc: true,
      spf: { result: 'pass', identity: 'mailfrom', domain: 'pass.example' },
    });
    assert.deepEqual(r.dkim, []);
    assert.deepEqual(
      [r.dmarc?.result, r.dmarc?.policy, r.dmarc?.disposition, r.dmarc?.fromDomain],
      ['fail', 'reject', 'reject', 'reject.example'],
    );
    for (const head of ['', 'From: a@reject.example\r\nFrom: b@reject.example\r\n', 'From: nobody\r\n']) {
      const none = await auth.checkMessage({ message: msg(head), dkim: true, dmarc: true });
      assert.equal(none.dmarc?.result, 'permerror', head);
      assert.equal(none.dmarc?.disposition, 'none');
    }
  });
});

describe('the fields written on the message', () => {
  it('removes fields claiming our authserv-id, keeps others, writes one of ours (and Received-SPF)', () => {
    const raw = Buffer.from(
      'Received: from x\r\nAuthentication-Results: MX.Test; spf=pass\r\n  smtp.mailfrom=a@b\r\nAuthentication-Results: other.example; dkim=pass\r\nSubject: s\r\n\r\nAuthentication-Results: mx.test; in the body\r\n',
    );
    const results = authResultsOf(
      {
        session: { ip: '192.0.2.7' },
        spf: { result: 'softfail', identity: 'mailfrom', domain: 'b.example' },
        dkim: [{ result: 'fail', domain: 'b.example', selector: 's', reason: 'bad "sig"' }],
        dmarc: { result: 'fail', fromDomain: 'b.example', policy: 'quarantine', disposition: 'quarantine' },
      },
      'a@b.example',
    );
    const out = withAuthenticationFields(
      raw,
      'mx.test',
      results,
      'softfail (x)\r\n client-ip=192.0.2.7;',
    ).toString('latin1');
    const head = out.split('\r\n\r\n')[0]!;
    assert.match(
      head,
      /^Received-SPF: softfail \(x\) client-ip=192\.0\.2\.7;\r\nAuthentication-Results: mx\.test;/,
    );
    assert.equal(head.match(/^Authentication-Results: mx\.test/gim)?.length, 1);
    assert.ok(head.includes('Authentication-Results: other.example; dkim=pass'));
    assert.ok(!head.includes('MX.Test'));
    assert.ok(
      out.endsWith('\r\n\r\nAuthentication-Results: mx.test; in the body\r\n'),
      'the body is untouched',
    );
    const ours = /Authentication-Results: (mx\.test;[\s\S]*?)\r\n(?![ \t])/.exec(head)![1]!;
    const parsed = parseAuthenticationResults(ours);
    assert.ok(parsed.ok, ours);
    assert.deepEqual(
      parsed.value.results.map((r) => [r.method, r.result, r.reason]),
      [
        ['spf', 'softfail', undefined],
        ['dkim', 'fail', 'bad "sig"'],
        ['dmarc', 'fail', 'p=quarantine dis=quarantine'],
      ],
    );
  });

  it('writes nothing new when no check ran, and leaves a message without our fields as it was', () => {
    const raw = Buffer.from('Subject: s\r\n\r\nbody\r\n');
    assert.equal(withAuthenticationFields(raw, 'mx.test', undefined, undefined), raw);
  });
});

describe('quarantineVerdict', () => {
  const base = (disposition: MailRulesVerdict['disposition'], journal = false): MailRulesVerdict => ({
    journal,
    disposition,
    applied: disposition.type === 'route' ? [] : ['admin rule'],
    trace: [],
  });
  it('holds a message no rule decided on, keeping a journal copy a rule asked for', () => {
    assert.deepEqual(quarantineVerdict(undefined).disposition, { type: 'hold', rule: DMARC_QUARANTINE_RULE });
    const journaled = quarantineVerdict(base({ type: 'route' }, true));
    assert.equal(journaled.journal, true);
    assert.equal(journaled.disposition.type, 'hold');
    assert.deepEqual(journaled.applied, [DMARC_QUARANTINE_RULE]);
  });
  it("leaves an administrator's deciding rule in place", () => {
    for (const d of [
      { type: 'hold', rule: 'r' },
      { type: 'move', database: 'mail/q.nsf', rule: 'r' },
      { type: 'dontAccept', rule: 'r' },
    ] as const) {
      const v = base(d);
      assert.equal(quarantineVerdict(v), v);
    }
  });
});
