// The fields-level builder: validation with typed errors, the same note and bytes as the
// item-level builder, streamed attachments, delivery reports, calendar events, and a seeded
// property test: parse(build(fields)) gives the fields back.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import {
  type AddressInput,
  buildMessage,
  buildMessageBytes,
  composeNote,
  type GroupInput,
  isGroup,
  type MessageFields,
  messageBodies,
  parseAddressList,
  parseMessage,
} from '../src/index.js';
import { sha256 } from './helpers.js';

const clock = { now: () => Date.parse('2026-03-04T05:06:07Z') };

/** A seeded random source, so two builds produce the same bytes. */
function seeded(seed: number): (n: number) => Buffer {
  const r = prng(seed);
  return (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
}

function code(err: unknown): string {
  return (err as { code?: string }).code ?? String(err);
}

const base: MessageFields = {
  from: 'Daniel Nashed <nsh@nashcom.de>',
  to: ['jane@example.com', { name: 'Müller, Heinz', address: 'mueller@example.com' }],
  subject: 'Hello',
  text: 'Hi Jane,\nsee the files.\n',
  messageId: '<compose-1@nashcom.de>',
  date: new Date('2026-03-01T10:00:00Z'),
};

describe('fields are validated with typed errors', () => {
  const cases: [string, MessageFields, string][] = [
    ['no from', { ...base, from: [] }, 'ITEMIZER_MISSING_FROM'],
    ['a from that is no address', { ...base, from: 'not an address' }, 'ITEMIZER_INVALID_ADDRESS'],
    [
      'two mailboxes in one to entry glued',
      { ...base, to: 'a@example.com b@example.com' },
      'ITEMIZER_INVALID_ADDRESS',
    ],
    ['a group in from', { ...base, from: { group: 'G', members: [] } }, 'ITEMIZER_INVALID_ADDRESS'],
    [
      'a line break in a display name',
      { ...base, to: { name: 'a\r\nBcc: x@y', address: 'a@example.com' } },
      'ITEMIZER_INVALID_ADDRESS',
    ],
    ['a non-ASCII local part', { ...base, to: 'jürgen@example.com' }, 'ITEMIZER_INVALID_ADDRESS'],
    [
      'an address over 254 characters',
      { ...base, to: `${'a'.repeat(250)}@example.com` },
      'ITEMIZER_INVALID_ADDRESS',
    ],
    [
      'several authors without sender',
      { ...base, from: ['a@example.com', 'b@example.com'] },
      'ITEMIZER_SENDER_REQUIRED',
    ],
    [
      'a line break in the subject',
      { ...base, subject: 'x\r\nBcc: victim@example.com' },
      'ITEMIZER_INVALID_OPTION',
    ],
    ['an invalid date', { ...base, date: new Date('nope') }, 'ITEMIZER_INVALID_OPTION'],
    ['a bad message id', { ...base, messageId: 'no at sign' }, 'ITEMIZER_INVALID_OPTION'],
    ['a header the builder owns', { ...base, headers: { Subject: 'x' } }, 'ITEMIZER_INVALID_HEADER'],
    ['a Content- header', { ...base, headers: { 'Content-Type': 'text/html' } }, 'ITEMIZER_INVALID_HEADER'],
    ['a bad header name', { ...base, headers: { 'X Bad': 'x' } }, 'ITEMIZER_INVALID_HEADER'],
    [
      'a header value with a line break',
      { ...base, headers: { 'X-A': 'a\nB: c' } },
      'ITEMIZER_INVALID_HEADER',
    ],
    [
      'an attachment without content',
      { ...base, attachments: [{ filename: 'a' } as never] },
      'ITEMIZER_INVALID_ATTACHMENT',
    ],
    [
      'a bad content type',
      { ...base, attachments: [{ content: 'x', contentType: 'pdf' }] },
      'ITEMIZER_INVALID_ATTACHMENT',
    ],
    [
      'a cid with brackets',
      { ...base, attachments: [{ content: 'x', cid: '<a@b>' }] },
      'ITEMIZER_INVALID_ATTACHMENT',
    ],
    [
      'a forwarded message as a stream',
      {
        ...base,
        attachments: [{ content: Readable.from([Buffer.from('x')]), contentType: 'message/rfc822' }],
      },
      'ITEMIZER_INVALID_ATTACHMENT',
    ],
    [
      'a report with attachments',
      {
        ...base,
        attachments: [{ content: 'x' }],
        report: {
          deliveryStatus:
            'Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; b@c\nAction: failed\nStatus: 5.0.0\n',
        },
      },
      'ITEMIZER_INVALID_OPTION',
    ],
    [
      'a report status without recipient block',
      { ...base, report: { deliveryStatus: 'Reporting-MTA: dns; a\n' } },
      'ITEMIZER_INVALID_OPTION',
    ],
    [
      'a calendar event that is not VCALENDAR',
      { ...base, icalEvent: { content: 'hello' } },
      'ITEMIZER_INVALID_OPTION',
    ],
  ];
  for (const [name, fields, expected] of cases) {
    it(`refuses ${name} (${expected}) before any stream exists`, () => {
      assert.throws(
        () => buildMessage(fields),
        (e) => code(e) === expected && (e as { temporary?: boolean }).temporary === false,
      );
    });
  }

  it('accepts a From of several mailboxes with a sender', async () => {
    const out = await buildMessageBytes({
      ...base,
      from: ['a@example.com', 'b@example.com'],
      sender: 'a@example.com',
    });
    assert.match(
      out.toString('latin1'),
      /^From: a@example\.com, b@example\.com\r\nSender: a@example\.com\r$/m,
    );
  });
});

describe('the same note and bytes as the item-level builder', () => {
  const fields: MessageFields = {
    ...base,
    cc: { group: 'Team', members: ['t1@example.com', 't2@example.com'] },
    bcc: 'hidden@example.com',
    replyTo: 'replies@example.com',
    html: '<p>Hi <img src="cid:logo@x"></p>',
    inReplyTo: '<parent@example.com>',
    references: ['<root@example.com>', '<parent@example.com>'],
    priority: 'high',
    headers: { 'X-Mailer': 'mailroute', 'X-Tag': ['a', 'b'] },
    attachments: [
      { filename: 'logo.png', content: Buffer.from('89504e47', 'hex'), cid: 'logo@x' },
      { filename: 'Rechnung März.pdf', content: 'JVBERi0=', encoding: 'base64' },
    ],
  };

  it('buildMessage(fields) equals buildMessage(composeNote(fields))', async () => {
    const a = await buildMessageBytes(fields, { randomBytes: seeded(1), clock });
    const b = buildMessage(composeNote(fields, { randomBytes: seeded(1), clock }), {
      randomBytes: seeded(1),
      clock,
    });
    assert.deepEqual(a, b);
  });

  it('is the note a parse of its bytes gives (items and part shapes)', async () => {
    const note = composeNote(fields, { clock });
    const back = await parseMessage(buildMessage(note));
    for (const name of [
      'From',
      'INetFrom',
      'SendTo',
      'CopyTo',
      'ReplyTo',
      'Subject',
      '$MessageID',
      'In-Reply-To',
      'References',
      'Importance',
    ])
      assert.deepEqual(back.textList(name), note.textList(name), name);
    assert.equal(back.has('BlindCopyTo'), false, 'Bcc never reaches the header');
    assert.deepEqual(note.textList('BlindCopyTo'), ['hidden@example.com']);
    assert.deepEqual(
      back.parts().map((p) => `${p.path} ${p.mediaType}`),
      note.parts().map((p) => `${p.path} ${p.mediaType}`),
    );
    assert.deepEqual(
      back.attachments().map((a) => [a.fileName, a.contentId, sha256(a.content as Buffer)]),
      note.attachments().map((a) => [a.fileName, a.contentId, sha256(a.content as Buffer)]),
    );
    assert.deepEqual(
      back.getAll('X-Tag').map((i) => (i.type === 'rfc822Text' ? i.value.value : '')),
      ['a', 'b'],
    );
  });

  it('nests multipart/mixed > alternative > (text, related > (html, inline image)), attachment', () => {
    const note = composeNote(fields, { clock });
    assert.deepEqual(
      note.parts().map((p) => `${p.path}:${p.mediaType}`),
      [
        '0:multipart/mixed',
        '1:multipart/alternative',
        '1.1:text/plain',
        '1.2:multipart/related',
        '1.2.1:text/html',
        '1.2.2:image/png',
        '2:application/pdf',
      ].map((s) => s.replace(/^0:/, ':')),
    );
  });
});

describe('attachments from streams', () => {
  it('reads a stream while producing the message and encodes it slice by slice', async () => {
    const data = Buffer.from(Array.from({ length: 300_001 }, (_, i) => (i * 7 + 3) & 0xff));
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += 9999) yield data.subarray(i, i + 9999);
      })(),
    );
    const out = await buildMessageBytes({ ...base, attachments: [{ filename: 'big.bin', content: stream }] });
    assert.ok(
      out
        .toString('latin1')
        .split('\r\n')
        .every((l) => l.length <= 76 || !/^[A-Za-z0-9+/=]+$/.test(l)),
    );
    const back = await parseMessage(out);
    assert.equal(sha256(back.attachments()[0]?.content as Buffer), sha256(data));
  });

  it('a stream that fails fails the message stream with its error (nothing half-sent in silence)', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(100_000, 1);
        throw Object.assign(new Error('disk gone'), { code: 'EIO' });
      })(),
    );
    await assert.rejects(
      buildMessageBytes({ ...base, attachments: [{ filename: 'a.bin', content: failing }] }),
      /disk gone/,
    );
  });

  it('a note with a stream attachment builds once, and needs stream output', async () => {
    const note = composeNote({
      ...base,
      attachments: [{ filename: 'a.bin', content: Readable.from([Buffer.from('abc')]) }],
    });
    assert.throws(
      () => buildMessage(note),
      (e) => code(e) === 'ITEMIZER_MISSING_ATTACHMENT',
    );
    const chunks: Buffer[] = [];
    for await (const c of buildMessage(note, { output: 'stream' })) chunks.push(c as Buffer);
    assert.equal((await parseMessage(Buffer.concat(chunks))).attachments()[0]?.content?.toString(), 'abc');
    await assert.rejects(
      async () => {
        for await (const _ of buildMessage(note, { output: 'stream' })) void _;
      },
      (e) => code(e) === 'ITEMIZER_MISSING_ATTACHMENT',
    );
  });
});

