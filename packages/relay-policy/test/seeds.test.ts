/**
 * The seeds' examples, one by one: seed 003 (precedence with mail.ibm.com / lotus.com,
 * allow-only connections from ibm.com, the DNSBL text, "No such user"), seed 004 (the telnet
 * relay tests of sections 4 and 5, spamme.com in section 9, the authenticated-sender example of
 * section 8) and seed 002 (the open-host and relay-denied conversations, "allow certain internal
 * hosts to relay").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '@mailroute/envelope';
import { compilePolicy, type PolicyConfig, type RelayPolicy, type SessionFacts } from '../src/index.js';
import { host, policyOf, rcpt, rcptDecision } from './helpers.js';

/** Plays a telnet conversation's commands against the policy; returns "code text" per MAIL/RCPT line. */
function converse(policy: RelayPolicy, ip: string, lines: readonly string[]): string[] {
  let session: SessionFacts = { ip, ptr: { result: 'none' } };
  const replies: string[] = [];
  for (const line of lines) {
    const parsed = parseCommand(line);
    assert.ok(parsed.ok, `command ${line} should parse`);
    const cmd = parsed.value;
    if (cmd.verb === 'HELO' || cmd.verb === 'EHLO') session = { ...session, helo: cmd.name };
    else if (cmd.verb === 'MAIL') {
      const d = policy.onMailFrom({ session, sender: cmd.path });
      replies.push(`${d.reply.code} ${d.reply.text}`);
    } else if (cmd.verb === 'RCPT') {
      const d = policy.onRcptTo({ session, recipient: cmd.path });
      replies.push(`${d.reply.code} ${d.reply.text}`);
    }
  }
  return replies;
}

describe('seed 003: SMTPRelayHostsandDomains with mail.ibm.com and lotus.com', () => {
  const base: PolicyConfig = {
    localInternetDomains: ['acme.com'],
    relay: { denyTo: ['lotus.com'], allowFrom: ['mail.ibm.com'] },
  };
  const mailIbm = host('192.0.2.10', 'mail.ibm.com');
  const stranger = host('198.51.100.7', 'relay.stranger.example');
  const table: [precedence: 0 | 1, session: SessionFacts, to: string, code: number][] = [
    [0, mailIbm, '<user@lotus.com>', 250], // "mail.ibm.com can always relay to any destination, including lotus.com"
    [0, mailIbm, '<user@us.lotus.com>', 250],
    [0, mailIbm, '<user@example.org>', 250],
    [0, stranger, '<user@lotus.com>', 554],
    [0, stranger, '<user@example.org>', 554], // allow-from is exclusive
    [1, mailIbm, '<user@lotus.com>', 554], // "mail.ibm.com cannot relay to the denied domain"
    [1, mailIbm, '<user@us.lotus.com>', 554],
    [1, mailIbm, '<user@example.org>', 250],
    [1, stranger, '<user@lotus.com>', 554],
  ];
  for (const [precedence, session, to, code] of table) {
    it(`precedence ${precedence}: ${session.ptr?.result === 'found' ? session.ptr.name : ''} -> ${to} gets ${code}`, () => {
      const policy = policyOf({ ...base, relay: { ...base.relay, precedence } });
      const d = rcptDecision(policy, session, to);
      assert.equal(
        d.reply.code,
        code,
        d.trace.map((s) => `${s.rule}:${s.outcome}:${s.note ?? ''}`).join('\n'),
      );
      assert.equal(d.relay, true);
      if (code === 554) assert.equal(d.reply.text, 'Relay rejected for policy reasons.');
    });
  }
  it('the trace names both entries and the precedence that decided', () => {
    const d = rcptDecision(policyOf(base), mailIbm, '<user@lotus.com>');
    const denyTo = d.trace.find((s) => s.rule === 'relay.denyTo');
    const allowFrom = d.trace.find((s) => s.rule === 'relay.allowFrom');
    const precedence = d.trace.find((s) => s.rule === 'relay.precedence');
    assert.equal(denyTo?.entry, 'lotus.com');
    assert.equal(allowFrom?.entry, 'mail.ibm.com');
    assert.match(precedence?.note ?? '', /SMTPRelayHostsandDomains=0: Allow wins/);
  });
});

