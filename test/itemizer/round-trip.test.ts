// build(parse(message)) over every MIME fixture: every part's decoded bytes survive, the output
// uses CRLF only, no line exceeds RFC 5322's 998 characters, and no Bcc header is written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildMessage, type Note, parseMessage } from '@mailroute/itemizer';
import { fixturesRoot, mimeFixtureFiles } from './fixtures.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function decoded(note: Note): string[] {
  return [
    ...note.parts().flatMap((p) => (p.content === undefined ? [] : [`${p.mediaType} ${sha(p.content)}`])),
    ...note
      .attachments()
      .map((a) => `${a.fileName} ${a.mediaType} ${a.content === undefined ? '-' : sha(a.content)}`),
  ];
}

describe('round trip over the MIME fixtures', {
  skip: fixturesRoot === undefined ? 'fixtures folder absent' : false,
}, () => {
  it('keeps every decoded part and writes a valid message', async () => {
    for (const file of mimeFixtureFiles().filter((f) => !/(MANIFEST|README)\./.test(f))) {
      const note = await parseMessage(readFileSync(file));
      const out = buildMessage(note, { clock: () => new Date(0) });
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
