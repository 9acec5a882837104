// buildMessage: the outbound rules, and round trips in both directions.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildMessage, type Item, Note, parseMessage } from '../src/index.js';
import { sha256 } from './helpers.js';

const clock = { now: () => Date.parse('2026-01-02T03:04:05Z') };

function memo(): Note {
  return new Note()
    .add({ name: 'Form', type: 'text', value: 'Memo' })
    .add({ name: 'From', type: 'text', value: 'Daniel Nashed <nsh@nashcom.de>' })
    .add({ name: 'INetFrom', type: 'text', value: 'Daniel Nashed <nsh@nashcom.de>' })
    .add({
      name: 'SendTo',
      type: 'textList',
      value: ['"Müller, Heinz" <mueller@example.com>', 'b@example.com'],
    })
    .add({ name: 'CopyTo', type: 'textList', value: ['c@example.com'] })
    .add({ name: 'BlindCopyTo', type: 'textList', value: ['secret@example.com'] })
    .add({
      name: 'Subject',
      type: 'text',
      value: 'Grüße aus Köln – ein langer Betreff, der gefaltet werden muss, damit er passt',
    })
    .add({ name: 'PostedDate', type: 'dateTime', value: new Date('2007-01-04T11:14:08Z') })
    .add({ name: '$MessageID', type: 'text', value: '<id1@nashcom.de>' })
    .add({ name: 'Importance', type: 'text', value: '1' })
    .add({ name: 'Body', type: 'text', value: 'Hello\r\nWorld' });
}

function header(msg: Buffer): string {
  const text = msg.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n') + 2);
}

describe('outbound headers', () => {
  const out = buildMessage(memo(), { clock });
  const head = header(out);

  it('never writes a Bcc header', () => assert.doesNotMatch(head, /^bcc:/im));
  it('encodes non-ASCII with RFC 2047 and folds every line under 78 characters', () => {
    assert.match(head, /^Subject: =\?UTF-8\?Q\?/m);
    for (const line of out.toString('latin1').split('\r\n')) assert.ok(line.length <= 78, line);
    assert.doesNotMatch(out.toString('latin1'), /[^\r]\n/, 'CRLF only');
    assert.match(head, /^To: =\?UTF-8\?B\?[^?]+\?= <mueller@example\.com>, b@example\.com/m);
  });
  it('reads its own address headers back', async () => {
    assert.deepEqual((await parseMessage(out)).textList('SendTo'), [
      '"Müller, Heinz" <mueller@example.com>',
      'b@example.com',
    ]);
  });
  it('maps PostedDate, $MessageID, Importance', () => {
    assert.match(head, /^Date: Thu, 04 Jan 2007 11:14:08 \+0000\r$/m);
    assert.match(head, /^Message-ID: <id1@nashcom\.de>\r$/m);
    assert.match(head, /^Importance: high\r$/m);
  });
  it('uses the clock for a note without PostedDate', () => {
    const n = memo().remove('PostedDate');
    assert.match(header(buildMessage(n, { clock })), /^Date: Fri, 02 Jan 2026 03:04:05 \+0000\r$/m);
  });
  it('lets no line break in an item value through (no header injection)', () => {
    const n = memo().set({
      name: 'Subject',
      type: 'text',
      value: 'hi\r\nBcc: victim@example.com\r\n\r\nbody',
    });
    n.add({
      name: 'X-Custom',
      type: 'rfc822Text',
      value: { name: 'X-Custom', value: 'a', raw: ' a\r\nBcc: victim@example.com' },
    });
    const h = header(buildMessage(n, { clock }));
    assert.doesNotMatch(h, /^Bcc:/im);
    assert.doesNotMatch(h, /\r\n\r\n./);
  });
  it('rejects an invalid header field name', () => {
    const n = memo().add({
      name: 'Bad Name',
      type: 'rfc822Text',
      value: { name: 'Bad Name', value: 'x', raw: ' x' },
    });
    assert.throws(() => buildMessage(n, { clock }), TypeError);
  });
  it('converts Notes names with the Internet domain', () => {
    const n = memo().set({ name: 'SendTo', type: 'textList', value: ['John Doe/Acme@ACME'] });
    assert.match(
      header(buildMessage(n, { clock, internetDomain: 'acme.com' })),
      /^To: John Doe <John_Doe\/Acme%ACME@acme\.com>\r$/m,
    );
  });
  it('writes Notes names without Internet domain routable by Domino domain, and reads them back', async () => {
    const n = memo()
      .set({ name: 'SendTo', type: 'textList', value: ['John Doe/Acme@ACME', 'CN=Jane Roe/O=Acme'] })
      .remove('INetFrom');
    const out = buildMessage(n, { clock });
    assert.match(header(out), /^To: "John Doe\/Acme"@ACME, "CN=Jane Roe\/O=Acme":;\r$/m);
    assert.deepEqual((await parseMessage(out)).textList('SendTo'), [
      'John Doe/Acme@ACME',
      'CN=Jane Roe/O=Acme',
    ]);
  });
  it('writes ReturnReceipt as Disposition-Notification-To (or Return-Receipt-To)', () => {
    const n = memo().add({ name: 'ReturnReceipt', type: 'text', value: '1' });
    assert.match(
      header(buildMessage(n, { clock })),
      /^Disposition-Notification-To: Daniel Nashed <nsh@nashcom\.de>\r$/m,
    );
    assert.match(
      header(buildMessage(n, { clock, returnReceiptHeader: 'Return-Receipt-To' })),
      /^Return-Receipt-To:/m,
    );
  });
  it('writes X-Notes-Item only with $SMTPKeepNotesItems=1 or the include list; the exclude list wins', () => {
    const n = memo().add({ name: 'Categories', type: 'textList', value: ['a', 'b'] });
    assert.doesNotMatch(header(buildMessage(n, { clock })), /X-Notes-Item/);
    assert.match(
      header(buildMessage(n, { clock, includeItems: ['Categories'] })),
      /^X-Notes-Item: a, b; type=textlist; name=Categories/m,
    );
    n.add({ name: '$SMTPKeepNotesItems', type: 'text', value: '1' });
    const h = header(buildMessage(n, { clock, excludeItems: ['INetFrom'] }));
    assert.match(h, /name=Categories/);
    assert.match(h, /name=\$SMTPKeepNotesItems/);
    assert.match(h, /^From: Daniel Nashed <nsh@nashcom\.de>/m);
  });
});