describe('seed 003: connection and recipient examples', () => {
  it('allow-only ibm.com accepts us.ibm.com and server.ibm.com and refuses the rest', () => {
    const policy = policyOf({ connection: { allowOnly: ['ibm.com'] } });
    assert.equal(policy.onConnect(host('192.0.2.1', 'us.ibm.com')).action, 'accept');
    assert.equal(policy.onConnect(host('192.0.2.2', 'server.ibm.com')).action, 'accept');
    assert.equal(policy.onConnect(host('192.0.2.3', 'ibm.com')).action, 'accept');
    const refused = policy.onConnect(host('192.0.2.4', 'mail.example.net'));
    assert.equal(refused.action, 'reject');
    assert.equal(refused.reply.code, 554);
    assert.equal(policy.onConnect(host('192.0.2.5')).action, 'reject');
  });
  it('the DNSBL text fills the IP then the site', () => {
    const policy = policyOf({
      dnsBlacklist: {
        enabled: true,
        sites: ['ibmdnsbl.mail-abuse.org'],
        action: 'reject',
        rejectText: 'Your host %s was found in the DNS Blacklist at %s',
      },
    });
    const d = policy.onConnect({
      ip: '127.0.0.2',
      dnsBlacklist: [{ site: 'ibmdnsbl.mail-abuse.org', result: 'listed', codes: ['127.0.0.2'] }],
    });
    assert.equal(d.action, 'reject');
    assert.equal(
      d.reply.text,
      'Your host 127.0.0.2 was found in the DNS Blacklist at ibmdnsbl.mail-abuse.org',
    );
  });
  it('an unknown local user gets 550 bad_user@yourdomain.com... No such user', () => {
    const policy = policyOf({ localInternetDomains: ['yourdomain.com'], recipient: { verifyLocal: true } });
    const session = host('192.0.2.9', 'mx.example.net');
    const d = policy.onRcptTo({
      session,
      recipient: rcpt('<bad_user@yourdomain.com>'),
      directory: 'not-found',
    });
    assert.equal(d.reply.code, 550);
    assert.equal(d.reply.enhanced, '5.1.1');
    assert.equal(d.reply.text, 'bad_user@yourdomain.com... No such user');
    const down = policy.onRcptTo({
      session,
      recipient: rcpt('<bad_user@yourdomain.com>'),
      directory: 'unavailable',
    });
    assert.equal(down.action, 'accept', 'Domino accepts when the directory lookup does not complete');
  });
});

describe('seed 004 sections 4 and 5: the telnet relay test', () => {
  const dialogue = ['helo abc.com', 'mail from:bogus.user@bogus.com', 'rcpt to:john.doe@ibm.com'];
  it('an open server (enforcement None) says Recipient OK to a relay', () => {
    const policy = policyOf({ localInternetDomains: ['acme.com'], relay: { enforcement: 'none' } });
    assert.deepEqual(converse(policy, '10.10.1.8', dialogue), ['250 Sender OK', '250 Recipient OK']);
  });
  it('"*" in both Deny fields closes it: 554 Relay rejected for policy reasons.', () => {
    const policy = policyOf({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], denyFrom: ['*'] },
    });
    assert.deepEqual(converse(policy, '10.10.1.8', dialogue), [
      '250 Sender OK',
      '554 Relay rejected for policy reasons.',
    ]);
    // Local mail still gets through.
    assert.deepEqual(
      converse(policy, '10.10.1.8', [
        'helo abc.com',
        'mail from:bogus.user@bogus.com',
        'rcpt to:john.doe@acme.com',
      ]),
      ['250 Sender OK', '250 Recipient OK'],
    );
  });
});

