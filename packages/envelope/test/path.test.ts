import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isPostmaster,
  type Mailbox,
  type PathOptions,
  parseForwardPath,
  parseReversePath,
} from '../src/index.js';

function mailbox(text: string, options: PathOptions = {}): Mailbox {
  const r = parseForwardPath(text, options);
  assert.ok(r.ok, `expected ${text} to parse: ${r.ok ? '' : r.reason.reply.text}`);
  assert.equal(r.value.kind, 'mailbox');
  if (r.value.kind !== 'mailbox') throw new Error('unreachable');
  return r.value.mailbox;
}

function refused(text: string, options: PathOptions = {}, role: 'sender' | 'recipient' = 'recipient') {
  const r = role === 'sender' ? parseReversePath(text, options) : parseForwardPath(text, options);
  assert.equal(r.ok, false, `expected ${JSON.stringify(text)} to be refused`);
  if (r.ok) throw new Error('unreachable');
  return r.reason.reply;
}

describe('paths: valid forms', () => {
  it('parses a plain mailbox', () => {
    const m = mailbox('<john@example.com>');
    assert.equal(m.localPart, 'john');
    assert.equal(m.domain.ascii, 'example.com');
    assert.equal(m.address, 'john@example.com');
    assert.equal(m.quoted, false);
  });
  it('accepts the atext characters of RFC 3696 section 3 examples', () => {
    for (const local of [
      'customer/department=shipping',
      '$A12345',
      '!def!xyz%abc',
      '_somename',
      "o'reilly",
      'a.b.c',
      'x+tag',
    ]) {
      assert.equal(mailbox(`<${local}@example.com>`).localPart, local);
    }
  });
  it('parses quoted local parts and resolves quoted-pairs (RFC 3696: "Abc@def", "Fred Bloggs")', () => {
    const a = mailbox('<"Abc@def"@example.com>');
    assert.equal(a.localPart, 'Abc@def');
    assert.equal(a.quoted, true);
    assert.equal(a.address, '"Abc@def"@example.com');
    assert.equal(mailbox('<"Fred Bloggs"@example.com>').localPart, 'Fred Bloggs');
    assert.equal(mailbox('<"Joe\\\\Blow"@example.com>').localPart, 'Joe\\Blow');
    assert.equal(mailbox('<"a\\"b"@example.com>').address, '"a\\"b"@example.com');
  });
  it('writes a needlessly quoted local part in its unquoted form', () => {
    const m = mailbox('<"john"@example.com>');
    assert.equal(m.quoted, true);
    assert.equal(m.address, 'john@example.com');
  });
  it('parses the null reverse-path <>', () => {
    const r = parseReversePath('<>');
    assert.ok(r.ok);
    assert.equal(r.value.kind, 'null');
  });
  it('refuses <> as a forward-path', () => {
    assert.equal(refused('<>').code, 501);
  });
  it('accepts <Postmaster> without a domain, in any case (RFC 5321 4.1.1.3)', () => {
    for (const p of ['<postmaster>', '<Postmaster>', '<POSTMASTER>']) {
      const r = parseForwardPath(p);
      assert.ok(r.ok && r.value.kind === 'postmaster', p);
      assert.ok(isPostmaster(r.value));
    }
    const full = parseForwardPath('<PostMaster@example.com>');
    assert.ok(full.ok && full.value.kind === 'mailbox' && isPostmaster(full.value));
  });
  it('does not take <postmaster> without domain as a sender, nor a quoted "postmaster"', () => {
    refused('<postmaster>', {}, 'sender');
    refused('<"postmaster">');
  });
  it('accepts a source route and keeps it aside (RFC 5321 4.1.1.3, Appendix C: <@ONE,@TWO:JOE@THREE>)', () => {
    const r = parseForwardPath('<@ONE,@TWO:JOE@THREE>');
    assert.ok(r.ok && r.value.kind === 'mailbox');
    assert.deepEqual(r.value.sourceRoute, ['one', 'two']);
    assert.equal(r.value.mailbox.address, 'JOE@three');
  });
  it('accepts address literals as the domain', () => {
    assert.equal(mailbox('<user@[192.0.2.1]>').domain.ascii, '[192.0.2.1]');
    const zeros = mailbox('<user@[192.000.002.010]>');
    assert.equal(zeros.domain.ascii, '[192.0.2.10]');
    assert.equal(zeros.address, 'user@[192.0.2.10]');
    assert.equal(mailbox('<user@[IPv6:2001:db8::1]>').domain.kind, 'literal');
  });
  it('accepts the lenient forms of SMTPStrict821AddressSyntax=0', () => {
    const r = parseReversePath(' user@example.com');
    assert.ok(r.ok && r.value.kind === 'mailbox');
    assert.equal(r.value.bracketed, false);
    assert.equal(r.value.mailbox.address, 'user@example.com');
    assert.ok(parseForwardPath('postmaster').ok);
  });
  it('requires angle brackets with SMTPStrict821AddressSyntax=1', () => {
    const reply = refused('user@example.com', { strict821AddressSyntax: true });
    assert.equal(reply.code, 501);
    assert.match(reply.text, /SMTPStrict821AddressSyntax/);
    assert.ok(parseForwardPath('<user@example.com>', { strict821AddressSyntax: true }).ok);
    refused(' <user@example.com>', { strict821AddressSyntax: true });
  });
  it('keeps both forms of an IDN domain in an SMTPUTF8 transaction', () => {
    const m = mailbox('<jöran@bücher.example>', { smtputf8: true });
    assert.equal(m.address, 'jöran@xn--bcher-kva.example');
    assert.equal(m.addressUnicode, 'jöran@bücher.example');
    assert.equal(m.utf8, true);
  });
  it('accepts an A-label domain without SMTPUTF8 and reports its U-label form', () => {
    const m = mailbox('<hans@xn--bcher-kva.example>');
    assert.equal(m.utf8, false);
    assert.equal(m.addressUnicode, 'hans@bücher.example');
  });
});

