import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReply, SmtpReply } from '../src/index.js';

describe('formatReply', () => {
  it('formats a single-line reply with its enhanced code', () => {
    assert.equal(formatReply(SmtpReply.of(250, '2.1.0', 'Sender OK')), '250 2.1.0 Sender OK\r\n');
  });
  it('formats a multi-line reply with the enhanced code on every line', () => {
    const r = SmtpReply.of(250, '2.0.0', ['mx.example', 'PIPELINING', 'SIZE 1000']);
    assert.equal(formatReply(r), '250-2.0.0 mx.example\r\n250-2.0.0 PIPELINING\r\n250 2.0.0 SIZE 1000\r\n');
  });
});
