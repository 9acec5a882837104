/**
 * Bounded fuzzing with a fixed seed: random and mutated command lines never throw and always give
 * a value or a well-formed reply; the DATA decoder, fed random content in random chunks, agrees
 * with a naive whole-buffer reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import {
  createDataDecoder,
  formatReply,
  parseCommand,
  parseDomain,
  parseForwardPath,
  parseReply,
  parseReversePath,
  type SmtpReply,
} from '../src/index.js';

const SEEDS = [
  'MAIL FROM:<john@example.com> SIZE=1000 BODY=8BITMIME',
  'RCPT TO:<"quoted local"@[IPv6:2001:db8::1]> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@x.example',
  'RCPT TO:<@a.example,@b.example:user@c.example>',
  'MAIL FROM:<jöran@bücher.example> SMTPUTF8 ENVID=QQ314159 RET=HDRS AUTH=e+3Dmc2@example.com',
  'EHLO [192.0.2.1]',
  'HELO mail.example.org',
  'BDAT 1000 LAST',
  'AUTH PLAIN AHRlc3QAdGVzdA==',
  'ETRN @example.com',
  'VRFY postmaster',
  'MAIL FROM: user@example.com',
  'RCPT TO:<postmaster>',
  'MAIL FROM:<>',
];
const PIECES = [
  '<',
  '>',
  '"',
  '\\',
  '@',
  ':',
  ',',
  '[',
  ']',
  ' ',
  '=',
  '+',
  '.',
  '\x00',
  '\r',
  '\n',
  '\xff',
  'ö',
  '\u{1F600}',
  '\ud800',
  'IPv6:',
  'xn--',
  'SIZE=',
  'SMTPUTF8',
  '%',
  '!',
];

function checkReply(reply: SmtpReply, line: string) {
  assert.ok(reply.code >= 400 && reply.code < 600, `${JSON.stringify(line)} gave ${reply.code}`);
  const wire = formatReply(reply);
  const back = parseReply(wire);
  assert.ok(back.ok, `reply for ${JSON.stringify(line)} does not parse back: ${JSON.stringify(wire)}`);
}

describe('fuzz: command lines', () => {
  it('120,000 random and mutated lines: no throw, a command or a 4xx/5xx reply', () => {
    const rand = prng(0xc0ffee);
    const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
    let values = 0;
    let replies = 0;
    for (let n = 0; n < 120_000; n++) {
      let line: string;
      const mode = n % 3;
      if (mode === 0) {
        // Random characters: ASCII, controls, Latin-1 and a few astral/surrogate code units.
        const len = Math.floor(rand() * 80);
        line = '';
        for (let i = 0; i < len; i++) {
          const r = rand();
          line +=
            r < 0.8
              ? String.fromCharCode(32 + Math.floor(rand() * 95))
              : r < 0.9
                ? String.fromCharCode(Math.floor(rand() * 32))
                : pick(PIECES);
        }
      } else {
        // Mutations of valid lines: insert, delete, replace, duplicate.
        line = pick(SEEDS);
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rand() * (line.length + 1));
          const op = rand();
          if (op < 0.4) line = line.slice(0, at) + pick(PIECES) + line.slice(at);
          else if (op < 0.7) line = line.slice(0, at) + line.slice(at + 1 + Math.floor(rand() * 5));
          else if (op < 0.9)
            line = line.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + line.slice(at + 1);
          else line = line.slice(0, at) + line.slice(at, at + 20).repeat(3) + line.slice(at + 20);
        }
      }
      const options = {
        smtputf8: rand() < 0.3,
        strict821AddressSyntax: rand() < 0.2,
        maxCommandLength: rand() < 0.1 ? 40 : 1200,
      };
      const r = parseCommand(line, options);
      if (r.ok) {
        values++;
        assert.equal(typeof r.value.verb, 'string');
      } else {
        replies++;
        checkReply(r.reason.reply, line);
      }
      // The path and domain parsers on their own, on the argument-ish part.
      const arg = line.slice(line.indexOf(':') + 1);
      for (const p of [parseReversePath(arg, options), parseForwardPath(arg, options)]) {
        if (!p.ok) checkReply(p.reason.reply, arg);
      }
      const d = parseDomain(arg.slice(0, 300), { allowUtf8: options.smtputf8 });
      assert.equal(typeof d.ok, 'boolean');
    }
    // The corpus must exercise both outcomes, or the test proves little.
    assert.ok(values > 1000, `values ${values}`);
    assert.ok(replies > 1000, `replies ${replies}`);
  });

  it('20,000 random reply texts: parseReply never throws', () => {
    const rand = prng(7);
    for (let n = 0; n < 20_000; n++) {
      const lines: string[] = [];
      const count = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < count; k++) {
        let text = `${200 + Math.floor(rand() * 420)}${rand() < 0.5 ? '-' : rand() < 0.5 ? ' ' : ''}`;
        const len = Math.floor(rand() * 30);
        for (let i = 0; i < len; i++) text += String.fromCharCode(Math.floor(rand() * 128));
        lines.push(text);
      }
      const r = parseReply(lines);
      assert.equal(typeof r.ok, 'boolean');
    }
  });
});

/** The reference: find CRLF.CRLF in the whole input, then normalise and unstuff line by line. */
function referenceDecode(input: string): { message: string; rest: string } | undefined {
  const idx = `\r\n${input}`.indexOf('\r\n.\r\n');
  if (idx < 0) return undefined;
  const content = input.slice(0, idx);
  const message = content
    .split(/\r\n|\r|\n/)
    .map((line) => (line.startsWith('.') ? line.slice(1) : line))
    .join('\r\n');
  return { message, rest: input.slice(idx + 3) };
}