describe('paths: refused forms', () => {
  it('uses 501 5.1.7 for senders and 501 5.1.3 for recipients', () => {
    const s = refused('<a@@b>', {}, 'sender');
    assert.equal(`${s.code} ${s.enhanced}`, '501 5.1.7');
    const r = refused('<a@@b>');
    assert.equal(`${r.code} ${r.enhanced}`, '501 5.1.3');
  });
  it('refuses non-ASCII without SMTPUTF8 with 553 5.6.7 (RFC 6531 3.5)', () => {
    for (const p of ['<jöran@example.com>', '<user@bücher.example>', '<"jö"@example.com>']) {
      const r = refused(p);
      assert.equal(`${r.code} ${r.enhanced}`, '553 5.6.7', p);
    }
  });
  const bad: [string, RegExp][] = [
    ['', /missing address/],
    ['<', /missing local part|missing/],
    ['<user@example.com', /closing angle bracket/],
    ['user@example.com>', /unexpected text|invalid character/],
    ['<<user@example.com>>', /invalid|missing/],
    ['<user>', /missing @domain/],
    ['<@example.com>', /source route|missing/],
    ['<user@>', /missing domain/],
    ['<.user@example.com>', /invalid local part/],
    ['<user.@example.com>', /invalid local part/],
    ['<us..er@example.com>', /invalid local part/],
    ['<"unbalanced@example.com>', /unbalanced quote/],
    ['<"a\x01b"@example.com>', /invalid local part/],
    ['<user@exa mple.com>', /invalid character in domain/],
    ['<user@example.com.>', /invalid domain name/],
    ['<user@[192.0.2.1>', /address literal|bracket/],
    ['<user@[300.0.0.1]>', /address literal/],
    ['<user@[tag:x]>', /unsupported address literal/],
    ['<a@b> <c@d>', /unexpected text/],
    ['<@a,b:user@c>', /malformed source route/],
    ['<@a:@b:user@c>', /missing local part/],
    ['<user@-bad.example>', /invalid domain name/],
    ['<user\x00@example.com>', /invalid character|invalid local part/],
  ];
  for (const [input, pattern] of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const reply = refused(input);
      assert.ok(reply.code >= 500 && reply.code < 600);
      assert.match(reply.text, pattern);
    });
  }
  it('enforces the 64-octet local part, counting UTF-8 octets', () => {
    assert.ok(parseForwardPath(`<${'a'.repeat(64)}@example.com>`).ok);
    assert.match(refused(`<${'a'.repeat(65)}@example.com>`).text, /local part longer than 64/);
    assert.match(
      refused(`<${'ö'.repeat(33)}@example.com>`, { smtputf8: true }).text,
      /local part longer than 64/,
    );
  });
  it('enforces the 256-octet path', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(55)}`;
    const tooLong = `<${'x'.repeat(64)}@${domain}>`;
    assert.ok(Buffer.byteLength(tooLong) > 256);
    assert.match(refused(tooLong).text, /path longer than 256/);
    const fits = `<${'x'.repeat(6)}@${domain}>`;
    assert.equal(Buffer.byteLength(fits), 256);
    assert.ok(parseForwardPath(fits).ok);
  });
  it('enforces the domain limits inside paths', () => {
    assert.match(refused(`<a@${'l'.repeat(64)}.example>`).text, /label longer than 63/);
  });
});

describe('relay-trick address forms parse to what they really are', () => {
  // The relay policy decides on mailbox.domain; these checks show the parser never mistakes
  // a route hidden in the local part for the destination.
  it('percent hack: the domain is the one after the last @', () => {
    const m = mailbox('<user%evil.example@local.example>');
    assert.equal(m.localPart, 'user%evil.example');
    assert.equal(m.domain.ascii, 'local.example');
  });
  it('bang path: stays in the local part', () => {
    const m = mailbox('<evil.example!user@local.example>');
    assert.equal(m.localPart, 'evil.example!user');
    assert.equal(m.domain.ascii, 'local.example');
  });
  it('quoted local part holding another address', () => {
    const m = mailbox('<"user@evil.example"@local.example>');
    assert.equal(m.localPart, 'user@evil.example');
    assert.equal(m.domain.ascii, 'local.example');
  });
  it('two @ signs unquoted are refused', () => {
    refused('<user@evil.example@local.example>');
  });
  it('source route to another host is kept visible', () => {
    const r = parseForwardPath('<@local.example:user@evil.example>');
    assert.ok(r.ok && r.value.kind === 'mailbox');
    assert.deepEqual(r.value.sourceRoute, ['local.example']);
    assert.equal(r.value.mailbox.domain.ascii, 'evil.example');
  });
});