describe('seed 004 section 9: order of the anti-relay decision, spamme.com', () => {
  const config: PolicyConfig = { localInternetDomains: ['acme.com'], relay: { denyTo: ['spamme.com'] } };
  it('denying spamme.com also denies you.spamme.com', () => {
    const policy = policyOf(config);
    const s = host('198.51.100.1', 'mx.outside.example');
    assert.equal(rcptDecision(policy, s, '<a@spamme.com>').reply.code, 554);
    assert.equal(rcptDecision(policy, s, '<a@you.spamme.com>').reply.code, 554);
    assert.equal(rcptDecision(policy, s, '<a@elsewhere.example>').reply.code, 250);
  });
  it('label-boundary matching (default) does not deny notspamme.com; Domino substring matching does', () => {
    const s = host('198.51.100.1', 'mx.outside.example');
    assert.equal(rcptDecision(policyOf(config), s, '<a@notspamme.com>').reply.code, 250);
    assert.equal(
      rcptDecision(policyOf({ ...config, domainMatch: 'substring' }), s, '<a@notspamme.com>').reply.code,
      554,
    );
  });
  it('step 2-3: a host whose PTR name is in a local domain is internal and exempt under "External hosts"', () => {
    const policy = policyOf({ localInternetDomains: ['acme.com'], relay: { denyTo: ['*'] } });
    const internal = host('10.10.1.20', 'notes1.acme.com');
    assert.equal(rcptDecision(policy, internal, '<a@spamme.com>').reply.code, 250);
    const all = policyOf({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], enforcement: 'all' },
    });
    assert.equal(rcptDecision(all, internal, '<a@spamme.com>').reply.code, 554);
  });
  it('step 4: the exclusion list exempts a host', () => {
    const policy = policyOf({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], enforcement: 'all', exclude: ['[10.10.1.8]'] },
    });
    assert.equal(rcptDecision(policy, host('10.10.1.8'), '<a@spamme.com>').reply.code, 250);
    assert.equal(rcptDecision(policy, host('10.10.1.9'), '<a@spamme.com>').reply.code, 554);
  });
  it('step 5: authenticated users relay only with "Allow all authenticated users to relay"', () => {
    const authed = host('203.0.113.5', undefined, { authenticatedUser: 'John Doe/Acme' });
    const enforce = policyOf({ localInternetDomains: ['acme.com'], relay: { denyTo: ['*'] } });
    assert.equal(rcptDecision(enforce, authed, '<a@spamme.com>').reply.code, 554);
    const exempt = policyOf({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], authenticatedUsers: 'exempt' },
    });
    assert.equal(rcptDecision(exempt, authed, '<a@spamme.com>').reply.code, 250);
    assert.equal(rcptDecision(exempt, host('203.0.113.5'), '<a@spamme.com>').reply.code, 554);
    // An empty user name is no authentication: it must not open the relay.
    const empty = rcptDecision(
      exempt,
      host('203.0.113.5', undefined, { authenticatedUser: '' }),
      '<a@spamme.com>',
    );
    assert.equal(empty.reply.code, 554);
    assert.equal(empty.trace.find((s) => s.rule === 'relay.authenticatedUsers')?.outcome, 'skipped');
  });
});

