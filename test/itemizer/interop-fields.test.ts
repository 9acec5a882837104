// Messages built from fields (and notes rebuilt from crafted input), read by two independent
// parsers: mailparser and CPython's `email` with policy.default. Every message must parse with
// zero defects in every header and part, and give back what was put in: a boundary-injection
// attempt, a forwarded message, a 200-character UTF-8 file name, groups, a From of several
// mailboxes, a delivery report, a calendar event, and 40 seeded random field sets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildMessage, buildMessageBytes, type MessageFields, parseMessage } from '@mailroute/itemizer';
import { prng } from '@mailroute/testing';

const require = createRequire(import.meta.url);
interface MpAddress {
  name: string;
  address?: string;
  group?: MpAddress[];
}
interface ParsedMail {
  subject?: string;
  from?: { value: MpAddress[] };
  to?: { value: MpAddress[] };
  cc?: { value: MpAddress[] };
  text?: string;
  html?: string | false;
  attachments: { filename?: string; content: Buffer; contentType: string; cid?: string }[];
}
const { simpleParser } = require('mailparser') as { simpleParser(b: Buffer): Promise<ParsedMail> };

const PYTHON = '/usr/bin/python3';
const helper = fileURLToPath(new URL('../python-built.py', import.meta.url));
const skipPython = existsSync(PYTHON) || process.env.CI ? false : `${PYTHON} not found`;

interface PyResult {
  defects: unknown[][];
  parts: [string, string | null, string | null, string | null][];
  files: [string, string, number][];
  subject: string | null;
  from: [string, [string, string][]][] | null;
  sender: [string, [string, string][]][] | null;
  to: [string | null, [string, string][]][] | null;
  cc: [string | null, [string, string][]][] | null;
  bcc: boolean;
  plain: string | null;
  html: string | null;
  count: Record<string, number>;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const lf = (s: string | null | undefined): string => (s ?? '').replace(/\r\n/g, '\n');

/** Parses every message with Python in one run. */
function python(messages: Record<string, Buffer>): Record<string, PyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'itemizer-py-'));
  try {
    const files = Object.entries(messages).map(([name, bytes]) => {
      const file = join(dir, `${name}.eml`);
      writeFileSync(file, bytes);
      return [name, file] as const;
    });
    const out = JSON.parse(
      execFileSync(PYTHON, [helper, ...files.map((f) => f[1])], { maxBuffer: 64 << 20 }).toString('utf8'),
    ) as Record<string, PyResult>;
    return Object.fromEntries(files.map(([name, file]) => [name, out[file] as PyResult]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const longName = `${'Überweisungsbestätigung für März – 日本語のファイル名 '.repeat(6)}`
  .slice(0, 196)
  .concat('.pdf');
const pdf = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) & 0xff));
const forwarded =
  'From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>\r\nTo: team@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\nMessage-ID: <orig@example.de>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n';
const ics =
  'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:42@example.com\r\nDTSTAMP:20260301T090000Z\r\nDTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\nSUMMARY:Budget\r\nORGANIZER:mailto:nsh@nashcom.de\r\nATTENDEE:mailto:jane@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

const common = {
  date: new Date('2026-03-04T05:06:07Z'),
} as const;

