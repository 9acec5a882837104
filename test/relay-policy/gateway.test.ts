/**
 * The policy wired into @mailroute/smtp-server the way a gateway does it: the backend calls the
 * gatherer per stage (connect, MAIL, RCPT, end of DATA) and answers with the decision's reply.
 * DNS is the kit's fake zone (`@mailroute/testing`), the directory a fake handed in through the
 * policy's interface; the client is nodemailer over loopback, with and without AUTH.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import {
  compilePolicy,
  createPolicyGatherer,
  DnsListStatistics,
  type PolicyDirectory,
  type PolicyItem,
  type SessionFacts,
} from '@mailroute/relay-policy';
import { type Backend, createSmtpServer, type SmtpServer } from '@mailroute/smtp-server';
import { createFakeZone } from '@mailroute/testing';
import nodemailer from 'nodemailer';

/**
 * The DNS the gateway sees, as the kit's fake zone: loopback's PTR is confirmed forward, every
 * *.test domain exists (through the MX-less address fallback), and bl.test lists everyone.
 */
const zone = createFakeZone({
  '127.0.0.1': { PTR: ['localhost.outside.test'] },
  'localhost.outside.test': { A: ['127.0.0.1'] },
  'outside.test': { A: ['192.0.2.1'] }, // above a declared name: declared, or the wildcard would not reach it
  '*.test': { A: ['192.0.2.1'] },
  '*.bl.test': { A: ['127.0.0.2'] },
});
const dns = zone.policyDns();
const directory: PolicyDirectory = {
  findRecipient: async (address) => (address.toLowerCase() === 'jane@acme.test' ? 'found' : 'not-found'),
  findInternetAddress: async (user) =>
    user === 'jane' ? { result: 'found', address: 'jane@acme.test' } : { result: 'none' },
};

const { policy, problems } = compilePolicy(
  {
    localInternetDomains: ['acme.test'],
    relay: { denyTo: ['*'], authenticatedUsers: 'exempt' },
    sender: { verifyDomain: true },
    recipient: { verifyLocal: true },
    dnsBlacklist: { enabled: true, sites: ['bl.test'], action: 'tag' },
    verifyAuthenticatedSender: 1,
  },
  { directory },
);
const gatherer = createPolicyGatherer({ policy, dns });
const statistics = new DnsListStatistics();
const delivered: { to: string[]; items: readonly PolicyItem[] }[] = [];

/** The gateway's backend: one facts object per session, replaced when AUTH succeeds. */
const backend: Backend = {
  async connect(info) {
    const { facts, decision } = await gatherer.connect({ ip: info.remoteAddress });
    statistics.record(decision);
    if (decision.action === 'reject' || decision.action === 'tempfail') return decision.reply;
    let session: SessionFacts = facts;
    const items = decision.items;
    return {
      auth: (credentials) => {
        const ok = credentials.username === 'jane' && credentials.password === 'secret';
        if (ok) session = { ...session, authenticatedUser: 'jane' };
        return ok;
      },
      mailFrom: async (from) => (await gatherer.mailFrom(session, from)).decision.reply,
      rcptTo: async (to) => (await gatherer.rcptTo(session, to)).decision.reply,
      data: async (message, envelope) => {
        let text = '';
        for await (const chunk of message) text += chunk.toString('latin1');
        const from = /^From: (.*)$/m.exec(text)?.[1]?.trim();
        const { decision } = await gatherer.message(session, { from: from === undefined ? [] : [from] });
        if (decision.action !== 'accept' && decision.action !== 'tag') return decision.reply;
        delivered.push({
          to: envelope.recipients.map((r) =>
            r.path.kind === 'mailbox' ? r.path.mailbox.address : 'postmaster',
          ),
          items,
        });
        return Replies.messageAccepted(envelope.id);
      },
    };
  },
};

let server: SmtpServer;
let port = 0;
before(async () => {
  assert.deepEqual(problems, []);
  server = createSmtpServer(
    {
      hostname: 'mx.acme.test',
      listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }],
      allowInsecureAuth: true,
      errorLimit: policy.settings.errorLimit,
    },
    backend,
  );
  port = (await server.listen())[0].port;
});
after(async () => {
  await server?.close({ deadline: 1000 });
});

function transport(auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    ...(auth ? { auth } : {}),
  });
}

describe('relay-policy behind @mailroute/smtp-server', () => {
  it('an anonymous client reaches the local user; relays and unknown users are refused', async () => {
    const t = transport();
    const info = await t.sendMail({
      from: 'someone@outside.test',
      to: ['jane@acme.test', 'nobody@acme.test', 'x@elsewhere.test', 'x%elsewhere.test@acme.test'],
      subject: 'hi',
      text: 'hello',
    });
    t.close();
    assert.deepEqual(info.accepted, ['jane@acme.test']);
    assert.deepEqual([...info.rejected].sort(), [
      'nobody@acme.test',
      'x%elsewhere.test@acme.test',
      'x@elsewhere.test',
    ]);
    assert.deepEqual(delivered.at(-1), {
      to: ['jane@acme.test'],
      items: [{ name: '$DNSBLSite', value: 'bl.test' }],
    });
    assert.equal(statistics.snapshot()['SMTP.DNSBL.bl.test.TotalHits'] >= 1, true);
  });
  it('an authenticated user may relay (exempt) but only from her own address', async () => {
    const t = transport({ user: 'jane', pass: 'secret' });
    const ok = await t.sendMail({
      from: 'jane@acme.test',
      to: ['x@elsewhere.test'],
      subject: 'out',
      text: 'hello',
    });
    assert.deepEqual(ok.accepted, ['x@elsewhere.test']);
    await assert.rejects(
      t.sendMail({ from: 'boss@acme.test', to: ['x@elsewhere.test'], subject: 'spoof', text: 'hello' }),
      (error: Error & { responseCode?: number; response?: string }) =>
        error.responseCode === 550 &&
        /failed to match directory address jane@acme\.test/.test(error.response ?? ''),
    );
    t.close();
  });
  it('a sender domain that does not exist is refused at MAIL FROM', async () => {
    const t = transport();
    await assert.rejects(
      t.sendMail({ from: 'a@ghost.invalid', to: ['jane@acme.test'], subject: 'x', text: 'x' }),
      (error: Error & { responseCode?: number }) => error.responseCode === 553,
    );
    t.close();
  });
});