describe('delivery status notifications (RFC 3464)', () => {
  const original =
    'From: jane@example.com\r\nTo: nobody@example.net\r\nSubject: lost\r\nMessage-ID: <o@example.com>\r\n\r\nHello\r\n';
  const report: MessageFields = {
    from: 'Mail Delivery Subsystem <postmaster@mail.example.com>',
    to: 'jane@example.com',
    subject: 'Delivery Status Notification (Failure)',
    text: 'Your message could not be delivered to nobody@example.net.\n',
    report: {
      deliveryStatus: {
        message: {
          'Reporting-MTA': 'dns; mail.example.com',
          'Arrival-Date': 'Wed, 4 Mar 2026 05:06:07 +0000',
        },
        recipients: [
          [
            ['Final-Recipient', 'rfc822; nobody@example.net'],
            ['Action', 'failed'],
            ['Status', '5.1.1'],
            ['Diagnostic-Code', 'smtp; 550 5.1.1 No such user'],
          ],
        ],
      },
      original: { message: original },
    },
  };

  it('writes multipart/report; report-type=delivery-status with the three parts, unencoded status', async () => {
    const out = await buildMessageBytes(report);
    const text = out.toString('latin1');
    assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
    const status = text.slice(text.indexOf('Content-Type: message/delivery-status'));
    assert.match(
      status,
      /^Content-Transfer-Encoding: 7bit\r\n\r\nReporting-MTA: dns; mail\.example\.com\r\nArrival-Date: .*\r\n\r\nFinal-Recipient: rfc822; nobody@example\.net\r\nAction: failed\r\n/m,
    );
    const back = await parseMessage(out);
    assert.deepEqual(
      back.parts().map((p) => p.mediaType),
      ['multipart/report', 'text/plain', 'message/delivery-status', 'message/rfc822', 'text/plain'],
    );
    assert.equal(back.text('Subject'), 'Delivery Status Notification (Failure)');
  });

  it('takes prepared status text and the original headers only (text/rfc822-headers)', async () => {
    const out = await buildMessageBytes({
      ...report,
      report: {
        deliveryStatus:
          'Reporting-MTA: dns; mail.example.com\n\nFinal-Recipient: rfc822; nobody@example.net\nAction: failed\nStatus: 5.1.1\n',
        original: { headers: original },
      },
    });
    const back = await parseMessage(out);
    const headers = back.parts().find((p) => p.mediaType === 'text/rfc822-headers');
    assert.equal(
      headers?.text,
      'From: jane@example.com\r\nTo: nobody@example.net\r\nSubject: lost\r\nMessage-ID: <o@example.com>\r\n',
    );
  });
});

