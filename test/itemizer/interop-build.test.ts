// What buildMessage writes, read by independent parsers: mailparser (simpleParser) and Python's
// `email` package with its modern policy. Subject, addresses, text, attachment names and bytes
// must come out as the note had them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { buildMessage, Note } from '@mailroute/itemizer';

const require = createRequire(import.meta.url);
interface ParsedMail {
  subject?: string;
  from?: { value: { name: string; address: string }[] };
  to?: { value: { name: string; address: string }[] };
  bcc?: unknown;
  text?: string;
  attachments: { filename?: string; content: Buffer; contentType: string }[];
}
const { simpleParser } = require('mailparser') as { simpleParser(b: Buffer): Promise<ParsedMail> };

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const pdf = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff));
const subject =
  'Grüße aus Köln: Termin „Budget“ – bitte bestätigen, es ist dringend und lang genug zum Falten';
const text = 'Hallo Jürgen,\r\n\r\nanbei die Rechnung für März.\r\nViele Grüße\r\nDaniel\r\n';

function note(): Note {
  const n = new Note()
    .add({ name: 'From', type: 'text', value: '"Nashed, Daniel" <nsh@nashcom.de>' })
    .add({ name: 'SendTo', type: 'textList', value: ['Jürgen Müller <jm@example.de>', 'team@example.com'] })
    .add({ name: 'BlindCopyTo', type: 'textList', value: ['secret@example.com'] })
    .add({ name: 'Subject', type: 'text', value: subject })
    .add({ name: 'PostedDate', type: 'dateTime', value: new Date('2026-11-21T10:00:00Z') })
    .add({ name: '$MessageID', type: 'text', value: '<interop@nashcom.de>' });
  const root = {
    path: '',
    headers: [],
    mediaType: 'multipart/mixed',
    params: {},
    transferEncoding: '',
    size: 0,
  };
  n.add({ name: 'Body', type: 'mimePart', value: root });
  const body = Buffer.from(text, 'utf8');
  n.add({
    name: 'Body',
    type: 'mimePart',
    value: {
      path: '1',
      headers: [],
      mediaType: 'text/plain',
      params: { charset: 'utf-8' },
      transferEncoding: '',
      size: body.length,
      content: body,
      text,
      charset: 'utf-8',
    },
  });
  n.add({
    name: 'Body',
    type: 'mimePart',
    value: {
      path: '2',
      headers: [],
      mediaType: 'application/pdf',
      params: {},
      transferEncoding: '',
      size: pdf.length,
      attachment: 'Rechnung März 2026 – endgültig.pdf',
    },
  });
  n.add({
    name: '$FILE',
    type: 'attachment',
    value: {
      fileName: 'Rechnung März 2026 – endgültig.pdf',
      mediaType: 'application/pdf',
      size: pdf.length,
      content: pdf,
      streamed: false,
      part: '2',
    },
  });
  return n;
}

describe('built messages read by other parsers', () => {
  const message = buildMessage(note(), { clock: { now: () => 0 } });

  it('mailparser reads subject, addresses, text and the attachment', async () => {
    const mail = await simpleParser(message);
    assert.equal(mail.subject, subject);
    assert.deepEqual(
      mail.from?.value.map((v) => [v.name, v.address]),
      [['Nashed, Daniel', 'nsh@nashcom.de']],
    );
    assert.deepEqual(
      mail.to?.value.map((v) => [v.name, v.address]),
      [
        ['Jürgen Müller', 'jm@example.de'],
        ['', 'team@example.com'],
      ],
    );
    assert.equal(mail.bcc, undefined);
    assert.equal(mail.text?.replace(/\r\n/g, '\n').trim(), text.replace(/\r\n/g, '\n').trim());
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0]?.filename, 'Rechnung März 2026 – endgültig.pdf');
    assert.equal(sha(mail.attachments[0]?.content as Buffer), sha(pdf));
  });

  const python = '/usr/bin/python3';
  const skip = existsSync(python) || process.env.CI ? false : `${python} not found`;
  it('Python email (policy.default) reads the same', { skip }, () => {
    const script = [
      'import sys, json, hashlib, email',
      'from email import policy',
      'm = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)',
      'att = [p for p in m.iter_attachments()]',
      'print(json.dumps({"subject": str(m["subject"]), "to": [[a.display_name, a.addr_spec] for a in m["to"].addresses],',
      ' "files": [[p.get_filename(), hashlib.sha256(p.get_payload(decode=True)).hexdigest()] for p in att],',
      ' "text": m.get_body(("plain",)).get_content(), "defects": [type(d).__name__ for d in m.defects]}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(python, ['-c', script], { input: message }).toString('utf8')) as {
      subject: string;
      to: string[][];
      files: string[][];
      text: string;
      defects: string[];
    };
    assert.equal(out.subject, subject);
    assert.deepEqual(out.to, [
      ['Jürgen Müller', 'jm@example.de'],
      ['', 'team@example.com'],
    ]);
    assert.deepEqual(out.files, [['Rechnung März 2026 – endgültig.pdf', sha(pdf)]]);
    assert.equal(out.text.replace(/\r\n/g, '\n'), text.replace(/\r\n/g, '\n'));
    assert.deepEqual(out.defects, []);
  });
});
