/**
 * The reply reader on literal bytes, every split, the limits, and a seeded fuzz: never a throw,
 * memory bounded by the line limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmtpReply } from '@mailroute/envelope';
import { prng } from '@mailroute/testing';
import { createReplyReader, parseCapabilities, parseQueueId } from '../src/index.js';

function readAll(bytes: Buffer, split: number[]): { codes: number[]; problem?: string } {
  const r = createReplyReader();
  const codes: number[] = [];
  let at = 0;
  for (const n of [...split, bytes.length]) {
    const out = r.push(bytes.subarray(at, Math.min(n, bytes.length)));
    codes.push(...out.replies.map((x) => x.code));
    if (out.problem !== undefined) return { codes, problem: out.problem };
    at = Math.min(n, bytes.length);
  }
  return { codes };
}

describe('reply reader', () => {
  const wire = Buffer.from(
    '220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n550 5.1.1 no such user\r\n354 go\r\n',
  );

  it('reads single and multi-line replies, with enhanced codes', () => {
    const r = createReplyReader();
    const out = r.push(wire);
    assert.deepEqual(
      out.replies.map((x) => [x.code, x.enhanced, x.lines.length]),
      [
        [220, undefined, 1],
        [250, undefined, 3],
        [550, '5.1.1', 1],
        [354, undefined, 1],
      ],
    );
    assert.equal(r.pending, false);
  });

  it('gives the same replies for every two-way split and byte by byte', () => {
    for (let i = 0; i <= wire.length; i++) assert.deepEqual(readAll(wire, [i]).codes, [220, 250, 550, 354]);
    const bytes = Array.from({ length: wire.length }, (_, i) => i + 1);
    assert.deepEqual(readAll(wire, bytes).codes, [220, 250, 550, 354]);
  });

  it('accepts a bare LF line end and a bare code', () => {
    const out = createReplyReader().push(Buffer.from('250\n250 ok\n'));
    assert.deepEqual(
      out.replies.map((x) => x.code),
      [250, 250],
    );
  });

  it('refuses garbage, mixed codes, a line over the limit and too many lines', () => {
    assert.match(
      createReplyReader().push(Buffer.from('hello there\r\n')).problem ?? '',
      /does not start|not a reply/,
    );
    assert.match(createReplyReader().push(Buffer.from('250-a\r\n251 b\r\n')).problem ?? '', /code 251/);
    assert.match(
      createReplyReader({ maxLineOctets: 100 }).push(Buffer.from(`250 ${'x'.repeat(200)}`)).problem ?? '',
      /longer than 100/,
    );
    assert.match(
      createReplyReader({ maxLines: 10 }).push(Buffer.from('250-x\r\n'.repeat(11))).problem ?? '',
      /10 lines/,
    );
    // Once broken, it stays broken.
    const r = createReplyReader();
    r.push(Buffer.from('junk\r\n'));
    assert.ok(r.push(Buffer.from('250 ok\r\n')).problem !== undefined);
  });

  it('fuzz: 20,000 seeded random and mutated inputs never throw and stay bounded', () => {
    const rand = prng(0x5eed);
    const pieces = [
      '250',
      '-',
      ' ',
      '\r\n',
      '\n',
      '\r',
      '5.1.1',
      'x',
      '220',
      '421',
      '\u00e9',
      '\0',
      '999',
      '2',
    ];
    for (let n = 0; n < 20_000; n++) {
      const r = createReplyReader({ maxLineOctets: 256, maxLines: 20 });
      const len = Math.floor(rand() * 40);
      let text = '';
      for (let i = 0; i < len; i++)
        text +=
          rand() < 0.8
            ? pieces[Math.floor(rand() * pieces.length)]
            : String.fromCharCode(Math.floor(rand() * 256));
      const bytes = Buffer.from(text, 'latin1');
      let at = 0;
      while (at < bytes.length) {
        const step = 1 + Math.floor(rand() * 8);
        const out = r.push(bytes.subarray(at, at + step));
        for (const rep of out.replies)
          assert.ok(rep instanceof SmtpReply && rep.code >= 200 && rep.code <= 599);
        at += step;
        if (out.problem !== undefined) break;
      }
    }
  });
});

describe('capabilities', () => {
  it('parses the EHLO keywords, the old AUTH= form and SIZE', () => {
    const reply = SmtpReply.of(250, undefined, [
      'mx.example Hello',
      'PIPELINING',
      'SIZE 35882577',
      'AUTH LOGIN PLAIN',
      'AUTH=CRAM-MD5',
      '8BITMIME',
      'CHUNKING',
      'BINARYMIME',
      'SMTPUTF8',
      'DSN',
      'ENHANCEDSTATUSCODES',
      'STARTTLS',
      'X-EXPS GSSAPI',
    ]);
    const c = parseCapabilities(reply);
    assert.equal(c.serverName, 'mx.example');
    assert.equal(c.maxSizeBytes, 35882577);
    assert.deepEqual(c.authMechanisms, ['LOGIN', 'PLAIN', 'CRAM-MD5']);
    for (const k of [
      'pipelining',
      'chunking',
      'binaryMime',
      'eightBitMime',
      'smtputf8',
      'dsn',
      'enhancedStatusCodes',
      'startTls',
      'size',
    ] as const)
      assert.equal(c[k], true, k);
    assert.deepEqual(c.keywords.get('X-EXPS'), ['GSSAPI']);
    const bare = parseCapabilities(SmtpReply.of(250, undefined, ['mx', 'SIZE']));
    assert.equal(bare.size, true);
    assert.equal(bare.maxSizeBytes, undefined);
  });

  it('reads queue ids in the common forms', () => {
    const id = (t: string) => parseQueueId(SmtpReply.of(250, undefined, t));
    assert.equal(id('2.0.0 Ok: queued as 4XyZ1r2Qk9z3'), '4XyZ1r2Qk9z3');
    assert.equal(id('OK id=1rABCd-000123-Xy'), '1rABCd-000123-Xy');
    assert.equal(id('2.6.0 Message accepted for delivery, id 1a2b3c'), '1a2b3c');
    assert.equal(id('Ok'), undefined);
  });
});
