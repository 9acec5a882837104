import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommandOptions, parseCommand, type SmtpCommand } from '../src/index.js';

function command(line: string, options: CommandOptions = {}): SmtpCommand {
  const r = parseCommand(line, options);
  assert.ok(r.ok, `${JSON.stringify(line)}: ${r.ok ? '' : r.reason.reply.toString()}`);
  return r.value;
}
function refusal(line: string, options: CommandOptions = {}): string {
  const r = parseCommand(line, options);
  assert.equal(r.ok, false, `${JSON.stringify(line)} should be refused`);
  if (r.ok) throw new Error('unreachable');
  return `${r.reason.reply.code} ${r.reason.reply.enhanced}`;
}

describe('parseCommand: verbs', () => {
  it('parses verbs case-insensitively, with or without CRLF', () => {
    assert.equal(command('quit').verb, 'QUIT');
    assert.equal(command('QUIT\r\n').verb, 'QUIT');
    assert.equal(command('Rset\n').verb, 'RSET');
    assert.equal(command('data').verb, 'DATA');
    assert.equal(command('StartTLS').verb, 'STARTTLS');
  });
  it('parses HELO and EHLO, keeping junk names but parsing real ones', () => {
    const e = command('EHLO mail.Example.org');
    assert.ok(e.verb === 'EHLO' && e.name === 'mail.Example.org' && e.domain?.ascii === 'mail.example.org');
    const lit = command('HELO [192.0.2.1]');
    assert.ok(lit.verb === 'HELO' && lit.domain?.kind === 'literal');
    const junk = command('EHLO not_a!domain');
    assert.ok(junk.verb === 'EHLO' && junk.domain === undefined && junk.name === 'not_a!domain');
    const underscore = command('EHLO host_1.example');
    assert.ok(underscore.verb === 'EHLO' && underscore.domain?.ascii === 'host_1.example');
  });
  it('requires one HELO/EHLO argument', () => {
    assert.equal(refusal('EHLO'), '501 5.5.4');
    assert.equal(refusal('HELO   '), '501 5.5.4');
    assert.equal(refusal('EHLO a b'), '501 5.5.4');
  });
  it('parses MAIL FROM with path and parameters', () => {
    const c = command('MAIL FROM:<ned@thor.innosoft.com> SIZE=500000 BODY=8BITMIME');
    assert.ok(c.verb === 'MAIL' && c.path.kind === 'mailbox');
    assert.equal(c.path.mailbox.address, 'ned@thor.innosoft.com');
    assert.equal(c.params.size, 500000);
    assert.equal(c.params.body, '8BITMIME');
  });
  it('accepts Domino lenient MAIL/RCPT forms by default', () => {
    for (const line of [
      'MAIL FROM: <a@example.com>',
      'MAIL FROM:a@example.com',
      'mail from: a@example.com SIZE=10',
      'MAIL  FROM:<a@example.com>',
      'MAIL FROM :<a@example.com>',
    ]) {
      const c = command(line);
      assert.ok(
        c.verb === 'MAIL' && c.path.kind === 'mailbox' && c.path.mailbox.address === 'a@example.com',
        line,
      );
    }
    const r = command('RCPT TO: b@example.com NOTIFY=NEVER');
    assert.ok(r.verb === 'RCPT' && r.params.notify === 'NEVER');
  });
  it('requires the exact RFC 5321 form with SMTPStrict821AddressSyntax=1', () => {
    const strict = { strict821AddressSyntax: true };
    assert.ok(command('MAIL FROM:<a@example.com>', strict));
    for (const line of [
      'MAIL FROM: <a@example.com>',
      'MAIL FROM:a@example.com',
      'MAIL  FROM:<a@example.com>',
    ]) {
      assert.equal(parseCommand(line, strict).ok, false, line);
    }
  });
  it('refuses MAIL and RCPT without FROM:/TO:', () => {
    assert.equal(refusal('MAIL <a@example.com>'), '501 5.5.4');
    assert.equal(refusal('MAIL TO:<a@example.com>'), '501 5.5.4');
    assert.equal(refusal('RCPT FROM:<a@example.com>'), '501 5.5.4');
    assert.equal(refusal('MAIL'), '501 5.5.4');
    assert.equal(refusal('MAIL FROM:<a@example.com>SIZE=1'), '501 5.1.7');
  });
  it('allows UTF-8 in MAIL only with SMTPUTF8 on the same line, and in RCPT only in an SMTPUTF8 transaction', () => {
    const m = command('MAIL FROM:<jöran@bücher.example> SMTPUTF8');
    assert.ok(m.verb === 'MAIL' && m.params.smtputf8);
    assert.equal(refusal('MAIL FROM:<jöran@bücher.example>'), '553 5.6.7');
    assert.equal(
      refusal('MAIL FROM:<jöran@example.com> SMTPUTF8', { extensions: { smtputf8: false } }),
      '553 5.6.7',
    );
    assert.equal(refusal('RCPT TO:<jöran@example.com>'), '553 5.6.7');
    assert.ok(command('RCPT TO:<jöran@example.com>', { smtputf8: true }));
  });
  it('is not fooled by "SMTPUTF8" inside a quoted local part', () => {
    assert.equal(refusal('MAIL FROM:<"x SMTPUTF8"@bücher.example>'), '553 5.6.7');
    assert.equal(refusal('MAIL FROM:<"ü SMTPUTF8"@example.com>'), '553 5.6.7');
    // " SMTPUTF8 " inside the quotes matches the parameter look-ahead, so only the check of the
    // parsed parameters refuses these (the path itself was scanned with UTF-8 allowed).
    assert.equal(refusal('MAIL FROM:<"ü SMTPUTF8 "@example.com>'), '553 5.6.7');
    assert.equal(refusal('MAIL FROM:<"x SMTPUTF8 "@bücher.example> SIZE=10'), '553 5.6.7');
    assert.ok(command('MAIL FROM:<"ü SMTPUTF8 "@example.com> SMTPUTF8'));
  });
  it('parses BDAT sizes and LAST (RFC 3030)', () => {
    assert.deepEqual(command('BDAT 1000'), { verb: 'BDAT', size: 1000, last: false });
    assert.deepEqual(command('bdat 0 last'), { verb: 'BDAT', size: 0, last: true });
    for (const bad of ['BDAT', 'BDAT x', 'BDAT -1', 'BDAT 1 FIRST', 'BDAT 1234567890123456'])
      assert.equal(refusal(bad), '501 5.5.4', bad);
  });
  it('parses AUTH with and without an initial response (RFC 4954)', () => {
    assert.deepEqual(command('AUTH plain AHRlc3QAdGVzdA=='), {
      verb: 'AUTH',
      mechanism: 'PLAIN',
      initialResponse: 'AHRlc3QAdGVzdA==',
    });
    assert.deepEqual(command('AUTH LOGIN'), { verb: 'AUTH', mechanism: 'LOGIN', initialResponse: undefined });
    assert.deepEqual(command('AUTH PLAIN ='), { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: '=' });
    for (const bad of ['AUTH', 'AUTH PL@IN', 'AUTH PLAIN !!!', `AUTH ${'X'.repeat(21)}`])
      assert.equal(refusal(bad), '501 5.5.4', bad);
  });
  it('parses VRFY, EXPN, HELP, NOOP and ETRN', () => {
    assert.deepEqual(command('VRFY John Smith'), { verb: 'VRFY', query: 'John Smith' });
    assert.deepEqual(command('EXPN staff'), { verb: 'EXPN', query: 'staff' });
    assert.deepEqual(command('HELP'), { verb: 'HELP', topic: undefined });
    assert.deepEqual(command('HELP mail'), { verb: 'HELP', topic: 'mail' });
    assert.deepEqual(command('NOOP anything at all'), { verb: 'NOOP' });
    assert.deepEqual(command('ETRN @example.com'), { verb: 'ETRN', node: '@example.com' });
    assert.deepEqual(command('ETRN #queue1'), { verb: 'ETRN', node: '#queue1' });
    assert.equal(refusal('VRFY'), '501 5.5.4');
    assert.equal(refusal('ETRN'), '501 5.5.4');
    assert.equal(refusal('ETRN bad..domain'), '501 5.5.4');
  });
  it('refuses arguments to commands that take none', () => {
    for (const v of ['DATA x', 'RSET x', 'QUIT now', 'STARTTLS please'])
      assert.equal(refusal(v), '501 5.5.4', v);
  });
});