describe('fuzz: DATA decoder against a reference', () => {
  it('30,000 random streams in random chunks agree with the reference', () => {
    const rand = prng(0xdada);
    const alphabet = ['.', '\r', '\n', '\r\n', 'a', 'bc', ' ', '\x00', '\xff', '\r\n.', '.\r\n', '\r\n.\r\n'];
    let ended = 0;
    for (let n = 0; n < 30_000; n++) {
      let input = '';
      const len = Math.floor(rand() * 30);
      for (let i = 0; i < len; i++) input += alphabet[Math.floor(rand() * alphabet.length)];
      const bytes = Buffer.from(input, 'latin1');
      const decoder = createDataDecoder();
      const out: Buffer[] = [];
      let rest: Buffer[] | undefined;
      for (let off = 0; off < bytes.length; ) {
        const size = 1 + Math.floor(rand() * 6);
        const r = decoder.write(bytes.subarray(off, off + size));
        off += size;
        if (rest) {
          rest.push(r.rest ?? Buffer.alloc(0));
          continue;
        }
        out.push(...r.data);
        if (r.done) rest = [r.rest ?? Buffer.alloc(0)];
      }
      const expected = referenceDecode(input);
      if (expected === undefined) {
        assert.equal(decoder.done, false, JSON.stringify(input));
        continue;
      }
      ended++;
      assert.equal(decoder.done, true, JSON.stringify(input));
      assert.equal(Buffer.concat(out).toString('latin1'), expected.message, JSON.stringify(input));
      assert.equal(Buffer.concat(rest ?? []).toString('latin1'), expected.rest, JSON.stringify(input));
    }
    assert.ok(ended > 3000, `only ${ended} streams reached the terminator`);
  });

  it('3,000 long mostly-clean streams (the fast path) agree with the reference', () => {
    const rand = prng(0xfa57);
    const irregular = ['\n', '\r', '.', '\r\n.', '\n.', '\r.', '\r\n.\r\n', '\x00'];
    for (let n = 0; n < 3000; n++) {
      let input = '';
      const lines = 5 + Math.floor(rand() * 60);
      for (let l = 0; l < lines; l++) {
        let line = 'x'.repeat(Math.floor(rand() * 90));
        if (rand() < 0.15) {
          const at = Math.floor(rand() * (line.length + 1));
          line = line.slice(0, at) + irregular[Math.floor(rand() * irregular.length)] + line.slice(at);
        }
        if (rand() < 0.05) line = `.${line}`;
        input += `${line}\r\n`;
      }
      if (rand() < 0.7) input += '.\r\nQUIT\r\n';
      const bytes = Buffer.from(input, 'latin1');
      const decoder = createDataDecoder();
      const out: Buffer[] = [];
      let rest: Buffer | undefined;
      const maxChunk = 1 + Math.floor(rand() * 600);
      for (let off = 0; off < bytes.length && rest === undefined; ) {
        const size = 1 + Math.floor(rand() * maxChunk);
        const r = decoder.write(bytes.subarray(off, off + size));
        off += size;
        out.push(...r.data);
        if (r.done) rest = Buffer.concat([r.rest ?? Buffer.alloc(0), bytes.subarray(off)]);
      }
      const expected = referenceDecode(input);
      assert.equal(decoder.done, expected !== undefined, JSON.stringify(input));
      if (expected === undefined) continue;
      assert.equal(Buffer.concat(out).toString('latin1'), expected.message, JSON.stringify(input));
      assert.equal(rest?.toString('latin1'), expected.rest);
    }
  });
});
