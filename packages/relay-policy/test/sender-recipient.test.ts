/** Sender controls at MAIL FROM and recipient controls at RCPT TO. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainExistence, PolicyConfig, RecipientLookup } from '../src/index.js';
import { host, mailFrom, policyOf, rcpt } from './helpers.js';

const session = host('198.51.100.1', 'mx.outside.example');

describe('sender controls', () => {
  const decide = (config: PolicyConfig, from: string, senderDomain?: DomainExistence) =>
    policyOf(config).onMailFrom(
      senderDomain === undefined
        ? { session, sender: mailFrom(from) }
        : { session, sender: mailFrom(from), senderDomain },
    );
  it('deny list: *@domain, exact address, bare domain (with subdomains), user@*', () => {
    const config: PolicyConfig = {
      sender: { deny: ['*@spam.example', 'Bad.Guy@Example.com', 'junk.example', 'mailer-daemon@*'] },
    };
    for (const from of [
      '<a@spam.example>',
      '<bad.guy@example.com>',
      '<x@junk.example>',
      '<x@sub.junk.example>',
      '<MAILER-DAEMON@anywhere.example>',
    ]) {
      const d = decide(config, from);
      assert.equal(d.action, 'reject', from);
      assert.equal(d.reply.code, 550);
      assert.equal(d.reply.enhanced, '5.7.1');
    }
    for (const from of ['<a@sub.spam.example>', '<good.guy@example.com>', '<x@notjunk.example>'])
      assert.equal(decide(config, from).action, 'accept', from);
  });
  it('*@*.domain covers subdomains only', () => {
    const config: PolicyConfig = { sender: { deny: ['*@*.spam.example'] } };
    assert.equal(decide(config, '<a@x.spam.example>').action, 'reject');
    assert.equal(decide(config, '<a@spam.example>').action, 'accept');
  });
  it('allow list: only listed senders (ignored while the deny list has entries)', () => {
    assert.equal(
      decide({ sender: { allow: ['*@partner.example'] } }, '<a@partner.example>').action,
      'accept',
    );
    assert.equal(decide({ sender: { allow: ['*@partner.example'] } }, '<a@other.example>').action, 'reject');
    assert.equal(
      decide({ sender: { allow: ['*@partner.example'], deny: ['x@y.example'] } }, '<a@other.example>').action,
      'accept',
    );
  });
  it('the null reverse-path is always accepted (bounces)', () => {
    assert.equal(
      decide({ sender: { allow: ['*@partner.example'], verifyDomain: true } }, '<>').action,
      'accept',
    );
  });
  it('verify sender domain: found / none / temperror / not gathered', () => {
    const config: PolicyConfig = { sender: { verifyDomain: true } };
    assert.equal(decide(config, '<a@real.example>', 'found').action, 'accept');
    const none = decide(config, '<a@ghost.example>', 'none');
    assert.equal(none.action, 'reject');
    assert.equal(none.reply.code, 553);
    const temp = decide(config, '<a@slow.example>', 'temperror');
    assert.equal(temp.action, 'tempfail');
    assert.equal(temp.reply.code, 451);
    assert.equal(temp.reply.enhanced, '4.4.3');
    assert.equal(decide(config, '<a@slow.example>').action, 'tempfail');
    assert.equal(
      decide(config, '<a@[192.0.2.1]>').action,
      'accept',
      'an address literal has nothing to look up',
    );
  });
  it('the timeout setting is reported (SMTPVerifySendersDomainTimeout, default 30 s)', () => {
    assert.equal(policyOf({}).settings.verifyDomainTimeoutSeconds, 30);
    assert.equal(
      policyOf({ sender: { verifyDomainTimeoutSeconds: 5 } }).settings.verifyDomainTimeoutSeconds,
      5,
    );
  });
  it('IDN sender domains match entries written in U-labels', () => {
    assert.equal(
      decide({ sender: { deny: ['*@bücher.example'] } }, '<a@xn--bcher-kva.example>').action,
      'reject',
    );
  });
});

describe('recipient controls', () => {
  const base: PolicyConfig = { localInternetDomains: ['acme.com'] };
  const decide = (config: PolicyConfig, to: string, directory?: RecipientLookup, s = session) =>
    policyOf({ ...base, ...config }).onRcptTo(
      directory === undefined
        ? { session: s, recipient: rcpt(to) }
        : { session: s, recipient: rcpt(to), directory },
    );
  it('deny and allow lists for local recipients, with groups', () => {
    const config: PolicyConfig = {
      recipient: { deny: ['ceo@acme.com', 'No Internet Mail'] },
      groups: { 'No Internet Mail': ['intern@acme.com'] },
    };
    assert.equal(decide(config, '<CEO@acme.com>').reply.code, 550);
    const d = decide(config, '<intern@acme.com>');
    assert.equal(d.reply.code, 550);
    assert.equal(
      d.trace.find((s) => s.rule === 'recipient.deny')?.entry,
      'intern@acme.com (in group No Internet Mail)',
    );
    assert.equal(decide(config, '<staff@acme.com>').reply.code, 250);
    const allow: PolicyConfig = { recipient: { allow: ['sales@acme.com', 'support@acme.com'] } };
    assert.equal(decide(allow, '<sales@acme.com>').reply.code, 250);
    assert.equal(decide(allow, '<ceo@acme.com>').reply.code, 550);
  });
  it('verify local recipients: found, not-found (550 5.1.1), unavailable (accepted), absent (451)', () => {
    const config: PolicyConfig = { recipient: { verifyLocal: true } };
    assert.equal(decide(config, '<jane@acme.com>', 'found').action, 'accept');
    const missing = decide(config, '<nobody@acme.com>', 'not-found');
    assert.equal(missing.reply.text, 'nobody@acme.com... No such user');
    assert.equal(decide(config, '<jane@acme.com>', 'unavailable').action, 'accept');
    // No answer means the directory was not asked: never a silent accept.
    assert.equal(decide(config, '<jane@acme.com>').action, 'tempfail');
    assert.equal(
      decide({}, '<nobody@acme.com>', 'not-found').action,
      'accept',
      'verification off by default',
    );
  });
  it('SMTPDenyNotUniqueRCPT', () => {
    assert.equal(
      decide({ recipient: { verifyLocal: true } }, '<smith@acme.com>', 'ambiguous').action,
      'accept',
    );
    const d = decide({ recipient: { verifyLocal: true, denyNotUnique: 1 } }, '<smith@acme.com>', 'ambiguous');
    assert.equal(d.reply.code, 550);
    assert.equal(d.reply.enhanced, '5.1.4');
  });
  it('SMTPDenyMailToGroups 0 / 1 (external hosts) / 2 (all hosts)', () => {
    const internal = host('10.0.0.9', 'hub.acme.com');
    const g = (n: 0 | 1 | 2, s = session) =>
      decide({ recipient: { verifyLocal: true, denyMailToGroups: n } }, '<all@acme.com>', 'group', s).reply
        .code;
    assert.equal(g(0), 250);
    assert.equal(g(1), 550);
    assert.equal(g(1, internal), 250);
    assert.equal(g(2), 550);
    assert.equal(g(2, internal), 550);
  });
  it('recipient controls do not apply to relays', () => {
    const d = decide(
      { recipient: { verifyLocal: true }, relay: { enforcement: 'none' } },
      '<x@elsewhere.example>',
      'not-found',
    );
    assert.equal(d.action, 'accept');
    assert.equal(d.relay, true);
  });
  it('a malformed fact is refused, not thrown', () => {
    const policy = policyOf(base);
    assert.equal(policy.onRcptTo({ session, recipient: null as never }).action, 'reject');
    assert.equal(policy.onMailFrom({ session, sender: { kind: 'weird' } as never }).action, 'reject');
    assert.equal(policy.onMessage({ session: undefined as never }).action, 'accept');
    const broken = policy.onRcptTo({ session, recipient: { kind: 'mailbox' } as never });
    assert.equal(broken.action, 'tempfail');
    assert.equal(broken.reply.code, 451);
  });
});