describe('parseCommand: bad lines', () => {
  it('gives 500 5.5.1 for unknown verbs', () => {
    for (const line of ['XYZZY', 'MAILFROM:<a@b>', 'TURN', 'GET / HTTP/1.1', 'LONGVERBNAME x'])
      assert.equal(refusal(line), '500 5.5.1', line);
  });
  it('gives 500 5.5.2 for empty lines and control characters (NUL included)', () => {
    for (const line of [
      '',
      '\r\n',
      ' NOOP',
      'NOOP\x00',
      'MAIL FROM:<a\x00@b.example>',
      'HELO a\tb',
      'QUIT\rQUIT',
      'RSET\x7f',
    ]) {
      assert.equal(refusal(line), '500 5.5.2', JSON.stringify(line));
    }
  });
  it('applies SMTPMaxCommandLength (default 1200 octets) to the line without CRLF', () => {
    const fits = `NOOP ${'x'.repeat(1195)}`;
    assert.equal(fits.length, 1200);
    assert.ok(parseCommand(`${fits}\r\n`).ok);
    assert.equal(refusal(`${fits}x`), '500 5.5.2');
    assert.equal(refusal(`NOOP ${'x'.repeat(100)}`, { maxCommandLength: 50 }), '500 5.5.2');
  });
  it('counts octets, not characters, for the length limit', () => {
    const line = `NOOP ${'ö'.repeat(600)}`; // 605 characters, 1205 octets
    assert.equal(refusal(line), '500 5.5.2');
  });
  it('survives a huge line without work proportional to it beyond one pass', () => {
    assert.equal(refusal('x'.repeat(5_000_000)), '500 5.5.2');
  });
  it('treats unbalanced quotes and brackets as bad addresses, not crashes', () => {
    for (const line of [
      'MAIL FROM:<"a@b>',
      'RCPT TO:<a@[1.2.3.4>',
      'RCPT TO:<<a@b>>',
      'RCPT TO:<a@b>>',
      'MAIL FROM:<a@b',
    ]) {
      const r = parseCommand(line);
      assert.ok(!r.ok && r.reason.reply.code === 501, line);
    }
  });
});
