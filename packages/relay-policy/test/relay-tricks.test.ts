/**
 * Addresses open-relay testers use to trick servers. With the local domain acme.com and relays
 * closed, none of them may relay; the ones that really are local stay local.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForwardPath } from '@mailroute/envelope';
import type { PolicyConfig } from '../src/index.js';
import { host, policyOf, rcptDecision } from './helpers.js';

const config: PolicyConfig = {
  localInternetDomains: ['acme.com', 'bücher.example'],
  localAddresses: ['[203.0.113.1]', '[2001:db8::25]'],
  relay: { denyTo: ['*'] },
};
const outsider = host('198.51.100.23', 'mx.outsider.example');

// [name, RCPT argument, expected code, is it a relay]
const table: [string, string, number, boolean][] = [
  ['percent hack', '<user%evil.com@acme.com>', 554, true],
  ['chained percent hack ending in a local domain', '<user%evil.com%acme.com@acme.com>', 554, true],
  ['percent hack with upper case', '<user%EVIL.COM@ACME.COM>', 554, true],
  [
    'percent hack with a trailing dot (quoted: a dot-string cannot end in a dot)',
    '<"user%evil.com."@acme.com>',
    554,
    true,
  ],
  ['bang path', '<evil.com!user@acme.com>', 554, true],
  ['two-hop bang path', '<evil.com!other.net!user@acme.com>', 554, true],
  ['bang path and percent hack', '<evil.com!user%acme.com@acme.com>', 554, true],
  ['quoted local part holding an address', '<"user@evil.com"@acme.com>', 554, true],
  ['quoted local part holding a percent hack', '<"user%evil.com"@acme.com>', 554, true],
  ['quoted local part holding a source route', '<"@evil.com:user"@acme.com>', 554, true],
  ['quoted local part holding an address literal', '<"user@[192.0.2.1]"@acme.com>', 554, true],
  ['source route through us to a foreign mailbox', '<@acme.com:user@evil.com>', 554, true],
  [
    'source route through a foreign host to a local mailbox (route ignored)',
    '<@evil.com:user@acme.com>',
    250,
    false,
  ],
  ['address literal of another host', '<user@[192.0.2.99]>', 554, true],
  ['address literal of this server', '<user@[203.0.113.1]>', 250, false],
  ['IPv4-mapped IPv6 literal of this server', '<user@[IPv6:::ffff:203.0.113.1]>', 250, false],
  ['IPv6 literal of this server', '<user@[IPv6:2001:db8:0::25]>', 250, false],
  ['IPv6 literal of another host', '<user@[IPv6:2001:db8::26]>', 554, true],
  ["percent hack through this server's literal", '<user%evil.com@[203.0.113.1]>', 554, true],
  ['local domain as a prefix of a foreign one', '<user@acme.com.evil.com>', 554, true],
  ['local domain as a suffix without a label boundary', '<user@evilacme.com>', 554, true],
  ['subdomain of a local domain (not itself local)', '<user@sub.acme.com>', 554, true],
  ['mixed-case local domain', '<User@AcMe.CoM>', 250, false],
  ['percent hack naming a local domain stays local', '<user%acme.com@acme.com>', 250, false],
  ['IDN local domain in U-labels', '<jörg@bücher.example>', 250, false],
  ['IDN local domain in A-labels', '<user@xn--bcher-kva.example>', 250, false],
  ['percent hack to an IDN domain', '<user%bücher.evil@acme.com>', 554, true],
  ['postmaster without a domain', '<postmaster>', 250, false],
  ['postmaster of a local domain', '<Postmaster@acme.com>', 250, false],
];

describe('relay tricks never relay', () => {
  const policy = policyOf(config);
  for (const [name, to, code, relay] of table) {
    it(`${name}: ${to} -> ${code}`, () => {
      const d = rcptDecision(policy, outsider, to);
      assert.equal(
        d.reply.code,
        code,
        d.trace.map((s) => `${s.rule}:${s.outcome}:${s.note ?? ''}`).join('\n'),
      );
      assert.equal(d.relay, relay);
    });
  }
  it('the trace names the trick', () => {
    const d = rcptDecision(policy, outsider, '<user%evil.com@acme.com>');
    assert.ok(
      d.trace.some(
        (s) => s.rule === 'recipient.localPart' && /percent-hack names evil\.com/.test(s.note ?? ''),
      ),
    );
    const bang = rcptDecision(policy, outsider, '<evil.com!user@acme.com>');
    assert.ok(bang.trace.some((s) => /bang-path names evil\.com/.test(s.note ?? '')));
  });
  it('a hidden destination is judged by the relay lists like a real one', () => {
    const partner = policyOf({ ...config, relay: { allowTo: ['partner.example'] } });
    assert.equal(rcptDecision(partner, outsider, '<user%partner.example@acme.com>').reply.code, 250);
    assert.equal(rcptDecision(partner, outsider, '<user%evil.com@acme.com>').reply.code, 554);
    assert.equal(rcptDecision(partner, outsider, '<evil.com!user@acme.com>').reply.code, 554);
  });
  it('a session allowed to relay may use them (it could relay anyway)', () => {
    const internal = host('10.0.0.5', 'notes.acme.com');
    assert.equal(rcptDecision(policyOf(config), internal, '<user%evil.com@acme.com>').reply.code, 250);
  });
  it('forms the envelope parser refuses never reach the policy', () => {
    for (const text of [
      '<user@evil.com.>',
      '<user%evil.com.@acme.com>',
      '<user@evil.com@acme.com>',
      '<user@[300.1.1.1]>',
      '<user@evil..com>',
      '<user@-evil.com>',
    ])
      assert.equal(parseForwardPath(text, { smtputf8: true }).ok, false, text);
  });
  it('deny-to entries match case-insensitively, with trailing dots and in either IDN form', () => {
    const policy2 = policyOf({
      localInternetDomains: ['acme.com.'],
      relay: { denyTo: ['EviL.Com.', 'bücher.evil', 'xn--mnchen-3ya.evil'] },
    });
    for (const to of [
      '<a@evil.com>',
      '<a@EVIL.COM>',
      '<a@sub.Evil.com>',
      '<a@xn--bcher-kva.evil>',
      '<a@bücher.evil>',
      '<a@münchen.evil>',
    ])
      assert.equal(rcptDecision(policy2, outsider, to).reply.code, 554, to);
    assert.equal(rcptDecision(policy2, outsider, '<a@good.example>').reply.code, 250);
    assert.equal(rcptDecision(policy2, outsider, '<a@ACME.COM>').reply.code, 250);
  });
});
