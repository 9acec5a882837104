import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { parseAddressList, parseMessage } from '@mailroute/itemizer';
import { policyHeaders } from '../src/policy-headers.js';

const addressesOf = (text: string | undefined) =>
  text === undefined
    ? undefined
    : parseAddressList(text)
        .mailboxes.map((m) => m.address)
        .filter((a) => a !== '');

describe('policyHeaders', () => {
  it('reads the addresses the itemizer gives From and Principal, not those of an attached message', async () => {
    const raw = Buffer.from(
      'From: Jane <jane@acme.example>,\r\n =?utf-8?q?Bob_B?= <bob@acme.example>\r\nSender: bob@acme.example\r\n' +
        'Content-Type: multipart/mixed; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: boss@acme.example\r\nSender: x@y.example\r\n\r\nhi\r\n--b--\r\n',
    );
    const note = await parseMessage(raw, {
      envelope: { mailFrom: 'bob@acme.example', recipients: ['x@p.example'] },
    });
    const got = policyHeaders(raw);
    assert.deepEqual(got.from, ['jane@acme.example', 'bob@acme.example']);
    assert.deepEqual(got.from, addressesOf(note.text('From')));
    assert.deepEqual(got.sender, addressesOf(note.text('Principal')));
  });

  it('gives undefined for an absent field and stops at the end of the header block', () => {
    const raw = Buffer.from('Subject: s\r\n\r\nFrom: body@acme.example\r\nSender: body@acme.example\r\n');
    assert.deepEqual(policyHeaders(raw), { sender: undefined, from: undefined });
  });

  it('reads UTF-8 addresses (RFC 6532) as the itemizer does, in a message without a body', async () => {
    const raw = Buffer.from('From: Jürgen <jürgen@bücher.example>\r\n');
    const note = await parseMessage(raw, { envelope: { mailFrom: '', recipients: ['x@p.example'] } });
    const from = policyHeaders(raw).from;
    assert.equal(from?.length, 1);
    assert.match(from?.[0] ?? '', /j.rgen.*@bücher\.example$/);
    assert.deepEqual(from, addressesOf(note.text('From')));
  });

  it('never throws on malformed header blocks (bounded fuzz)', () => {
    const random = seededRandomSource(7);
    const next = () => Math.floor(random() * 0x7fffffff);
    const alphabet = Buffer.from('From:Sender: <>@,;"\\()\r\n\t\x00\xff=?utf-8?q?a');
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.alloc(next() % 200);
      for (let i = 0; i < bytes.length; i++) bytes[i] = alphabet[next() % alphabet.length] ?? 0;
      const got = policyHeaders(bytes);
      for (const list of [got.from, got.sender]) if (list !== undefined) assert.ok(Array.isArray(list));
    }
  });
});
