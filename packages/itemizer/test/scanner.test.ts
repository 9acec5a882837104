// The raw layer: header blocks and multipart boundaries, as literal bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../src/index.js';
import { crlf, lf } from './helpers.js';

const codes = (note: { defects: { code: string }[] }): string[] => note.defects.map((d) => d.code);

describe('multipart boundaries', () => {
  const msg = crlf(
    'From: a@example.com',
    'Date: Thu, 4 Jan 2007 12:14:08 +0100',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    'preamble text',
    '--b1',
    'Content-Type: text/plain',
    '',
    'first',
    '--b1  ',
    'Content-Type: text/plain',
    '',
    'second',
    'line',
    '--b1--',
    'epilogue',
  );

  it('splits parts; the line break before a delimiter belongs to the delimiter', async () => {
    const note = await parseMessage(msg);
    const parts = note.parts();
    assert.deepEqual(
      parts.map((p) => [p.path, p.mediaType, p.text]),
      [
        ['', 'multipart/mixed', undefined],
        ['1', 'text/plain', 'first'],
        ['2', 'text/plain', 'second\r\nline'],
      ],
    );
    assert.equal(parts[0]?.preamble?.toString(), 'preamble text');
    assert.equal(parts[0]?.epilogue?.toString(), 'epilogue');
    assert.deepEqual(codes(note), []);
  });

  it('gives the same result for every chunking, down to one byte', async () => {
    const whole = (await parseMessage(msg)).parts().map((p) => p.text);
    for (const chunkSize of [1, 2, 3, 5, 8, 13]) {
      assert.deepEqual(
        (await parseMessage(msg, { chunkSizeBytes: chunkSize })).parts().map((p) => p.text),
        whole,
        `chunk ${chunkSize}`,
      );
    }
  });

  it('does not take a longer line that starts with the boundary for a delimiter', async () => {
    const note = await parseMessage(
      crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', '--bx not a delimiter', '--b--', ''),
    );
    assert.equal(note.parts()[1]?.text, '--bx not a delimiter');
  });

  it('matches the innermost boundary first and closes inner parts at an outer delimiter', async () => {
    const note = await parseMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=outer',
        '',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        '',
        'alt one',
        '--outer',
        '',
        'next outer part',
        '--outer--',
      ),
    );
    assert.deepEqual(
      note.parts().map((p) => [p.path, p.mediaType]),
      [
        ['', 'multipart/mixed'],
        ['1', 'multipart/alternative'],
        ['1.1', 'text/plain'],
        ['2', 'text/plain'],
      ],
    );
    assert.ok(codes(note).includes('missing-final-boundary'));
  });

  it('records a missing final boundary and keeps the last part', async () => {
    const note = await parseMessage(
      crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'unterminated'),
    );
    assert.equal(note.parts()[1]?.text, 'unterminated');
    assert.deepEqual(codes(note), ['missing-final-boundary', 'missing-header', 'missing-header']);
  });

  it('records a multipart whose boundary never appears', async () => {
    const note = await parseMessage(crlf('Content-Type: multipart/mixed; boundary=b', '', 'just text'));
    assert.equal(note.parts()[0]?.preamble?.toString(), 'just text');
    assert.ok(codes(note).includes('missing-start-boundary'));
  });

  it('reads a multipart without boundary parameter as text with a defect', async () => {
    const note = await parseMessage(crlf('Content-Type: multipart/mixed', '', 'body'));
    assert.equal(note.parts()[0]?.mediaType, 'text/plain');
    assert.equal(note.parts()[0]?.text, 'body');
    assert.ok(codes(note).includes('multipart-without-boundary'));
  });

  it('accepts bare LF line ends and records them', async () => {
    const note = await parseMessage(
      lf('Subject: x', 'Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b--', ''),
    );
    assert.equal(note.parts()[1]?.text, 'one');
    assert.ok(codes(note).includes('bare-lf'));
  });

  it('parses nested message/rfc822 as a message', async () => {
    const note = await parseMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'Subject: inner',
        'Content-Type: text/plain',
        '',
        'inner body',
        '--b--',
      ),
    );
    const parts = note.parts();
    assert.deepEqual(
      parts.map((p) => [p.path, p.mediaType]),
      [
        ['', 'multipart/mixed'],
        ['1', 'message/rfc822'],
        ['1.1', 'text/plain'],
      ],
    );
    assert.equal(parts[2]?.text, 'inner body');
    assert.equal(parts[2]?.headers.find((h) => h.name === 'Subject')?.value, 'inner');
  });

  it('ends a header block at a line that is not a header, with a defect', async () => {
    const note = await parseMessage(crlf('Subject: x', 'this is body text', 'more'));
    assert.equal(note.parts()[0]?.text, 'this is body text\r\nmore');
    assert.ok(codes(note).includes('missing-header-body-separator'));
  });

  it('skips an mbox "From " line before the headers', async () => {
    const note = await parseMessage(
      crlf('From sender@example.com Thu Jan  4 12:14:08 2007', 'Subject: hi', '', 'b'),
    );
    assert.equal(note.text('Subject'), 'hi');
    assert.ok(codes(note).includes('mbox-from-line'));
  });

  it('keeps a part that has headers but no body', async () => {
    const note = await parseMessage(
      crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '--b--'),
    );
    assert.equal(note.parts()[1]?.size, 0);
  });

  it('uses message/rfc822 as the default type inside multipart/digest', async () => {
    const note = await parseMessage(
      crlf('Content-Type: multipart/digest; boundary=b', '', '--b', '', 'Subject: one', '', 'body', '--b--'),
    );
    assert.equal(note.parts()[1]?.mediaType, 'message/rfc822');
  });

  it('records NUL bytes in headers and text', async () => {
    const note = await parseMessage(Buffer.from('Subject: a\0b\r\n\r\nte\0xt', 'latin1'));
    assert.ok(codes(note).includes('nul-byte'));
  });

  it('keeps a missing body and a header-only message', async () => {
    const note = await parseMessage(Buffer.from('Subject: only headers'));
    assert.equal(note.text('Subject'), 'only headers');
    assert.equal(note.parts()[0]?.size, 0);
  });

  it('parses an empty input into a note with defects', async () => {
    const note = await parseMessage(Buffer.alloc(0));
    assert.equal(note.text('Form'), 'Memo');
    assert.ok(codes(note).includes('missing-header'));
  });
});
