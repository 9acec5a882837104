// The item mapping table (README "Item mapping"): one test per row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

const message = crlf(
  'Received: from a by b; Thu, 4 Jan 2007 12:14:09 +0100',
  'Message-ID: <2fbf@mail.gmail.com>',
  'Date: Thu, 4 Jan 2007 12:14:08 +0100',
  'From: "Daniel Nashed" <daniel.nashed@gmail.com>',
  'Sender: Secretary <sec@example.com>',
  'Reply-To: replies@example.com',
  'To: nsh@nashcom.de, Team: a@x.org;',
  'Cc: "C. Copy" <cc@example.com>',
  'Subject: Ping',
  'In-Reply-To: <parent@example.com>',
  'References: <root@example.com> <parent@example.com>',
  'Importance: high',
  'Disposition-Notification-To: daniel.nashed@gmail.com',
  'X-Mailer: Test Mailer 1.0',
  'X-Notes-Item: Blue, =?UTF-8?B?R3LDvG4=?=; type=textlist; name=Colors',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'Test Body',
);

describe('inbound item mapping', async () => {
  const note = await parseMessage(message, {
    envelope: {
      mailFrom: 'bounce@gmail.com',
      recipients: ['nsh@nashcom.de', 'hidden@nashcom.de', 'CC@example.com'],
    },
  });

  it('Form = Memo', () => assert.equal(note.text('Form'), 'Memo'));
  it('From and INetFrom from From', () => {
    assert.equal(note.text('From'), 'Daniel Nashed <daniel.nashed@gmail.com>');
    assert.equal(note.text('INetFrom'), 'Daniel Nashed <daniel.nashed@gmail.com>');
  });
  it('Principal from Sender', () => assert.equal(note.text('Principal'), 'Secretary <sec@example.com>'));
  it('ReplyTo from Reply-To', () => assert.deepEqual(note.textList('ReplyTo'), ['replies@example.com']));
  it('SendTo from To, a group kept as one entry with its members', () =>
    assert.deepEqual(note.textList('SendTo'), ['nsh@nashcom.de', 'Team: a@x.org;']));
  it('CopyTo from Cc', () => assert.deepEqual(note.textList('CopyTo'), ['"C. Copy" <cc@example.com>']));
  it('BlindCopyTo from envelope recipients in neither To nor Cc (case-insensitive)', () =>
    assert.deepEqual(note.textList('BlindCopyTo'), ['hidden@nashcom.de']));
  it('Subject', () => assert.equal(note.text('Subject'), 'Ping'));
  it('PostedDate from Date, as a date-time item', () => {
    const item = note.get('PostedDate');
    assert.equal(item?.type, 'dateTime');
    assert.equal(item?.type === 'dateTime' ? item.value.toISOString() : '', '2007-01-04T11:14:08.000Z');
  });
  it('$MessageID, In-Reply-To, References', () => {
    assert.equal(note.text('$MessageID'), '<2fbf@mail.gmail.com>');
    assert.equal(note.text('In-Reply-To'), '<parent@example.com>');
    assert.equal(note.text('References'), '<root@example.com> <parent@example.com>');
  });
  it('Importance 1/2/3 from Importance', () => assert.equal(note.text('Importance'), '1'));
  it('ReturnReceipt from Disposition-Notification-To, header kept too', () => {
    assert.equal(note.text('ReturnReceipt'), '1');
    assert.equal(note.get('Disposition-Notification-To')?.type, 'rfc822Text');
  });
  it('SMTPOriginator and Recipients from the envelope', () => {
    assert.equal(note.text('SMTPOriginator'), 'bounce@gmail.com');
    assert.deepEqual(note.textList('Recipients'), ['nsh@nashcom.de', 'hidden@nashcom.de', 'CC@example.com']);
  });
  it('MIME_Version and $NoteHasNativeMIME', () => {
    assert.equal(note.text('MIME_Version'), '1.0');
    assert.equal(note.text('$NoteHasNativeMIME'), '1');
  });
  it('X-Notes-Item back to the item it carries', () => {
    const item = note.get('Colors');
    assert.deepEqual(item, { name: 'Colors', type: 'textList', value: ['Blue', 'Grün'] });
  });
  it('every other header kept as RFC 822 text, in order, raw value too', () => {
    const kept = note.items.filter((i) => i.type === 'rfc822Text').map((i) => i.name);
    assert.deepEqual(kept, ['Received', 'Disposition-Notification-To', 'X-Mailer']);
    const mailer = note.get('X-Mailer');
    assert.equal(mailer?.type === 'rfc822Text' ? mailer.value.raw : '', ' Test Mailer 1.0');
  });
  it('Body as MIME parts; Content-* headers stay on the part', () => {
    const parts = note.parts();
    assert.equal(parts.length, 1);
    assert.equal(parts[0]?.text, 'Test Body');
    assert.ok(parts[0]?.headers.some((h) => h.name === 'Content-Type'));
  });
  it('a clean message has no defects', () => assert.deepEqual(note.defects, []));
});

