// Bounded fuzz: seeded mutations of messages and TNEF streams. The parser must always give a
// note (never throw, never hang), and building the note again must keep every decoded part.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { buildMessage, decodeTnef, type MimePart, type Note, parseMessage } from '../src/index.js';
import { decompressRtf } from '../src/tnef/rtf.js';
import { sha256 } from './helpers.js';

const SEEDS = [
  'From: "A" <a@x.org>\r\nTo: b@y.org, G: c@z.org;\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Thu, 4 Jan 2007 12:14:08 +0100\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\npre\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nH=E9llo=\r\n world\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--inner--\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--outer\r\nContent-Type: application/pdf; name*=utf-8\'\'%C3%A4.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfs\r\n--outer--\r\nepi\r\n',
  'Subject: plain\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n',
  'Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\n1\r\n--d\r\n\r\nSubject: two\r\n\r\n2\r\n--d--\r\n',
];

const TOKENS = [
  '\r\n',
  '\n',
  '--outer',
  '--inner',
  '--d',
  '\r\n\r\n',
  '=',
  '=?utf-8?b?',
  '\0',
  '\xff',
  ':',
  ';',
  '"',
  '(',
  '<',
  'Content-Type: multipart/mixed; boundary=x\r\n',
  '--x--',
];

function mutate(base: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(base);
  const n = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (b.length + 1));
    switch (Math.floor(rnd() * 5)) {
      case 0:
        if (b.length > 0) b[Math.min(at, b.length - 1)] = Math.floor(rnd() * 256);
        break;
      case 1:
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(TOKENS[Math.floor(rnd() * TOKENS.length)] as string, 'latin1'),
          b.subarray(at),
        ]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + Math.floor(rnd() * 40))]);
        break;
      case 3: {
        const len = Math.floor(rnd() * 60);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      default:
        b = b.subarray(0, at);
    }
  }
  return b;
}

/** Text goes out in canonical form (CRLF line ends, RFC 2046 4.1.1); compare it so. */
function canonical(p: MimePart, content: Buffer): Buffer {
  const text = p.mediaType.startsWith('text/') || p.mediaType === 'message/delivery-status';
  if (!text || /^(utf-?16|utf-?32|ucs)/i.test(p.params.charset ?? p.charset ?? '')) return content;
  return Buffer.from(content.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

function decoded(note: Note): string[] {
  return [
    ...note
      .parts()
      // An empty multipart goes out holding one empty text part (RFC 2046 5.1.1 wants one):
      // empty text parts are left out of the comparison.
      .filter((p) => !(p.mediaType === 'text/plain' && p.content?.length === 0))
      .flatMap((p) => (p.content === undefined ? [] : [`${p.mediaType} ${sha256(canonical(p, p.content))}`])),
    // message/* goes out unencoded with CRLF line ends (RFC 2046 5.2.1): compared so.
    ...note
      .attachments()
      .map(
        (a) =>
          `${a.fileName} ${a.content === undefined ? '-' : sha256(a.mediaType.startsWith('message/') ? Buffer.from(a.content.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1') : a.content)}`,
      ),
  ];
}

describe('fuzz', () => {
  it('2,000 mutated messages: always a note, and build(parse(m)) keeps the decoded parts', async () => {
    const rnd = prng(20261121);
    const started = Date.now();
    for (let i = 0; i < 2000; i++) {
      const input = mutate(Buffer.from(SEEDS[i % SEEDS.length] as string, 'latin1'), rnd);
      const note = await parseMessage(input, { chunkSizeBytes: 1 + Math.floor(rnd() * 64) });
      assert.ok(note.has('Form'));
      const again = await parseMessage(buildMessage(note, { clock: { now: () => 0 } }));
      assert.deepEqual(
        decoded(again),
        decoded(note),
        `iteration ${i}: ${JSON.stringify(input.toString('latin1'))}`,
      );
    }
    assert.ok(Date.now() - started < 20_000);
  });

  it('2,000 mutated TNEF streams and random compressed RTF: defects, never a throw', () => {
    const rnd = prng(7);
    const base = Buffer.concat([
      Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00]),
      Buffer.from([0x01, 0x03, 0x90, 0x06, 0x00, 0x10, 0, 0, 0]),
      Buffer.from([2, 0, 0, 0, 0x1e, 0, 0x37, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0]),
    ]);
    for (let i = 0; i < 2000; i++) {
      const msg = decodeTnef(mutate(base, rnd));
      assert.ok(Array.isArray(msg.defects));
      const rtf = Buffer.alloc(Math.floor(rnd() * 64));
      for (let k = 0; k < rtf.length; k++) rtf[k] = Math.floor(rnd() * 256);
      if (rtf.length >= 12) rtf.write(rnd() < 0.5 ? 'LZFu' : 'MELA', 8, 'latin1');
      assert.ok(Buffer.isBuffer(decompressRtf(rtf).rtf));
    }
  });
});
