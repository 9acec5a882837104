import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReceived, formatRfc5322Date, receivedProtocol } from '../src/index.js';

const date = new Date(Date.UTC(2026, 10, 21, 9, 46, 47));

describe('formatReceived (RFC 5321 4.4)', () => {
  it('writes from, by, with, id and date, folded one clause per line', () => {
    const h = formatReceived({
      from: { helo: 'mail.example.org', reverseDns: 'mail.example.org', ip: '192.0.2.1' },
      by: 'mx.example.com',
      product: 'mailroute 0.1.0',
      protocol: 'ESMTPS',
      id: '4F2A',
      date,
    });
    assert.equal(
      h,
      'Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n' +
        '\tby mx.example.com (mailroute 0.1.0) with ESMTPS id 4F2A; Sat, 21 Nov 2026 09:46:47 +0000\r\n',
    );
  });
  it('names no recipient by default (Domino SMTPMaxForRecipients unset)', () => {
    const h = formatReceived({ by: 'mx.example.com', recipients: ['a@example.com'], date });
    assert.ok(!h.includes('for'));
  });
  it('names up to SMTPMaxForRecipients recipients in the for clause', () => {
    const one = formatReceived({
      by: 'mx',
      recipients: ['a@example.com', 'b@example.com'],
      maxForRecipients: 1,
      date,
    });
    assert.match(one, /\r\n\tfor <a@example\.com>; Sat/);
    assert.ok(!one.includes('b@example.com'));
    const two = formatReceived({
      by: 'mx',
      recipients: ['a@example.com', 'b@example.com', 'c@x'],
      maxForRecipients: 2,
      date,
    });
    assert.match(two, /for <a@example\.com>, <b@example\.com>;/);
  });
  it('leaves the product out with SMTPNoVersionInRcvdHdr=1', () => {
    const h = formatReceived({ by: 'mx', product: 'mailroute 0.1.0', noVersionInReceivedHeader: true, date });
    assert.ok(!h.includes('mailroute'));
  });
  it('keeps peer-supplied words from breaking the header', () => {
    const h = formatReceived({ from: { helo: 'evil)\r\nX-Injected: yes', ip: '192.0.2.1' }, by: 'mx', date });
    assert.equal(h.split('\r\n').length, 3); // two lines and the final empty piece
    assert.ok(!/\r\nX-Injected/.test(h));
    assert.ok(!h.includes('evil)'));
  });
  it('shortens an absurdly long HELO name', () => {
    const h = formatReceived({ from: { helo: 'a'.repeat(2000) }, by: 'mx', date });
    for (const line of h.split('\r\n')) assert.ok(line.length < 998);
  });
  it('adds a TLS comment', () => {
    const h = formatReceived({
      by: 'mx',
      protocol: 'ESMTPS',
      tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
      date,
    });
    assert.match(h, /with ESMTPS \(TLSv1\.3 cipher TLS_AES_256_GCM_SHA384\)/);
  });
});

describe('receivedProtocol (RFC 3848, RFC 6531)', () => {
  it('picks the with-word from the session', () => {
    assert.equal(receivedProtocol({ esmtp: false }), 'SMTP');
    assert.equal(receivedProtocol({ esmtp: true }), 'ESMTP');
    assert.equal(receivedProtocol({ esmtp: true, tls: true }), 'ESMTPS');
    assert.equal(receivedProtocol({ esmtp: true, authenticated: true }), 'ESMTPA');
    assert.equal(receivedProtocol({ esmtp: true, tls: true, authenticated: true }), 'ESMTPSA');
    assert.equal(receivedProtocol({ esmtp: true, tls: true, smtputf8: true }), 'UTF8SMTPS');
    assert.equal(receivedProtocol({ esmtp: true, lmtp: true, authenticated: true }), 'LMTPA');
  });
});

describe('formatRfc5322Date', () => {
  it('formats with a zone offset', () => {
    assert.equal(formatRfc5322Date(date, 60), 'Sat, 21 Nov 2026 10:46:47 +0100');
    assert.equal(formatRfc5322Date(date, -330), 'Sat, 21 Nov 2026 04:16:47 -0530');
  });
});