describe('calendar events', () => {
  it('adds a text/calendar alternative with the method', async () => {
    const ics =
      'BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:1@x\nDTSTART:20260301T100000Z\nSUMMARY:Budget\nEND:VEVENT\nEND:VCALENDAR\n';
    const note = await parseMessage(
      await buildMessageBytes({ ...base, html: '<p>Invite</p>', icalEvent: { content: ics } }),
    );
    assert.deepEqual(
      note.parts().map((p) => p.mediaType),
      ['multipart/alternative', 'text/plain', 'text/html', 'text/calendar'],
    );
    const cal = note.parts()[3];
    assert.equal(cal?.params.method, 'REQUEST');
    assert.equal(cal?.text, ics.replace(/\n/g, '\r\n'));
  });
});

// --- property test ---------------------------------------------------------------------------

type Box = { name: string; address: string };
type Entry = Box | { group: string; members: Box[] };

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

const WORDS = [
  'Anna',
  'Müller',
  "O'Brien",
  'Dr.',
  'Smith, Jr.',
  '"Quoted"',
  'back\\slash',
  '=?utf-8?q?x?=',
  'Ünïcödé',
  '日本語',
  'a(b)c',
  'Zoë',
  'x',
];
const LOCALS = ['jane', 'john.doe', 'john..doe', '.dot', 'dot.', 'a b', 'a,b', 'x+tag', "o'neil", 'UPPER'];
const DOMAINS = ['example.com', 'mail.example.org', '[192.0.2.1]'];

