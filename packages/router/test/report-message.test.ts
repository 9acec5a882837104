import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { encodeHeaderText, quotedPrintable } from '../src/reports/mime-text.js';
import { buildReport, type ReportInput } from '../src/reports/report-message.js';
import { message } from './helpers.js';
import { parseWithPython } from './report-python.js';

const base: ReportInput = {
  reportingMta: 'mail1.acme.example',
  arrivalMs: Date.UTC(2026, 11, 1, 8),
  dateMs: Date.UTC(2026, 11, 1, 9),
  to: 'sender@elsewhere.example',
  from: 'postmaster@acme.example',
  original: message(),
  recipients: [
    {
      address: 'x@partner.example',
      orcpt: 'rfc822;x@partner.example',
      action: 'failed',
      status: '5.1.1',
      reason: 'No such user here',
      reply: { code: 550, enhanced: '5.1.1', text: 'No such user here' },
      remoteMta: 'mx.partner.example',
      lastAttemptMs: Date.UTC(2026, 11, 1, 9),
    },
  ],
};

function is7bit(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80 && b !== 0);
}

function bareLineEnds(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d) n++;
    if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) n++;
  }
  return n;
}

describe('report message (RFC 3464/3462)', () => {
  it('is 7-bit, CRLF only, and parses in CPython with zero defects and the three parts', async () => {
    const { bytes } = await buildReport(base);
    assert.ok(is7bit(bytes));
    assert.equal(bareLineEnds(bytes), 0);
    const view = parseWithPython([bytes]);
    if (view === undefined) return;
    const [v] = view;
    assert.deepEqual(v!.defects, []);
    // Python walks the delivery-status blocks as parts of their own (two here), then the original.
    assert.deepEqual(v!.types, [
      'multipart/report',
      'text/plain',
      'message/delivery-status',
      'text/plain',
      'text/plain',
      'message/rfc822',
      'text/plain',
    ]);
    assert.equal(v!.status?.[0]?.['Reporting-MTA'], 'dns; mail1.acme.example');
    assert.equal(v!.status?.[1]?.['Final-Recipient'], 'rfc822; x@partner.example');
    assert.equal(v!.status?.[1]?.['Action'], 'failed');
    assert.equal(v!.status?.[1]?.['Diagnostic-Code'], 'smtp; 550 5.1.1 No such user here');
    assert.equal(v!.autoSubmitted, 'auto-replied');
    assert.match(v!.human ?? '', /^Delivery Failure Report/);
  });

  it('a non-ASCII subject is RFC 2047-encoded and reads back; the human part is UTF-8 quoted-printable', async () => {
    const original = message({ Subject: '=?UTF-8?B?w4RyZ2VyIG1pdCBkZW0gQsO8cm8=?=' });
    const { bytes } = await buildReport({
      ...base,
      original,
      recipients: [{ ...base.recipients[0]!, action: 'delivered', status: '2.0.0', reason: 'delivered' }],
    });
    assert.ok(is7bit(bytes));
    const v = parseWithPython([bytes])?.[0];
    if (v === undefined) return;
    assert.deepEqual(v.defects, []);
    assert.equal(v.subject, 'DELIVERED: Ärger mit dem Büro');
    assert.match(v.human ?? '', /Your document: Ärger mit dem Büro/);
  });

  it('an 8-bit original comes back as its header only, quoted-printable, so the report stays 7-bit', async () => {
    const original = Buffer.concat([
      Buffer.from('From: Jörg <j@x.example>\r\nSubject: Grüße\r\n\r\n', 'utf8'),
      Buffer.from('Body with ümlauts\r\n', 'utf8'),
    ]);
    const { bytes } = await buildReport({ ...base, original });
    assert.ok(is7bit(bytes));
    const text = Buffer.from(bytes).toString();
    assert.match(text, /Content-Type: text\/rfc822-headers; charset=utf-8/);
    assert.doesNotMatch(text, /mlauts/);
    const v = parseWithPython([bytes])?.[0];
    if (v === undefined) return;
    assert.deepEqual(v.defects, []);
  });

  it('an original larger than maxReturnedBytes comes back as its header only', async () => {
    const { bytes } = await buildReport({ ...base, maxReturnedBytes: 100 });
    assert.match(Buffer.from(bytes).toString(), /Content-Type: text\/rfc822-headers\r\n/);
  });

  it('non-ASCII addresses use RFC 6533 utf-8 xtext; the report to a UTF-8 sender needs SMTPUTF8', async () => {
    const built = await buildReport({
      ...base,
      to: 'jörg@elsewhere.example',
      recipients: [
        { ...base.recipients[0]!, address: 'müller@partner.example', orcpt: 'utf-8;müller@partner.example' },
      ],
    });
    assert.equal(built.smtputf8, true);
    const text = Buffer.from(built.bytes).toString('utf8');
    assert.match(text, /^Final-Recipient: utf-8; m\\x\{FC\}ller@partner\.example\r$/m);
    assert.match(text, /^Original-Recipient: utf-8; m\\x\{FC\}ller@partner\.example\r$/m);
  });

  it('CR/LF in a reason or a reply never starts a new field', async () => {
    const { bytes } = await buildReport({
      ...base,
      recipients: [
        {
          ...base.recipients[0]!,
          reason: 'bad\r\nBcc: evil@x.example',
          reply: { code: 550, text: 'no\r\nX-Injected: yes' },
          remoteMta: 'mx\r\nX-Evil: 1',
        },
      ],
    });
    const text = Buffer.from(bytes).toString();
    assert.doesNotMatch(text, /^Bcc:/m);
    assert.doesNotMatch(text, /^X-Injected:/m);
    assert.doesNotMatch(text, /^X-Evil:/m);
  });

  it('encoded words stay within 75 characters; quoted-printable lines within 76', () => {
    const words = encodeHeaderText('ä'.repeat(200)).split('\r\n ');
    assert.ok(words.length > 1);
    for (const w of words) assert.ok(w.length <= 75, w);
    for (const line of quotedPrintable(`${'é'.repeat(100)} ${'a'.repeat(300)} `).split('\r\n'))
      assert.ok(line.length <= 76, line);
  });

  it('seeded fuzz: 300 reports with random subjects, reasons, replies and addresses parse with zero defects', async () => {
    const rnd = seededRandomSource(1605);
    const alphabet = [
      'a',
      'Z',
      'w'.repeat(120),
      ' ',
      '=',
      '?',
      '_',
      'ä',
      '€',
      '😀',
      '\t',
      ':',
      ';',
      '"',
      '<',
      '>',
      '\\',
      '.',
      '\r\n',
      '--',
    ];
    const text = (n: number): string =>
      Array.from({ length: Math.floor(rnd() * n) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(
        '',
      );
    const actions = ['failed', 'delayed', 'delivered', 'relayed'] as const;
    const reports: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const subject = text(120).replace(/\r\n/g, ' ');
      const original = Buffer.concat([
        Buffer.from(`From: a@b.example\r\nSubject: ${subject}\r\nMessage-ID: <${i}@x>\r\n\r\n`, 'utf8'),
        Buffer.from(text(400), 'utf8'),
      ]);
      const built = await buildReport({
        ...base,
        envid: rnd() < 0.3 ? text(20) : undefined,
        original,
        ret: rnd() < 0.5 ? 'HDRS' : 'FULL',
        recipients: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
          address: `${text(10).replace(/[\s<>"\\:;]/g, '') || 'u'}@partner.example`,
          action: actions[Math.floor(rnd() * actions.length)]!,
          status: '5.0.0',
          reason: text(80),
          reply: rnd() < 0.5 ? { code: 550, text: text(rnd() < 0.2 ? 400 : 80) } : undefined,
          remoteMta: rnd() < 0.5 ? text(20) : undefined,
          lastAttemptMs: base.dateMs,
        })),
      });
      assert.ok(is7bit(built.bytes), `report ${i} is 7-bit`);
      assert.equal(bareLineEnds(built.bytes), 0);
      for (const line of Buffer.from(built.bytes).toString('latin1').split('\r\n'))
        assert.ok(line.length <= 998, `report ${i}: a line of ${line.length} characters`);
      reports.push(built.bytes);
    }
    const views = parseWithPython(reports);
    if (views === undefined) return;
    views.forEach((v, i) => {
      assert.deepEqual(v.defects, [], `report ${i}`);
      assert.equal(v.types[0], 'multipart/report');
      assert.ok(v.status !== null && v.status.length >= 2, `report ${i} has its status blocks`);
    });
  });
});
