// Over-signing: the fields named once more than they occur, so an added copy breaks the signature.
// Options that add names never remove the safe default (issue 13 section 4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_OVERSIGNED_HEADERS,
  DkimSigner,
  type DkimSignerOptions,
  DkimVerifier,
} from '../src/index.js';
import { fixedClock, keyZone, message, newKey, recordFor } from './helpers.js';

const clock = fixedClock(Date.UTC(2026, 10, 21, 10, 0, 0));
const ed = newKey('ed25519');
const verifier = new DkimVerifier({
  lookup: keyZone({ 'ed._domainkey.example.com': recordFor(ed) }).lookup,
  clock,
});

async function signedWith(options: Partial<DkimSignerOptions>): Promise<string> {
  const signer = new DkimSigner({
    keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed }],
    clock,
    ...options,
  });
  return (await signer.sign(message()))[0]!.header + message();
}

const verdict = async (m: string) => (await verifier.verify(m))[0]?.result;
const addFrom = (m: string) => m.replace('From: Alice', 'From: Mallory <m@evil.example>\r\nFrom: Alice');
const addSubject = (m: string) => m.replace('Subject: Lunch', 'Subject: Wire the money\r\nSubject: Lunch');
const addReplyTo = (m: string) => m.replace('To: Bob', 'Reply-To: m@evil.example\r\nTo: Bob');

describe('over-signing', () => {
  it("overSign: ['subject'] adds Subject and keeps From over-signed", async () => {
    const m = await signedWith({ overSign: ['subject'] });
    assert.equal(await verdict(m), 'pass');
    assert.equal(await verdict(addFrom(m)), 'fail');
    assert.equal(await verdict(addSubject(m)), 'fail');
  });

  it('over-signs From even with overSignDefaults: false and no overSign', async () => {
    const m = await signedWith({ overSignDefaults: false });
    assert.equal(await verdict(m), 'pass');
    assert.equal(await verdict(addFrom(m)), 'fail');
    // Only From: an added Subject is no longer caught (the caller asked for that).
    assert.equal(await verdict(addSubject(m)), 'pass');
  });

  it('by default over-signs the RFC 6376 8.15 fields, present or absent (an added Reply-To breaks it)', async () => {
    const m = await signedWith({});
    assert.equal(await verdict(m), 'pass');
    for (const change of [addFrom, addSubject, addReplyTo]) assert.equal(await verdict(change(m)), 'fail');
    for (const name of ['from', 'to', 'subject', 'date', 'reply-to'])
      assert.ok(DEFAULT_OVERSIGNED_HEADERS.includes(name));
  });

  it('signs and over-signs an overSign name that the headers list leaves out', async () => {
    const m = await signedWith({ headers: ['date'], overSignDefaults: false, overSign: ['Subject'] });
    const h = /h=([^;]*);/.exec(m.replace(/\r\n[ \t]+/g, ' '))![1]!.split(':');
    assert.deepEqual(h, ['from', 'date', 'from', 'subject', 'subject']);
    assert.equal(await verdict(m), 'pass');
    assert.equal(await verdict(m.replace('Lunch', 'Dinner')), 'fail');
  });

  it('signs From even when the headers option leaves it out', async () => {
    const m = await signedWith({ headers: ['subject'], overSignDefaults: false });
    assert.equal(await verdict(m), 'pass');
    assert.equal(await verdict(m.replace('From: Alice', 'From: Mallory')), 'fail');
  });
});
