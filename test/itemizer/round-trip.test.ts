// build(parse(message)) over every MIME fixture: every part's decoded bytes survive (text in its
// canonical CRLF form), the output
// uses CRLF only, no line exceeds RFC 5322's 998 characters, and no Bcc header is written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildMessage, type MimePart, type Note, parseMessage } from '@mailroute/itemizer';
import { fixturesRoot, mimeFixtureFiles } from './fixtures.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function crlfOf(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** Text goes out in canonical form (CRLF line ends, RFC 2046 4.1.1): compare it so. */
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
      .flatMap((p) => (p.content === undefined ? [] : [`${p.mediaType} ${sha(canonical(p, p.content))}`])),
    ...note
      .attachments()
      // message/* goes out unencoded with CRLF line ends (RFC 2046 5.2.1): compared so.
      .map(
        (a) =>
          `${a.fileName} ${a.mediaType} ${a.content === undefined ? '-' : sha(a.mediaType.startsWith('message/') ? crlfOf(a.content) : a.content)}`,
      ),
  ];
}

describe('round trip over the MIME fixtures', {
  skip: fixturesRoot === undefined ? 'fixtures folder absent' : false,
}, () => {
  it('keeps every decoded part and writes a valid message', async () => {
    for (const file of mimeFixtureFiles().filter((f) => !/(MANIFEST|README)\./.test(f))) {
      const note = await parseMessage(readFileSync(file));
      const out = buildMessage(note, { clock: { now: () => 0 } });
      const again = await parseMessage(out);
      assert.deepEqual(decoded(again), decoded(note), file);
      const text = out.toString('latin1');
      assert.doesNotMatch(text, /[^\r]\n|\r[^\n]/, `${file}: CRLF only`);
      assert.ok(
        text.split('\r\n').every((l) => l.length <= 998),
        `${file}: lines within 998`,
      );
      assert.doesNotMatch(text.slice(0, text.indexOf('\r\n\r\n')), /^bcc:/im, `${file}: no Bcc`);
    }
  });
});