describe('mapping of odd headers', () => {
  it('Importance from X-Priority when there is no Importance header', async () => {
    const note = await parseMessage(crlf('X-Priority: 5 (Lowest)', '', ''));
    assert.equal(note.text('Importance'), '3');
    assert.equal(note.get('X-Priority')?.type, 'rfc822Text');
  });
  it('an unreadable Date is kept as text with a defect', async () => {
    const note = await parseMessage(crlf('Date: someday', '', ''));
    assert.equal(note.has('PostedDate'), false);
    assert.equal(note.text('Date'), 'someday');
    assert.ok(note.defects.some((d) => d.code === 'invalid-date'));
  });
  it('a duplicated single header: first one mapped, second kept, defect recorded', async () => {
    const note = await parseMessage(crlf('Subject: one', 'Subject: two', '', ''));
    assert.equal(note.text('Subject'), 'one');
    assert.equal(note.getAll('Subject').length, 2);
    assert.ok(note.defects.some((d) => d.code === 'duplicate-header'));
  });
  it('a malformed X-Notes-Item is kept as a header with a defect', async () => {
    const note = await parseMessage(crlf('X-Notes-Item: no name here', '', ''));
    assert.equal(note.get('X-Notes-Item')?.type, 'rfc822Text');
    assert.ok(note.defects.some((d) => d.code === 'invalid-notes-item'));
  });
  it('attachments become $FILE items with unique names; inline text stays in the body', async () => {
    const note = await parseMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'hello',
        '--b',
        'Content-Type: application/octet-stream; name=a.bin',
        'Content-Transfer-Encoding: base64',
        'Content-ID: <cid1@x>',
        '',
        'AAEC',
        '--b',
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename=a.bin',
        '',
        'xyz',
        '--b',
        'Content-Type: image/png',
        '',
        '',
        '--b--',
      ),
    );
    assert.deepEqual(
      note.attachments().map((a) => [a.fileName, a.size, a.part, a.contentId]),
      [
        ['a.bin', 3, '2', 'cid1@x'],
        ['a_1.bin', 3, '3', undefined],
        ['ATT00003.png', 0, '4', undefined],
      ],
    );
    assert.equal(note.parts()[1]?.text, 'hello');
    assert.equal(note.parts()[2]?.attachment, 'a.bin');
  });
  it('text/calendar parts are kept as such', async () => {
    const note = await parseMessage(
      crlf(
        'Content-Type: text/calendar; method=REQUEST; charset=utf-8',
        '',
        'BEGIN:VCALENDAR',
        'END:VCALENDAR',
      ),
    );
    assert.equal(note.parts()[0]?.mediaType, 'text/calendar');
    assert.equal(note.parts()[0]?.params.method, 'REQUEST');
    assert.equal(note.attachments().length, 0);
  });
});

describe('Notes names in address headers', () => {
  it('keeps bare and quoted-local-part Notes names as Notes names', async () => {
    const note = await parseMessage(
      crlf(
        'From: Daniel Nashed/NashCom/DE@NashCom',
        'To: John Doe/Acme@ACME, x@y.z',
        'Cc: "Jane Roe/Sales/Acme"@ACME',
        '',
        '',
      ),
    );
    assert.equal(note.text('From'), 'Daniel Nashed/NashCom/DE@NashCom');
    assert.deepEqual(note.textList('SendTo'), ['John Doe/Acme@ACME', 'x@y.z']);
    assert.deepEqual(note.textList('CopyTo'), ['Jane Roe/Sales/Acme@ACME']);
  });
});