const FIELDS: Record<string, MessageFields> = {
  plain: {
    ...common,
    from: 'Daniel Nashed <nsh@nashcom.de>',
    to: 'jane@example.com',
    subject: 'Plain',
    text: 'Hello\nWorld\n',
  },
  longFilename: {
    ...common,
    from: 'nsh@nashcom.de',
    to: 'jane@example.com',
    subject: 'Rechnung',
    text: 'anbei',
    attachments: [{ filename: longName, content: pdf, contentType: 'application/pdf' }],
  },
  groups: {
    ...common,
    from: 'nsh@nashcom.de',
    to: { group: 'undisclosed-recipients' },
    cc: [
      {
        group: 'Vertrieb Köln',
        members: ['a@example.com', { name: 'Müller, Heinz', address: 'hm@example.com' }],
      },
      'z@example.com',
    ],
    subject: 'Groups',
    text: 'x',
  },
  multiFrom: {
    ...common,
    from: ['Ann <ann@example.com>', { name: 'Bob "the builder"', address: 'bob@example.com' }],
    sender: 'secretary@example.com',
    to: '"john..doe"@example.com',
    subject: 'Two authors',
    text: 'x',
  },
  lookalike: {
    ...common,
    from: { name: '=?utf-8?q?The_Boss?=', address: 'boss@example.com' },
    to: { name: '.', address: '.dot@example.com' },
    subject: '=?utf-8?q?not_encoded?= really',
    text: 'x',
  },
  forward: {
    ...common,
    from: 'nsh@nashcom.de',
    to: 'jane@example.com',
    subject: 'Fwd: Grüße',
    text: 'see the forwarded message',
    attachments: [{ filename: 'Grüße.eml', content: forwarded, contentType: 'message/rfc822' }],
  },
  inlineImage: {
    ...common,
    from: 'nsh@nashcom.de',
    to: 'jane@example.com',
    subject: 'Logo',
    text: 'logo',
    html: '<p><img src="cid:logo@nashcom.de"></p>',
    attachments: [
      { filename: 'logo.png', content: Buffer.from('89504e470d0a1a0a', 'hex'), cid: 'logo@nashcom.de' },
    ],
  },
  calendar: {
    ...common,
    from: 'nsh@nashcom.de',
    to: 'jane@example.com',
    subject: 'Budget meeting',
    text: 'Invitation: Budget',
    html: '<p>Invitation: <b>Budget</b></p>',
    icalEvent: { content: ics },
  },
  report: {
    ...common,
    from: 'Mail Delivery Subsystem <postmaster@mail.example.com>',
    to: 'jane@example.com',
    subject: 'Delivery Status Notification (Failure)',
    text: 'Your message to nobody@example.net could not be delivered.\n',
    report: {
      deliveryStatus: {
        message: {
          'Reporting-MTA': 'dns; mail.example.com',
          'Arrival-Date': 'Wed, 4 Mar 2026 05:06:07 +0000',
        },
        recipients: [
          {
            'Final-Recipient': 'rfc822; nobody@example.net',
            Action: 'failed',
            Status: '5.1.1',
            'Diagnostic-Code': 'smtp; 550 5.1.1 No such user',
          },
          { 'Final-Recipient': 'rfc822; other@example.net', Action: 'delayed', Status: '4.4.1' },
        ],
      },
      original: { message: forwarded },
    },
  },
  reportHeaders: {
    ...common,
    from: 'postmaster@mail.example.com',
    to: 'jane@example.com',
    subject: 'Undeliverable',
    text: 'failed',
    report: {
      deliveryStatus:
        'Reporting-MTA: dns; mail.example.com\n\nFinal-Recipient: rfc822; nobody@example.net\nAction: failed\nStatus: 5.1.1\n',
      original: { headers: forwarded },
    },
  },
};

