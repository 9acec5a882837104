// The Router's delivery status notifications read by an independent parser, mailparser
// (simpleParser): the subject, the human-readable part in Domino's words, the delivery-status
// part and the returned original must come out as built. CPython's reading is in the package's
// unit tests (packages/router/test/report-message.test.ts).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { buildReport, type ReportInput } from '@mailroute/router';

const require = createRequire(import.meta.url);
interface ParsedMail {
  subject?: string;
  to?: { value: { address: string }[] };
  text?: string;
  headers: Map<string, unknown>;
  attachments: { contentType: string; content: Buffer }[];
}
const { simpleParser } = require('mailparser') as { simpleParser(b: Buffer): Promise<ParsedMail> };

const original = Buffer.from(
  'From: Jane <jane@acme.example>\r\nTo: x@partner.example\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n' +
    'Message-ID: <orig-1@acme.example>\r\n\r\nHello there.\r\n',
);

const input: ReportInput = {
  reportingMta: 'mail1.acme.example',
  arrivalMs: Date.UTC(2026, 11, 1, 8),
  dateMs: Date.UTC(2026, 11, 1, 9),
  to: 'jane@acme.example',
  from: 'postmaster@acme.example',
  envid: 'ENV-42',
  original,
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
    {
      address: 'y@partner.example',
      action: 'delayed',
      status: '4.4.1',
      reason: 'Unable to connect',
      lastAttemptMs: Date.UTC(2026, 11, 1, 9),
      willRetryUntilMs: Date.UTC(2026, 11, 6, 8),
    },
  ],
};

describe('router reports read by mailparser', () => {
  it('a failure report: subject, human part, delivery-status part and the original', async () => {
    const { bytes, messageId } = await buildReport(input);
    const mail = await simpleParser(Buffer.from(bytes));
    assert.equal(mail.subject, 'DELIVERY FAILURE: No such user here');
    assert.deepEqual(
      mail.to?.value.map((v) => v.address),
      ['jane@acme.example'],
    );
    assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(mail.headers.get('message-id'), messageId);
    assert.equal(mail.headers.get('in-reply-to'), '<orig-1@acme.example>');
    assert.match(mail.text ?? '', /^Delivery Failure Report/);
    assert.match(mail.text ?? '', /Your document: Grüße/);
    assert.match(
      mail.text ?? '',
      /was not delivered to:\n {2}x@partner\.example\nbecause: No such user here/,
    );
    assert.match(mail.text ?? '', /has not yet been delivered to:\n {2}y@partner\.example/);
    // mailparser shows the message/delivery-status part inline, after the human part.
    const fields = mail.text ?? '';
    assert.match(fields, /^Reporting-MTA: dns; mail1\.acme\.example$/m);
    assert.match(fields, /^Original-Envelope-Id: ENV-42$/m);
    assert.match(fields, /^Final-Recipient: rfc822; x@partner\.example$/m);
    assert.match(fields, /^Diagnostic-Code: smtp; 550 5\.1\.1 No such user here$/m);
    assert.match(fields, /^Will-Retry-Until: Sun, 06 Dec 2026 08:00:00 \+0000$/m);
    const returned = mail.attachments.find((a) => a.contentType === 'message/rfc822');
    assert.ok(returned, 'the original');
    assert.equal(returned.content.toString(), original.toString());
  });

  it('RET=HDRS: the original header only, as text/rfc822-headers', async () => {
    const { bytes } = await buildReport({ ...input, ret: 'HDRS' });
    const mail = await simpleParser(Buffer.from(bytes));
    const headers = mail.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    assert.ok(headers);
    assert.match(headers.content.toString(), /^Message-ID: <orig-1@acme\.example>\r$/m);
    assert.doesNotMatch(headers.content.toString(), /Hello there/);
  });
});