function name(r: () => number): string {
  const n = Math.floor(r() * 4);
  return Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
}
function box(r: () => number): Box {
  return { name: name(r), address: `${pick(r, LOCALS)}@${pick(r, DOMAINS)}` };
}
function list(r: () => number, groups: boolean): Entry[] {
  return Array.from({ length: Math.floor(r() * 4) }, () =>
    groups && r() < 0.25
      ? {
          group: pick(r, ['undisclosed-recipients', 'Team', 'Ünïcödé Gruppe', 'a "b"']),
          members: Array.from({ length: Math.floor(r() * 3) }, () => box(r)),
        }
      : box(r),
  );
}
function text(r: () => number, max: number): string {
  const chars = ['a', 'b', ' ', '\n', '\r\n', 'ü', '€', '=', '.', '-', 'From ', '日', '\t', 'x'.repeat(80)];
  return Array.from({ length: Math.floor(r() * max) }, () => pick(r, chars)).join('');
}
function bytes(r: () => number, max: number): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(r() * max) }, () => Math.floor(r() * 256)));
}

function toInput(e: Entry): AddressInput | GroupInput {
  return 'group' in e ? { group: e.group, members: e.members.map((m) => ({ ...m })) } : { ...e };
}

/** Entries as they come back from a note's list item. */
function entriesOf(values: readonly string[]): Entry[] {
  return values.flatMap((v) =>
    parseAddressList(v, { decodeQuoted: false }).entries.map((e) =>
      isGroup(e)
        ? { group: e.group, members: e.members.map((m) => ({ name: m.name, address: m.address })) }
        : { name: e.name, address: e.address },
    ),
  );
}

/** The canonical form the builder writes an address in: local parts quoted unless dot-atoms. */
function canonical(e: Entry): Entry {
  const fix = (b: Box): Box => {
    const at = b.address.lastIndexOf('@');
    const local = b.address.slice(0, at);
    const dotAtom = local.split('.').every((a) => /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/.test(a));
    return { name: b.name, address: `${dotAtom ? local : `"${local}"`}${b.address.slice(at)}` };
  };
  return 'group' in e ? { group: e.group, members: e.members.map(fix) } : fix(e);
}