describe('seed 004 section 8: SMTPVerifyAuthenticatedSender', () => {
  const policy = policyOf({ localInternetDomains: ['acme.com'], verifyAuthenticatedSender: 1 });
  const session = host('10.10.1.8', undefined, { authenticatedUser: 'John Doe/Acme' });
  const directory = { result: 'found', address: 'John.Doe@acme.com' } as const;
  it('From John@acme.com is refused with Domino console words', () => {
    const d = policy.onMessage({ session, from: ['John@acme.com'], authenticatedAddress: directory });
    assert.equal(d.action, 'reject');
    assert.equal(d.reply.code, 550);
    assert.match(
      d.reply.text,
      /Authenticated user John Doe\/Acme from host 10\.10\.1\.8 sending mail from John@acme\.com failed to match directory address John\.Doe@acme\.com/,
    );
  });
  it('From john.doe@ACME.com matches (case-insensitive)', () => {
    assert.equal(
      policy.onMessage({ session, from: ['"John Doe" <john.doe@ACME.com>'], authenticatedAddress: directory })
        .action,
      'accept',
    );
  });
  it('Sender is checked instead of From when present', () => {
    assert.equal(
      policy.onMessage({
        session,
        sender: ['John.Doe@acme.com'],
        from: ['boss@acme.com'],
        authenticatedAddress: directory,
      }).action,
      'accept',
    );
    assert.equal(
      policy.onMessage({
        session,
        sender: ['boss@acme.com'],
        from: ['John.Doe@acme.com'],
        authenticatedAddress: directory,
      }).action,
      'reject',
    );
  });
  it('a multi-address From is refused with a clear reason', () => {
    const d = policy.onMessage({
      session,
      from: ['John.Doe@acme.com', 'other@acme.com'],
      authenticatedAddress: directory,
    });
    assert.equal(d.action, 'reject');
    assert.match(d.reply.text, /From holds 2 addresses; only a single address can be verified/);
  });
  it('off (0, the default) or unauthenticated sessions are not checked', () => {
    assert.equal(policyOf({}).onMessage({ session, from: ['x@y.example'] }).action, 'accept');
    assert.equal(policy.onMessage({ session: host('10.10.1.8'), from: ['x@y.example'] }).action, 'accept');
  });
});

describe('seed 002: relay races', () => {
  const xyz: PolicyConfig = { localInternetDomains: ['mail.xyz.com'] };
  const lines = (to: string) => ['HELO testing.com', 'MAIL FROM:<test_user@testing.com>', `RCPT TO:<${to}>`];
  it('Figure 1: an open host (R5 carried forward, enforcement None) takes any recipient', () => {
    const open = policyOf({ ...xyz, relay: { enforcement: 'none' } });
    assert.deepEqual(converse(open, '192.168.100.1', lines('actual_user@mail.xyz.com.com')), [
      '250 Sender OK',
      '250 Recipient OK',
    ]);
  });
  it('Figure 2: relays denied with "*" get 554 Relay rejected for policy reasons.', () => {
    const closed = policyOf({ ...xyz, relay: { denyTo: ['*'] } });
    assert.deepEqual(converse(closed, '192.168.100.1', lines('relay_test@fakecompany.com')), [
      '250 Sender OK',
      '554 Relay rejected for policy reasons.',
    ]);
    assert.deepEqual(converse(closed, '192.168.100.1', lines('actual_user@mail.xyz.com')), [
      '250 Sender OK',
      '250 Recipient OK',
    ]);
  });
  it('internal hosts allowed to relay override the deny-all; others stay refused', () => {
    const policy = policyOf({ ...xyz, relay: { denyTo: ['*'], allowFrom: ['[192.168.1.*]'] } });
    assert.equal(rcptDecision(policy, host('192.168.1.44'), '<a@fakecompany.com>').reply.code, 250);
    assert.equal(rcptDecision(policy, host('192.168.2.44'), '<a@fakecompany.com>').reply.code, 554);
  });
  it('with only relay hosts listed, the deny is not necessary: only they relay', () => {
    const policy = policyOf({ ...xyz, relay: { allowFrom: ['[192.168.1.*]'] } });
    assert.equal(rcptDecision(policy, host('192.168.1.44'), '<a@fakecompany.com>').reply.code, 250);
    assert.equal(rcptDecision(policy, host('192.168.100.1'), '<a@fakecompany.com>').reply.code, 554);
  });
  it('compiles the seed configurations without problems', () => {
    assert.deepEqual(
      compilePolicy({ ...xyz, relay: { denyTo: ['*'], allowFrom: ['[192.168.1.*]'] } }).problems,
      [],
    );
  });
});
