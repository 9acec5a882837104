/**
 * Bounded fuzzing with fixed seeds: random configurations (good and bad entries mixed), random
 * session facts and random addresses never make compiling or deciding throw; every decision's
 * reply class fits its action; and no hidden-destination address relays through a closed policy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForwardPath, parseReversePath } from '@mailroute/envelope';
import { prng } from '@mailroute/testing';
import {
  compilePolicy,
  lintPolicy,
  type PolicyConfig,
  type PolicyDecision,
  type SessionFacts,
} from '../src/index.js';
import { factsOnlyDirectory } from './helpers.js';

const ENTRY_POOL = [
  '*',
  'acme.com',
  'ibm.com',
  'us.ibm.com',
  '*.lotus.com',
  '.spamme.com',
  '[192.168.1.*]',
  '[10.0.0.0/8]',
  '[10.0.0.1/33]',
  '[2001:db8::/32]',
  '[::ffff:10.0.0.0/104]',
  '192.168.1.1',
  '[192.168.1.1',
  '10.0.0.1]',
  '',
  ' ',
  '[]',
  'bücher.example',
  'xn--bcher-kva.example',
  'EVIL.COM.',
  'a..b',
  '-bad.example',
  '[1.2.3.4.5]',
  '[*.*.*.*]',
  'Relay Hosts',
  'user@acme.com',
  '*@spam.example',
  '[10.0.0.1-9]',
  '[1.2.3-4.*]',
  '[1.2.3.9-1]',
  '@exact.example',
  '%NotesDomain',
  'user@*',
  '*@*.spam.example',
  'j*n@x.com',
  '"quoted"@acme.com',
  '@acme.com',
  'x@',
  '[IPv6:::1]',
  'ev*l.com',
];
const DOMAINS = [
  'acme.com',
  'ACME.com',
  'ibm.com',
  'evilibm.com',
  'us.ibm.com',
  'lotus.com',
  'you.spamme.com',
  'xn--bcher-kva.example',
  'bücher.example',
  '[192.168.1.5]',
  '[IPv6:2001:db8::1]',
  '[203.0.113.1]',
];
const LOCALS = [
  'user',
  'a%evil.com',
  'a%acme.com',
  'evil.com!a',
  '"a@evil.com"',
  '"@evil.com:a"',
  'Post.Master',
  '"x y"',
  'a.b',
  'ü',
];
const IPS = [
  '192.168.1.5',
  '10.1.2.3',
  '::ffff:10.1.2.3',
  '2001:db8::7',
  '203.0.113.1',
  'bogus',
  '',
  '1.2.3.4',
  '::1',
];
const PTRS = [
  undefined,
  { result: 'none' },
  { result: 'temperror' },
  { result: 'found', name: 'mail.acme.com', confirmed: true },
  { result: 'found', name: 'x.ibm.com.' },
  { result: 'found', name: '..' },
];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)];
}
function some(next: () => number): string[] {
  return Array.from({ length: Math.floor(next() * 5) }, () => pick(next, ENTRY_POOL));
}

function randomConfig(next: () => number): PolicyConfig {
  const maybe = <T>(v: T) => (next() < 0.2 ? (pick(next, [undefined, 'junk', 7, null]) as unknown as T) : v);
  return {
    localInternetDomains: some(next),
    localAddresses: some(next),
    domainMatch: maybe(pick(next, ['label', 'substring'] as const)),
    relay: {
      allowTo: some(next),
      denyTo: some(next),
      allowFrom: some(next),
      denyFrom: some(next),
      exclude: some(next),
      precedence: maybe(pick(next, [0, 1] as const)),
      enforcement: maybe(pick(next, ['external', 'all', 'none'] as const)),
      authenticatedUsers: maybe(pick(next, ['enforce', 'exempt'] as const)),
    },
    connection: {
      allowOnly: some(next),
      deny: some(next),
      verifyHostName: next() < 0.5,
      errorLimit: maybe(10),
    },
    sender: { allow: some(next), deny: some(next), verifyDomain: next() < 0.5 },
    recipient: {
      allow: some(next),
      deny: some(next),
      verifyLocal: next() < 0.5,
      denyNotUnique: maybe(1),
      denyMailToGroups: maybe(pick(next, [0, 1, 2] as const)),
    },
    dnsBlacklist: {
      enabled: next() < 0.5,
      sites: maybe(['bl.example', 'zen.example=127.0.0.2']),
      action: maybe(pick(next, ['log', 'tag', 'reject'] as const)),
      rejectText: maybe('%s at %s'),
    },
    dnsWhitelist: { enabled: next() < 0.5, sites: ['wl.example'], action: maybe('tag' as const) },
    verifyAuthenticatedSender: maybe(1),
    groups: { 'Relay Hosts': some(next) },
  };
}

function checkReply(d: PolicyDecision): void {
  const cls = Math.floor(d.reply.code / 100);
  if (d.action === 'reject') assert.equal(cls, 5);
  else if (d.action === 'tempfail') assert.equal(cls, 4);
  else assert.ok(cls === 2, `accepted with ${d.reply.code}`);
  assert.ok(d.trace.length > 0);
}

describe('fuzz', () => {
  it('random configs, sessions and addresses: no throw, replies fit actions (2,000 configs)', () => {
    const next = prng(4242);
    for (let round = 0; round < 2000; round++) {
      const config = randomConfig(next);
      const { policy } = compilePolicy(config, { directory: factsOnlyDirectory });
      lintPolicy(config);
      const session = {
        ip: pick(next, IPS),
        ptr: pick(next, PTRS),
        ...(next() < 0.3 ? { authenticatedUser: 'u' } : {}),
      } as SessionFacts;
      checkReply(
        policy.onConnect({
          ...session,
          dnsBlacklist: [
            {
              site: 'bl.example',
              result: pick(next, ['listed', 'none', 'temperror'] as const),
              codes: ['127.0.0.2'],
            },
          ],
          dnsWhitelist: [{ site: 'wl.example', result: pick(next, ['listed', 'none'] as const) }],
        }),
      );
      const text = `<${pick(next, LOCALS)}@${pick(next, DOMAINS)}>`;
      const to = parseForwardPath(text, { smtputf8: true });
      if (to.ok) {
        // Pure: the same facts give the same decision, whether the session memo is warm or not.
        const facts = { session, recipient: to.value };
        const first = JSON.stringify(policy.onRcptTo(facts));
        assert.equal(JSON.stringify(policy.onRcptTo(facts)), first);
        assert.equal(JSON.stringify(policy.onRcptTo({ ...facts, session: { ...session } })), first);
      }
      if (to.ok)
        checkReply(
          policy.onRcptTo({
            session,
            recipient: to.value,
            directory: pick(next, [
              'found',
              'not-found',
              'ambiguous',
              'group',
              'unavailable',
              undefined,
            ] as const),
          }),
        );
      const from = parseReversePath(text, { smtputf8: true });
      if (from.ok)
        checkReply(
          policy.onMailFrom({
            session,
            sender: from.value,
            senderDomain: pick(next, ['found', 'none', 'temperror', undefined] as const),
          }),
        );
      checkReply(
        policy.onMessage({
          session,
          from: [pick(next, ['a@acme.com', 'x', ''])],
          authenticatedAddress: { result: 'found', address: 'a@acme.com' },
        }),
      );
    }
  });

  it('no address hiding a foreign destination relays through a closed policy (3,000 addresses)', () => {
    const next = prng(777);
    const { policy } = compilePolicy({
      localInternetDomains: ['acme.com', 'acme.org'],
      relay: { denyTo: ['*'] },
    });
    const session: SessionFacts = {
      ip: '198.51.100.1',
      ptr: { result: 'found', name: 'mx.outsider.example', confirmed: true },
    };
    const foreign = ['evil.com', 'EVIL.com.', 'b.evil.com', 'xn--bcher-kva.evil', '[192.0.2.1]', 'evil'];
    const localDomains = ['acme.com', 'ACME.COM', 'acme.org'];
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const f = pick(next, foreign);
      const user = pick(next, ['u', 'u.v', 'u+tag']);
      const shape = Math.floor(next() * 5);
      const local =
        shape === 0
          ? `${user}%${f}`
          : shape === 1
            ? `${f}!${user}`
            : shape === 2
              ? `"${user}@${f}"`
              : shape === 3
                ? `"${user}%${f}"`
                : `${user}%${f}%${pick(next, localDomains)}`;
      const text = `<${local}@${pick(next, localDomains)}>`;
      const parsed = parseForwardPath(text, { smtputf8: true });
      if (!parsed.ok) continue;
      checked++;
      const d = policy.onRcptTo({ session, recipient: parsed.value });
      assert.equal(d.action, 'reject', text);
      assert.equal(d.relay, true, text);
    }
    assert.ok(checked > 1500, `only ${checked} addresses parsed`);
  });
});