describe('property: parse(build(fields)) gives the fields back', () => {
  it('500 seeded random field sets', async () => {
    const r = prng(20261202);
    for (let i = 0; i < 500; i++) {
      const from = r() < 0.2 ? [box(r), box(r)] : [box(r)];
      const fields = {
        from: from.map(toInput) as AddressInput[],
        ...(from.length > 1 ? { sender: toInput(box(r)) as AddressInput } : {}),
        to: list(r, true).map(toInput),
        cc: list(r, true).map(toInput),
        replyTo: list(r, false).map(toInput),
        subject: text(r, 30).replace(/[\r\n\t]+/g, ' '),
        date: new Date(Math.floor(r() * 4e9) * 1000),
        messageId: `<p${i}.${Math.floor(r() * 1e9)}@example.com>`,
        text: text(r, 60),
        ...(r() < 0.5 ? { html: `<p>${text(r, 40)}</p>` } : {}),
        attachments: Array.from({ length: Math.floor(r() * 3) }, (_, k) => ({
          filename: `${k}-${
            text(r, 10)
              .replace(/[\r\n\t]/g, '_')
              .trim() || 'f'
          }.${pick(r, ['pdf', 'bin', 'txt', 'png'])}`,
          content: bytes(r, 2000),
        })),
      } satisfies MessageFields;
      const out = await buildMessageBytes(fields);
      const note = await parseMessage(out);
      const ctx = `case ${i}`;
      assert.equal(note.text('Subject') ?? '', fields.subject.trim(), `${ctx} subject`);
      assert.deepEqual(entriesOf([note.text('From') ?? '']), from.map(canonical), `${ctx} from`);
      for (const [key, item] of [
        ['to', 'SendTo'],
        ['cc', 'CopyTo'],
        ['replyTo', 'ReplyTo'],
      ] as const) {
        const want = (fields[key] as (AddressInput | GroupInput)[]).map((x) => canonical(x as Entry));
        assert.deepEqual(entriesOf(note.textList(item)), want, `${ctx} ${key}`);
      }
      const posted = note.get('PostedDate');
      assert.equal(
        posted?.type === 'dateTime' ? posted.value.getTime() : 0,
        fields.date.getTime(),
        `${ctx} date`,
      );
      assert.equal(note.text('$MessageID'), fields.messageId, ctx);
      const bodies = messageBodies(note);
      assert.equal(bodies.text?.text ?? '', fields.text.replace(/\r\n|\r|\n/g, '\r\n'), `${ctx} text`);
      if (fields.html !== undefined)
        assert.equal(bodies.html?.text, fields.html.replace(/\r\n|\r|\n/g, '\r\n'), `${ctx} html`);
      assert.deepEqual(
        note.attachments().map((a) => [a.fileName, sha256(a.content as Buffer)]),
        fields.attachments.map((a) => [a.filename, sha256(a.content)]),
        `${ctx} attachments`,
      );
    }
  });
});

describe('hostile fields', () => {
  it('2,000 seeded random field objects: a message or a typed ItemizerError, never another throw', async () => {
    const r = prng(99);
    const junk = (): unknown =>
      pick(r, [
        undefined,
        null,
        42,
        '',
        'a@b.c',
        'x\r\nBcc: y@z',
        [],
        ['a@b.c', 7],
        {},
        { address: 5 },
        { group: 3 },
        { group: 'G', members: 'a@b.c' },
        Buffer.from('x'),
        new Date('x'),
        () => 1,
        Symbol.iterator,
        { content: undefined },
        [{ content: 5 }],
        [{ content: 'x', contentType: 5 }],
        [{ content: 'x', filename: 5 }],
        { deliveryStatus: 5 },
        { deliveryStatus: { message: {}, recipients: [{}] } },
        { deliveryStatus: 'A: b\n\nC: d\n', original: 5 },
        { content: 5 },
        { 'X-A': 5 },
        [{ key: 5, value: 'x' }],
      ]);
    const keys = [
      'from',
      'sender',
      'to',
      'cc',
      'bcc',
      'replyTo',
      'subject',
      'date',
      'messageId',
      'inReplyTo',
      'references',
      'text',
      'html',
      'attachments',
      'icalEvent',
      'priority',
      'headers',
      'report',
    ];
    for (let i = 0; i < 2000; i++) {
      const fields: Record<string, unknown> = { from: 'a@example.com' };
      for (const k of keys) if (r() < 0.3) fields[k] = junk();
      try {
        await buildMessageBytes(fields as unknown as MessageFields);
      } catch (e) {
        assert.match(
          code(e),
          /^ITEMIZER_/,
          `case ${i}: ${String(e)} for ${JSON.stringify(Object.keys(fields))}`,
        );
      }
    }
  });
});