describe('messages built from fields, read by mailparser and Python email', () => {
  const built: Record<string, Buffer> = {};
  let py: Record<string, PyResult> = {};

  before(async () => {
    for (const [name, fields] of Object.entries(FIELDS)) built[name] = await buildMessageBytes(fields);
    // A crafted inbound message whose text holds a delimiter line, parsed and rebuilt.
    const crafted = Buffer.from(
      'From: x@example.com\r\nTo: y@example.com\r\nSubject: crafted\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--=_mr_AAAAAAAAAAAAAAAAAAAA\r\nContent-Type: text/html\r\n\r\n<b>injected</b>\r\n--b1--\r\n',
    );
    // The random source first offers exactly the boundary written in the text; it must be refused.
    let calls = 0;
    built.injection = buildMessage(await parseMessage(crafted), {
      randomBytes: (n) => (calls++ === 0 ? Buffer.alloc(n) : Buffer.alloc(n, calls)),
    });
    assert.equal(calls, 2, 'the colliding boundary was drawn and replaced');
    // A parsed forward rebuilt: its message/rfc822 part came base64-encoded.
    const inbound = Buffer.from(
      `From: x@example.com\r\nTo: y@example.com\r\nSubject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd.eml\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(forwarded).toString('base64')}\r\n--b--\r\n`,
    );
    built.rebuiltForward = buildMessage(await parseMessage(inbound));
    if (!skipPython) py = python(built);
  });

  it('Python finds zero defects in every header and part of every message', { skip: skipPython }, () => {
    for (const [name, r] of Object.entries(py)) {
      assert.deepEqual(r.defects, [], name);
      for (const h of ['date', 'from', 'mime-version']) assert.equal(r.count[h], 1, `${name} ${h}`);
      // Built from fields: a Message-ID is always written (rebuilt notes keep theirs, if any).
      assert.equal(r.count['message-id'], name in FIELDS ? 1 : 0, `${name} message-id`);
      assert.ok((r.count.subject ?? 0) <= 1, name);
      assert.equal(r.bcc, false, name);
    }
  });

  it('boundary injection: the crafted delimiter stays text, no html part appears', {
    skip: skipPython,
  }, async () => {
    const r = py.injection as PyResult;
    assert.deepEqual(
      r.parts.map((p) => p[0]),
      ['multipart/mixed', 'text/plain'],
    );
    assert.match(lf(r.plain), /--=_mr_AAAAAAAAAAAAAAAAAAAA\nContent-Type: text\/html/);
    const mp = await simpleParser(built.injection as Buffer);
    assert.equal(mp.html, false);
  });

  it('a 200-character UTF-8 file name survives (RFC 2231), with its bytes', {
    skip: skipPython,
  }, async () => {
    assert.equal(longName.length, 200);
    assert.deepEqual(py.longFilename?.files, [[longName, sha(pdf), pdf.length]]);
    const mp = await simpleParser(built.longFilename as Buffer);
    assert.equal(mp.attachments[0]?.filename, longName);
    assert.equal(sha(mp.attachments[0]?.content as Buffer), sha(pdf));
  });

  it('groups: an empty group and a named group with members', { skip: skipPython }, async () => {
    assert.deepEqual(py.groups?.to, [['undisclosed-recipients', []]]);
    assert.deepEqual(py.groups?.cc, [
      [
        'Vertrieb Köln',
        [
          ['', 'a@example.com'],
          ['Müller, Heinz', 'hm@example.com'],
        ],
      ],
      [null, [['', 'z@example.com']]],
    ]);
    const mp = await simpleParser(built.groups as Buffer);
    assert.deepEqual(
      mp.cc?.value.map((v) => [v.name, v.group?.map((g) => g.address) ?? v.address]),
      [
        ['Vertrieb Köln', ['a@example.com', 'hm@example.com']],
        ['', 'z@example.com'],
      ],
    );
  });

  it('a From of several mailboxes is kept whole, with its Sender; quoted local parts stay quoted', {
    skip: skipPython,
  }, async () => {
    assert.deepEqual(py.multiFrom?.from, [
      [null, [['Ann', 'ann@example.com']]],
      [null, [['Bob "the builder"', 'bob@example.com']]],
    ]);
    assert.deepEqual(py.multiFrom?.sender, [[null, [['', 'secretary@example.com']]]]);
    // Python renders addr_spec without the quotes a leading, trailing or double dot needs; the
    // wire form is checked here and the value through Python.
    assert.deepEqual(py.multiFrom?.to, [[null, [['', 'john..doe@example.com']]]]);
    assert.match(built.multiFrom?.toString('latin1') ?? '', /^To: "john\.\.doe"@example\.com\r$/m);
    const mp = await simpleParser(built.multiFrom as Buffer);
    assert.deepEqual(
      mp.from?.value.map((v) => v.address),
      ['ann@example.com', 'bob@example.com'],
    );
  });

  it('a display name and a subject that read like encoded words stay literal', {
    skip: skipPython,
  }, async () => {
    assert.deepEqual(py.lookalike?.from, [[null, [['=?utf-8?q?The_Boss?=', 'boss@example.com']]]]);
    assert.equal(py.lookalike?.subject, '=?utf-8?q?not_encoded?= really');
    assert.deepEqual(py.lookalike?.to, [[null, [['.', '.dot@example.com']]]]);
    assert.match(built.lookalike?.toString('latin1') ?? '', /^To: "\." <"\.dot"@example\.com>\r$/m);
    const mp = await simpleParser(built.lookalike as Buffer);
    assert.equal(mp.from?.value[0]?.name, '=?utf-8?q?The_Boss?=');
    assert.equal(mp.subject, '=?utf-8?q?not_encoded?= really');
  });

  it('a forwarded message goes out unencoded as message/rfc822, as an attachment', {
    skip: skipPython,
  }, async () => {
    for (const name of ['forward', 'rebuiltForward']) {
      const parts = (py[name] as PyResult).parts;
      const fwd = parts.find((p) => p[0] === 'message/rfc822');
      assert.ok(fwd !== undefined, name);
      assert.ok(fwd[1] === null || /^(7bit|8bit)$/.test(fwd[1]), `${name}: ${fwd[1]}`);
      assert.equal(fwd[2], 'attachment', name);
      const inner = parts.slice(parts.indexOf(fwd) + 1);
      assert.equal(inner[0]?.[0], 'text/plain', name);
    }
    const mp = await simpleParser(built.forward as Buffer);
    const att = mp.attachments.find((a) => a.contentType === 'message/rfc822');
    assert.equal(att?.filename, 'Grüße.eml');
    assert.match(att?.content.toString('utf8') ?? '', /Grüße aus Köln/);
  });

  it('an inline image goes beside the html in multipart/related', { skip: skipPython }, async () => {
    assert.deepEqual(
      py.inlineImage?.parts.map((p) => p[0]),
      ['multipart/alternative', 'text/plain', 'multipart/related', 'text/html', 'image/png'],
    );
    const mp = await simpleParser(built.inlineImage as Buffer);
    assert.equal(mp.attachments[0]?.cid, 'logo@nashcom.de');
  });

  it('a calendar event is a text/calendar alternative with its method', { skip: skipPython }, () => {
    assert.deepEqual(
      py.calendar?.parts.map((p) => p[0]),
      ['multipart/alternative', 'text/plain', 'text/html', 'text/calendar'],
    );
    assert.match(
      built.calendar?.toString('latin1') ?? '',
      /Content-Type: text\/calendar; charset=utf-8; method=REQUEST/,
    );
  });

  it('a delivery report is multipart/report with status and original', { skip: skipPython }, () => {
    assert.deepEqual(
      py.report?.parts.map((p) => p[0]),
      [
        'multipart/report',
        'text/plain',
        'message/delivery-status',
        'text/plain',
        'text/plain',
        'text/plain',
        'message/rfc822',
        'text/plain',
      ],
    );
    assert.deepEqual(
      py.reportHeaders?.parts.map((p) => p[0]),
      [
        'multipart/report',
        'text/plain',
        'message/delivery-status',
        'text/plain',
        'text/plain',
        'text/rfc822-headers',
      ],
    );
    assert.equal(lf(py.report?.plain), 'Your message to nobody@example.net could not be delivered.\n');
  });
});

