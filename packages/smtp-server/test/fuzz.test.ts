/**
 * Bounded fuzzing (seeded PRNG, fixed iteration count): random bytes and mangled commands never
 * throw, hang or break the reply framing; every session ends with its resources released.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { InputBuffer } from '../src/input-buffer.js';
import { decodeSasl, parseCramMd5, parsePlain } from '../src/sasl.js';
import { startSession } from './harness.js';

const PIECES = [
  'EHLO a.b\r\n',
  'HELO x\r\n',
  'MAIL FROM:<a@b.org>\r\n',
  'MAIL FROM:<>\r\n',
  'RCPT TO:<c@d.org>\r\n',
  'RCPT TO:<postmaster>\r\n',
  'DATA\r\n',
  '.\r\n',
  '\r\n.\r\n',
  'BDAT 3\r\n',
  'BDAT 0 LAST\r\n',
  'RSET\r\n',
  'NOOP\r\n',
  'AUTH PLAIN\r\n',
  'AUTH LOGIN\r\n',
  '*\r\n',
  'STARTTLS\r\n',
  'VRFY x\r\n',
  'HELP\r\n',
  '\n.\n',
  '\r',
  '\n',
  '.',
  '\0',
  'MAIL FROM:<\u00e9@x>\r\n',
  'RCPT TO:<a@[1.2.3.4]> NOTIFY=NEVER\r\n',
];
const REPLY_LINE = /^[2-5]\d\d[ -]/;

describe('fuzz', () => {
  it('random command soup and random bytes: valid reply lines only, no throw', async () => {
    const rand = prng(20261121);
    for (let round = 0; round < 150; round++) {
      const h = await startSession({
        allowInsecureAuth: true,
        startTls: 'enabled',
        maxMessageSizeBytes: 2000,
        errorLimit: 1000,
        strict821LineSyntax: rand() < 0.3,
      });
      h.backend.extra = { auth: () => false };
      for (let i = 0; i < 40; i++) {
        let chunk: Buffer;
        if (rand() < 0.6) chunk = Buffer.from(PIECES[Math.floor(rand() * PIECES.length)], 'utf8');
        else {
          chunk = Buffer.alloc(1 + Math.floor(rand() * 300));
          for (let j = 0; j < chunk.length; j++) chunk[j] = Math.floor(rand() * 256);
        }
        h.session.receive(chunk);
        if (rand() < 0.3) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setImmediate(r));
      const out = h.take();
      for (const line of out.split('\r\n').slice(0, -1))
        assert.match(line, REPLY_LINE, `round ${round}: ${line}`);
      h.session.transportClosed();
      await new Promise((r) => setImmediate(r));
      assert.equal(h.closedNotified, 1);
    }
  });
  it('the line reader keeps its bound on random input', () => {
    const rand = prng(7);
    const input = new InputBuffer();
    for (let i = 0; i < 5000; i++) {
      const chunk = Buffer.alloc(Math.floor(rand() * 200));
      for (let j = 0; j < chunk.length; j++) chunk[j] = rand() < 0.01 ? 10 : 65 + Math.floor(rand() * 26);
      input.push(chunk);
      while (input.readLine(100, rand() < 0.5) !== undefined) {}
      assert.ok(input.length <= 102 + 200);
    }
  });
  it('SASL decoding never throws on random text', () => {
    const rand = prng(99);
    const alphabet = 'AZaz09+/=\0 -*\u00e9';
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = Math.floor(rand() * 40);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const decoded = decodeSasl(text);
      if (decoded !== undefined) {
        const plain = parsePlain(decoded);
        if (plain) assert.ok(plain.username !== '' && plain.password !== '');
        const cram = parseCramMd5(decoded);
        if (cram) assert.match(cram.digest, /^[0-9a-f]{32}$/);
      }
      parsePlain(text);
      parseCramMd5(text);
    }
  });
});
