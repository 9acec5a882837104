import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { BodyHasher, bodyHash } from '../src/canonical/index.js';

const b64 = (b: Buffer) => b.toString('base64');
const sha = (s: string) => createHash('sha256').update(s, 'latin1').digest('base64');

// A second, line-based implementation written from RFC 6376 3.4.3/3.4.4, to compare against.
function reference(body: string, canon: 'simple' | 'relaxed'): string {
  const lines = body.split(/\r?\n/);
  const endsWithNewline = /\n$/.test(body);
  if (endsWithNewline) lines.pop();
  let out = lines.map((l) => (canon === 'relaxed' ? l.replace(/[ \t]+/g, ' ').replace(/ $/, '') : l));
  while (out.length > 0 && out[out.length - 1] === '') out = out.slice(0, -1);
  if (out.length === 0) return canon === 'simple' ? '\r\n' : '';
  return `${out.join('\r\n')}\r\n`;
}

describe('body canonicalization (RFC 6376 3.4.3, 3.4.4)', () => {
  it('matches the RFC 6376 3.4.5 example', () => {
    const body = ' C \r\nD \t E\r\n\r\n\r\n';
    assert.equal(b64(bodyHash(Buffer.from(body), 'relaxed')), sha(' C\r\nD E\r\n'));
    assert.equal(b64(bodyHash(Buffer.from(body), 'simple')), sha(' C \r\nD \t E\r\n'));
  });

  it('hashes an empty body as CRLF (simple) and as nothing (relaxed)', () => {
    assert.equal(b64(bodyHash(Buffer.alloc(0), 'simple')), 'frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=');
    assert.equal(b64(bodyHash(Buffer.alloc(0), 'relaxed')), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    assert.equal(b64(bodyHash(Buffer.from('\r\n\r\n'), 'relaxed')), sha(''));
    assert.equal(b64(bodyHash(Buffer.from('\r\n\r\n'), 'simple')), sha('\r\n'));
  });

  it('adds the missing final CRLF and treats bare LF as a line end', () => {
    assert.equal(b64(bodyHash(Buffer.from('abc'), 'simple')), sha('abc\r\n'));
    assert.equal(b64(bodyHash(Buffer.from('a \nb\n\n'), 'relaxed')), sha('a\r\nb\r\n'));
    assert.equal(b64(bodyHash(Buffer.from('a\rb\r\n'), 'simple')), sha('a\rb\r\n'), 'a lone CR is content');
  });

  it('keeps 8-bit bytes unchanged', () => {
    const body = Buffer.from('Gr\u00fc\u00dfe  \u00e9t\u00e9\r\n', 'utf8');
    const expected = createHash('sha256')
      .update(Buffer.from('Gr\u00fc\u00dfe \u00e9t\u00e9\r\n', 'utf8'))
      .digest();
    assert.deepEqual(bodyHash(body, 'relaxed'), expected);
  });

  it('hashes only the first l= bytes and still counts the rest', () => {
    const h = new BodyHasher('simple', 5);
    h.update(Buffer.from('hello world\r\n'));
    assert.equal(b64(h.digest()), sha('hello'));
    assert.equal(h.canonicalLength, 13);
  });

  it('releases a long run of held empty lines without holding them as bytes', () => {
    const body = `a\r\n${'\r\n'.repeat(5000)}b\r\n${'\r\n'.repeat(3000)}`;
    assert.equal(b64(bodyHash(Buffer.from(body), 'relaxed')), sha(`a\r\n${'\r\n'.repeat(5000)}b\r\n`));
  });

  it('gives the same hash for every split of the input and agrees with the reference (seeded fuzz)', () => {
    const rand = prng(6376);
    const alphabet = ['a', 'b', ' ', '\t', '\r', '\n', '\r\n', '\u00e9', '  '];
    for (let i = 0; i < 400; i++) {
      const len = Math.floor(rand() * 40);
      let body = '';
      for (let j = 0; j < len; j++) body += alphabet[Math.floor(rand() * alphabet.length)];
      // The reference splits on LF only, so it cannot model a lone CR: keep CR only before LF.
      body = body.replace(/\r(?!\n)/g, '');
      const bytes = Buffer.from(body, 'latin1');
      for (const canon of ['simple', 'relaxed'] as const) {
        const whole = b64(bodyHash(bytes, canon));
        assert.equal(whole, sha(reference(body, canon)), `${canon} ${JSON.stringify(body)}`);
        const h = new BodyHasher(canon);
        let at = 0;
        while (at < bytes.length) {
          const n = 1 + Math.floor(rand() * 4);
          h.update(bytes.subarray(at, at + n));
          at += n;
        }
        assert.equal(b64(h.digest()), whole, `${canon} chunked ${JSON.stringify(body)}`);
      }
    }
  });

  it('agrees with the reference on large bodies, whole and in odd chunks (past every internal buffer)', () => {
    const rand = prng(8463);
    const words = ['alpha', ' ', '  ', '\t', '\r\n', '\n', 'x'.repeat(300), '\r\n\r\n', ' \r\n', 'b'];
    for (let round = 0; round < 6; round++) {
      let body = '';
      while (body.length < 60_000) body += words[Math.floor(rand() * words.length)];
      const bytes = Buffer.from(body, 'latin1');
      for (const canon of ['simple', 'relaxed'] as const) {
        const expected = sha(reference(body, canon));
        assert.equal(b64(bodyHash(bytes, canon)), expected);
        const h = new BodyHasher(canon);
        for (let at = 0; at < bytes.length; at += 997) h.update(bytes.subarray(at, at + 997));
        assert.equal(b64(h.digest()), expected);
      }
    }
  });

  it('agrees with the reference on text-like bodies at every alignment (seeded fuzz, word skipping)', () => {
    const rand = prng(1_528_637_909);
    const pieces = [
      'word',
      'ab',
      'c',
      ' ',
      ' ',
      ' ',
      '  ',
      '\t',
      '\r\n',
      '\r\n',
      '\n',
      '!',
      '\u00e9',
      ' \r\n',
      '\r\n\r\n',
    ];
    for (let i = 0; i < 300; i++) {
      let body = '';
      const len = 64 + Math.floor(rand() * 300);
      while (body.length < len) body += pieces[Math.floor(rand() * pieces.length)];
      const bytes = Buffer.from(body, 'latin1');
      for (let shift = 0; shift < 4; shift++) {
        // The same bytes at four offsets into one ArrayBuffer, so every word alignment is taken.
        const backing = Buffer.alloc(bytes.length + 8);
        bytes.copy(backing, shift);
        const view = backing.subarray(shift, shift + bytes.length);
        for (const canon of ['simple', 'relaxed'] as const) {
          assert.equal(
            b64(bodyHash(view, canon)),
            sha(reference(body, canon)),
            `${canon} +${shift} ${JSON.stringify(body)}`,
          );
        }
      }
    }
  });

  it('refuses input after the digest', () => {
    const h = new BodyHasher('simple');
    h.digest();
    assert.throws(() => h.update(Buffer.from('x')), /after digest/);
  });
});