// 40 seeded random field sets through Python in one run: zero defects, same subject, addresses,
// text and attachments.
describe('seeded random field sets read by Python email', { skip: skipPython }, () => {
  const r = prng(4242);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const names = [
    '',
    'Anna',
    'Müller, Heinz',
    "O'Brien",
    'Zoë Ünïcödé',
    '日本 太郎',
    'a "quoted" name',
    'Dr. X',
  ];
  const locals = ['jane', 'john.doe', 'x+y', 'john..doe', '.dot', 'a b'];
  const words = ['Grüße', 'hello', 'world', '=?', 'Köln', '日本', '--', 'a'.repeat(90), '€', 'From'];
  const cases: { fields: MessageFields; to: [string, string][]; files: [string, Buffer][] }[] = [];
  for (let i = 0; i < 40; i++) {
    const to = Array.from(
      { length: 1 + Math.floor(r() * 3) },
      () => [pick(names), `${pick(locals)}@example.com`] as [string, string],
    );
    const files = Array.from(
      { length: Math.floor(r() * 3) },
      (_, k) =>
        [
          `${k}-${pick(words)} ${pick(words)}.bin`.slice(0, 120),
          Buffer.from(Array.from({ length: Math.floor(r() * 3000) }, () => Math.floor(r() * 256))),
        ] as [string, Buffer],
    );
    const subject = Array.from({ length: Math.floor(r() * 8) }, () => pick(words)).join(' ');
    const text = Array.from({ length: Math.floor(r() * 30) }, () => pick([...words, '\n', '\r\n', ' '])).join(
      '',
    );
    cases.push({
      fields: {
        from: 'nsh@nashcom.de',
        to: to.map(([name, address]) => ({ name, address })),
        subject,
        text,
        date: new Date(Date.UTC(2026, 0, 1 + i)),
        attachments: files.map(([filename, content]) => ({ filename, content })),
      },
      to,
      files,
    });
  }

  it('parse with zero defects and give back subject, addresses, text and files', async () => {
    const built: Record<string, Buffer> = {};
    for (const [i, c] of cases.entries()) built[`r${i}`] = await buildMessageBytes(c.fields);
    const out = python(built);
    for (const [i, c] of cases.entries()) {
      const res = out[`r${i}`] as PyResult;
      assert.deepEqual(res.defects, [], `case ${i}`);
      assert.equal(res.subject, (c.fields.subject ?? '').trim(), `case ${i}`);
      // Python's addr_spec quotes only local parts with specials other than dots.
      const value = (a: string): string => a.replace(/^"(.*)"@/, '$1@');
      assert.deepEqual(
        res.to?.flatMap((g) => g[1]).map(([n, a]) => [n, value(a)]),
        c.to,
        `case ${i}`,
      );
      assert.equal(lf(res.plain), lf((c.fields.text ?? '').replace(/\r\n|\r|\n/g, '\r\n')), `case ${i}`);
      assert.deepEqual(
        res.files,
        c.files.map(([n, b]) => [n, sha(b), b.length]),
        `case ${i}`,
      );
    }
  });
});