describe('outbound bodies', () => {
  it('chooses 7bit, quoted-printable or base64 by content', async () => {
    const note = new Note();
    const parts: [string, Buffer][] = [
      ['text/plain', Buffer.from('plain ascii\r\nlines\r\n')],
      ['text/plain', Buffer.from('mostly ascii with ümlauts and a bare\nLF', 'utf8')],
      ['application/octet-stream', Buffer.from([0, 1, 2, 255])],
    ];
    note.add({
      name: 'Body',
      type: 'mimePart',
      value: {
        path: '',
        headers: [],
        mediaType: 'multipart/mixed',
        params: {},
        transferEncoding: '',
        size: 0,
      },
    });
    parts.forEach(([type, content], i) => {
      note.add({
        name: 'Body',
        type: 'mimePart',
        value: {
          path: String(i + 1),
          headers: [],
          mediaType: type,
          params: { charset: 'utf-8' },
          transferEncoding: '',
          size: content.length,
          content,
          ...(type.startsWith('text/') ? { charset: 'utf-8' } : { attachment: 'data.bin' }),
        },
      });
    });
    note.add({
      name: '$FILE',
      type: 'attachment',
      value: {
        fileName: 'data.bin',
        mediaType: 'application/octet-stream',
        size: 4,
        content: parts[2]?.[1] as Buffer,
        streamed: false,
        part: '3',
      },
    });
    const out = buildMessage(note, { clock });
    const encodings = [...out.toString('latin1').matchAll(/Content-Transfer-Encoding: (\S+)/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(encodings, ['7bit', 'quoted-printable', 'base64']);
    const back = await parseMessage(out);
    assert.deepEqual(
      back
        .parts()
        .slice(1)
        .map((p) => p.content ?? back.attachments()[0]?.content),
      // Text goes out with canonical CRLF line ends (RFC 2046 4.1.1); other bytes stay exact.
      parts.map((p) =>
        p[0].startsWith('text/')
          ? Buffer.from(p[1].toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')
          : p[1],
      ),
    );
  });

  it('writes RFC 2231 file names for non-ASCII attachment names', () => {
    const note = new Note();
    note.add({
      name: 'Body',
      type: 'mimePart',
      value: {
        path: '',
        headers: [],
        mediaType: 'application/pdf',
        params: {},
        transferEncoding: '',
        size: 4,
        attachment: 'Rechnung März.pdf',
      },
    });
    note.add({
      name: '$FILE',
      type: 'attachment',
      value: {
        fileName: 'Rechnung März.pdf',
        mediaType: 'application/pdf',
        size: 4,
        content: Buffer.from('%PDF'),
        streamed: false,
        part: '',
      },
    });
    const text = buildMessage(note, { clock }).toString('latin1');
    assert.match(text, /filename\*0\*=utf-8''Rechnung%20M%C3%A4rz\.pdf/);
  });

  it('asks loadAttachment for bytes that were streamed away, and fails clearly without it', () => {
    const note = new Note();
    note.add({
      name: 'Body',
      type: 'mimePart',
      value: {
        path: '',
        headers: [],
        mediaType: 'application/zip',
        params: {},
        transferEncoding: '',
        size: 3,
        attachment: 'a.zip',
      },
    });
    note.add({
      name: '$FILE',
      type: 'attachment',
      value: { fileName: 'a.zip', mediaType: 'application/zip', size: 3, streamed: true, part: '' },
    });
    assert.throws(() => buildMessage(note, { clock }), /no bytes for attachment "a.zip"/);
    const out = buildMessage(note, { clock, loadAttachment: () => Buffer.from('PK!') });
    assert.match(out.toString('latin1'), /\r\n\r\nPK!$/);
  });

  it('streams the same bytes as the buffer form', async () => {
    const note = memo();
    const chunks: Buffer[] = [];
    const stream = buildMessage(note, { clock, output: 'stream' });
    assert.ok(stream instanceof Readable);
    for await (const c of stream) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), buildMessage(note, { clock }));
  });

  it('sends a calendar note with a text/calendar VCALENDAR part', async () => {
    const note = memo()
      .set({ name: 'Form', type: 'text', value: 'Appointment' })
      .add({ name: 'StartDateTime', type: 'dateTime', value: new Date('2026-02-01T09:00:00Z') })
      .add({ name: 'EndDateTime', type: 'dateTime', value: new Date('2026-02-01T10:00:00Z') })
      .add({ name: 'Location', type: 'text', value: 'Room 1, 2nd floor' });
    const back = await parseMessage(buildMessage(note, { clock }));
    const cal = back.parts().find((p) => p.mediaType === 'text/calendar');
    assert.equal(cal?.params.method, 'REQUEST');
    assert.match(cal?.text ?? '', /DTSTART:20260201T090000Z\r\nDTEND:20260201T100000Z\r\n/);
    assert.match(cal?.text ?? '', /LOCATION:Room 1\\, 2nd floor/);
    assert.match(cal?.text ?? '', /ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:mueller@example\.com/);
  });
});

function comparable(items: readonly Item[]): string[] {
  return items
    .filter((i) => i.type !== 'mimePart' && i.type !== 'attachment')
    .map((i) => `${i.name}|${i.type}|${JSON.stringify(i.type === 'rfc822Text' ? i.value.value : i.value)}`)
    .sort();
}

describe('round trips', () => {
  it('parse(build(note)) gives back the same items, X-Notes-Item included', async () => {
    const note = memo()
      .remove('Body')
      .add({ name: '$SMTPKeepNotesItems', type: 'text', value: '1' })
      .add({ name: 'Categories', type: 'textList', value: ['a, with comma', '', 'Grün', ' spaced '] })
      .add({ name: 'Count', type: 'number', value: 42.5 })
      .add({ name: 'DueDate', type: 'dateTime', value: new Date('2026-03-04T05:06:07.089Z') })
      .add({ name: 'Note with spaces; and semicolon', type: 'text', value: 'x' })
      .add({ name: 'Form', type: 'text', value: 'Reply' })
      .remove('BlindCopyTo');
    note.set({ name: 'Form', type: 'text', value: 'Reply' });
    note.add({ name: 'MIME_Version', type: 'text', value: '1.0' });
    note.add({ name: '$NoteHasNativeMIME', type: 'text', value: '1' });
    const back = await parseMessage(buildMessage(note, { clock }));
    assert.deepEqual(comparable(back.items), comparable(note.items));
  });

  it('build(parse(message)) keeps every decoded part', async () => {
    const original = await parseMessage(
      Buffer.from(
        'From: a@b.c\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe=20\r\n--q\r\nContent-Type: image/gif; name=x.gif\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lGODlhAQABAAAAACw=\r\n--q--\r\n',
      ),
    );
    const again = await parseMessage(buildMessage(original, { clock }));
    const digest = (n: Note): string[] => [
      ...n
        .parts()
        .map((p) => `${p.mediaType} ${p.content === undefined ? '-' : sha256(p.content)} ${p.text ?? ''}`),
      ...n.attachments().map((a) => `${a.fileName} ${a.content === undefined ? '-' : sha256(a.content)}`),
    ];
    assert.deepEqual(digest(again), digest(original));
    assert.equal(again.parts()[1]?.text, 'Grüße ');
  });
});
