import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReply, isLastReplyLine, parseReply, Replies, SmtpError, SmtpReply } from '../src/index.js';

describe('SmtpReply', () => {
  it('knows its class from the first digit', () => {
    assert.equal(Replies.senderOk.replyClass, 'positive');
    assert.equal(Replies.startMailInput.replyClass, 'intermediate');
    assert.equal(Replies.tooManyRecipients.isTransient, true);
    assert.equal(Replies.relayRejected.isPermanent, true);
    assert.equal(Replies.relayRejected.isTransient, false);
  });
  it('refuses codes outside 200-599 and enhanced codes of another class', () => {
    assert.throws(() => SmtpReply.of(199, undefined, 'x'), RangeError);
    assert.throws(() => SmtpReply.of(600, undefined, 'x'), RangeError);
    assert.throws(() => SmtpReply.of(550, '4.1.1', 'x'), RangeError);
    assert.throws(() => SmtpReply.of(250, '2.1' as never, 'x'), RangeError);
  });
  it('splits text on CR/LF so reply text cannot inject another reply', () => {
    const r = SmtpReply.of(550, '5.7.1', 'denied\r\n250 2.0.0 OK');
    assert.deepEqual(r.lines, ['denied', '250 2.0.0 OK']);
    assert.equal(formatReply(r), '550-5.7.1 denied\r\n550 5.7.1 250 2.0.0 OK\r\n');
  });
  it('replaces other control characters', () => {
    assert.deepEqual(SmtpReply.of(250, '2.0.0', 'a\x00b\x1bc').lines, ['a?b?c']);
  });
  it('is frozen and serialises to plain data', () => {
    assert.ok(Object.isFrozen(Replies.ok));
    assert.deepEqual(JSON.parse(JSON.stringify(Replies.senderOk)), {
      code: 250,
      enhanced: '2.1.0',
      lines: ['Sender OK'],
    });
  });
  it('withText keeps the codes', () => {
    const r = Replies.relayRejected.withText('No relaying here');
    assert.equal(r.code, 554);
    assert.equal(r.enhanced, '5.7.1');
    assert.equal(r.text, 'No relaying here');
  });
  it('SmtpError carries its reply', () => {
    const e = new SmtpError(Replies.noSuchUser('x@example.com'));
    assert.equal(e.reply.code, 550);
    assert.match(e.message, /^550 5\.1\.1 x@example\.com\.\.\. No such user$/);
  });
});

describe('formatReply', () => {
  it('formats a single-line reply with its enhanced code (RFC 2034)', () => {
    assert.equal(formatReply(Replies.senderOk), '250 2.1.0 Sender OK\r\n');
    assert.equal(Replies.senderOk.toString(), '250 2.1.0 Sender OK\r\n');
  });
  it('formats a multi-line reply with "-" on all but the last line (RFC 5321 4.2.1)', () => {
    const r = SmtpReply.of(250, undefined, ['mx.example.com', 'PIPELINING', 'SIZE 10240000']);
    assert.equal(formatReply(r), '250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n');
  });
  it('repeats the enhanced code on every line', () => {
    const r = SmtpReply.of(214, '2.0.0', ['Commands:', 'HELO EHLO']);
    assert.equal(formatReply(r), '214-2.0.0 Commands:\r\n214 2.0.0 HELO EHLO\r\n');
  });
  it('formats the EHLO reply without enhanced codes (RFC 2034)', () => {
    assert.equal(
      formatReply(Replies.ehlo('mx.example.com', ['PIPELINING', 'SIZE 1000'])),
      '250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n',
    );
  });
  it('formats a reply without text as the code alone', () => {
    assert.equal(formatReply(SmtpReply.of(250, undefined, [])), '250\r\n');
  });
  it('keeps every line within 512 octets, splitting long text', () => {
    const long = `${'word '.repeat(300)}end`;
    const wire = formatReply(SmtpReply.of(550, '5.7.1', long));
    for (const line of wire.split('\r\n').slice(0, -1))
      assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512, line);
    assert.equal(
      wire
        .replace(/550[- ]5\.7\.1 /g, '')
        .replace(/\r\n/g, ' ')
        .replace(/ +/g, ' ')
        .trim(),
      long.replace(/ +/g, ' '),
    );
  });
  it('splits long UTF-8 text on code point boundaries', () => {
    const wire = formatReply(SmtpReply.of(250, '2.0.0', 'ü'.repeat(600)));
    for (const line of wire.split('\r\n').slice(0, -1)) {
      assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512);
      assert.ok(!line.includes('\ufffd'));
    }
  });
});

describe('parseReply', () => {
  it('parses a single-line reply and its enhanced code', () => {
    const r = parseReply('550 5.1.1 <x@example.com>... No such user\r\n');
    assert.ok(r.ok);
    assert.equal(r.value.code, 550);
    assert.equal(r.value.enhanced, '5.1.1');
    assert.deepEqual(r.value.lines, ['<x@example.com>... No such user']);
  });
  it('parses a multi-line EHLO reply (no enhanced code)', () => {
    const r = parseReply([
      '250-mx.example.com Hello',
      '250-PIPELINING',
      '250-SIZE 1000',
      '250 ENHANCEDSTATUSCODES',
    ]);
    assert.ok(r.ok);
    assert.deepEqual(r.value.lines, [
      'mx.example.com Hello',
      'PIPELINING',
      'SIZE 1000',
      'ENHANCEDSTATUSCODES',
    ]);
    assert.equal(r.value.enhanced, undefined);
  });
  it('strips the enhanced code from every line that repeats it', () => {
    const r = parseReply(['550-5.7.1 first', '550 5.7.1 second']);
    assert.ok(r.ok);
    assert.deepEqual(r.value.lines, ['first', 'second']);
  });
  it('does not take an enhanced code of another class', () => {
    const r = parseReply('550 2.0.0 odd');
    assert.ok(r.ok);
    assert.equal(r.value.enhanced, undefined);
    assert.deepEqual(r.value.lines, ['2.0.0 odd']);
  });
  it('accepts a bare code and a code with an empty text', () => {
    for (const line of ['250', '250 ']) {
      const r = parseReply(line);
      assert.ok(r.ok, line);
      assert.equal(r.value.code, 250);
    }
  });
  it('round-trips formatReply', () => {
    for (const reply of [
      Replies.senderOk,
      Replies.help(['a', 'b', 'c']),
      Replies.startMailInput,
      Replies.tooManySessions,
    ]) {
      const r = parseReply(formatReply(reply));
      assert.ok(r.ok);
      assert.deepEqual(r.value.toJSON(), reply.toJSON());
    }
  });
  const malformed: [string, string | string[]][] = [
    ['empty', []],
    ['no code', 'hello'],
    ['code out of range', '650 nope'],
    ['two-digit code', '25 ok'],
    ['mixed codes', ['250-a', '251 b']],
    ['continuation on last line', ['250-a', '250-b']],
    ['early end', ['250 a', '250 b']],
    ['no space after code', '250ok'],
    ['huge line', `250 ${'x'.repeat(5000)}`],
  ];
  for (const [name, input] of malformed) {
    it(`reports a malformed reply: ${name}`, () => {
      const r = parseReply(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.reason.message.length > 0);
    });
  }
  it('isLastReplyLine tells continuation lines from the last line', () => {
    assert.equal(isLastReplyLine('250-PIPELINING'), false);
    assert.equal(isLastReplyLine('250 OK'), true);
    assert.equal(isLastReplyLine('250'), true);
  });
});
