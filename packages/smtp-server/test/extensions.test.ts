/** ESMTP parameters by extension: DSN, 8BITMIME, SMTPUTF8, SIZE; Domino's address syntax switch. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSession } from './harness.js';

describe('parameters follow what EHLO advertised', () => {
  it('DSN on: RET, ENVID, NOTIFY and ORCPT reach the backend', async () => {
    const h = await startSession({ extensions: { dsn: true } });
    await h.send(
      'EHLO c\r\nMAIL FROM:<a@example.org> RET=HDRS ENVID=QQ+2B1\r\n' +
        'RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.com\r\nDATA\r\nx\r\n.\r\n',
    );
    assert.match(h.take(), /250 2\.6\.0 /);
    const e = h.backend.messages[0].envelope;
    assert.equal(e.params.ret, 'HDRS');
    assert.equal(e.params.envid, 'QQ+1');
    assert.deepEqual(e.recipients[0].params.notify, ['SUCCESS', 'FAILURE']);
    assert.deepEqual(e.recipients[0].params.orcpt, { type: 'rfc822', address: 'b@example.com' });
  });
  it('DSN off (Domino default): its parameters get 555', async () => {
    const h = await startSession();
    await h.send('EHLO c\r\nMAIL FROM:<a@example.org> RET=HDRS\r\n');
    assert.match(h.take(), /555 5\.5\.4 /);
  });
  it('8BITMIME off (Domino default): BODY=8BITMIME gets 555; on: accepted', async () => {
    const off = await startSession();
    await off.send('EHLO c\r\nMAIL FROM:<a@example.org> BODY=8BITMIME\r\n');
    assert.match(off.take(), /555 5\.5\.4 /);
    const on = await startSession({ extensions: { eightBitMime: true } });
    await on.send('EHLO c\r\nMAIL FROM:<a@example.org> BODY=8BITMIME\r\n');
    assert.match(on.take(), /250 2\.1\.0 Sender OK\r\n$/);
  });
  it('HELO clients get no ESMTP parameters', async () => {
    const h = await startSession();
    await h.send('HELO c\r\nMAIL FROM:<a@example.org> SIZE=10\r\n');
    assert.match(h.take(), /555 5\.5\.4 /);
  });
  it('SMTPUTF8: a UTF-8 address needs the parameter, and the extension on', async () => {
    const off = await startSession();
    await off.send(Buffer.from('EHLO c\r\nMAIL FROM:<jörg@example.org> SMTPUTF8\r\n', 'utf8'));
    assert.match(off.take(), /553 5\.6\.7 Non-ASCII address requires SMTPUTF8\r\n$/);
    const on = await startSession({ extensions: { smtputf8: true } });
    await on.send(Buffer.from('EHLO c\r\nMAIL FROM:<jörg@example.org>\r\n', 'utf8'));
    assert.match(on.take(), /553 5\.6\.7 Non-ASCII address requires SMTPUTF8\r\n$/);
    await on.send(
      Buffer.from(
        'MAIL FROM:<jörg@example.org> SMTPUTF8\r\nRCPT TO:<zoë@exämple.com>\r\nDATA\r\nü\r\n.\r\n',
        'utf8',
      ),
    );
    assert.match(on.take(), /250 2\.6\.0 /);
    const m = on.backend.messages[0];
    assert.ok(m.body.toString('utf8').includes('with UTF8SMTP'));
    assert.ok(m.body.toString('utf8').endsWith('ü\r\n'));
  });
});

describe('refuseUndeclared8bit (Domino with 8-bit MIME disabled)', () => {
  const body = Buffer.from(
    'EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\ngrüße\r\n.\r\n',
    'utf8',
  );
  it('off (default): 8-bit content without BODY=8BITMIME is accepted as it is', async () => {
    const h = await startSession();
    await h.send(body);
    assert.match(h.take(), /250 2\.6\.0 /);
  });
  it('on: refused with 554 5.6.0 after the end of data; 7-bit and declared 8-bit pass', async () => {
    const h = await startSession({ extensions: { refuseUndeclared8bit: true, eightBitMime: true } });
    await h.send(body);
    assert.match(h.take(), /554 5\.6\.0 Message contains 8-bit data; use BODY=8BITMIME\r\n$/);
    await h.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nplain\r\n.\r\n');
    assert.match(h.take(), /250 2\.6\.0 /);
    await h.send(
      Buffer.from(
        'MAIL FROM:<a@example.org> BODY=8BITMIME\r\nRCPT TO:<b@example.com>\r\nBDAT 7 LAST\r\ngrüße',
        'utf8',
      ),
    );
    assert.match(h.take(), /250 2\.6\.0 /);
    await h.send(
      Buffer.from('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nBDAT 7 LAST\r\ngrüße', 'utf8'),
    );
    assert.match(h.take(), /554 5\.6\.0 /);
  });
});

describe('SMTPStrict821AddressSyntax', () => {
  it('0 (default): brackets optional; 1: required', async () => {
    const lenient = await startSession();
    await lenient.send('EHLO c\r\nMAIL FROM: a@example.org\r\n');
    assert.match(lenient.take(), /250 2\.1\.0 Sender OK\r\n$/);
    const strict = await startSession({ strict821AddressSyntax: true });
    await strict.send('EHLO c\r\nMAIL FROM: a@example.org\r\n');
    assert.match(strict.take(), /501 5\.\d\.\d /);
  });
});

describe('protocol log levels', () => {
  it('SMTPDebug=2 logs verbs and codes with octet counts, no text; 3 adds the text', async () => {
    const two = await startSession({ debug: 2 });
    await two.send('EHLO c\r\nMAIL FROM:<secret-sender@example.org>\r\n');
    const log2 = two.logger.text();
    assert.ok(log2.includes('"verb":"MAIL"'));
    assert.ok(log2.includes('"octets"'));
    assert.ok(!log2.includes('secret-sender'));
    const three = await startSession({ debug: 3 });
    await three.send('EHLO c\r\nMAIL FROM:<secret-sender@example.org>\r\n');
    assert.ok(three.logger.text().includes('secret-sender'));
  });
  it('message bodies are logged only at SMTPDebugIO=4', async () => {
    for (const [level, shown] of [
      [3, false],
      [4, true],
    ] as const) {
      const h = await startSession({ debugIo: level });
      await h.send(
        'EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nthe body text\r\n.\r\n',
      );
      assert.equal(h.logger.text().includes('the body text'), shown, `level ${level}`);
    }
  });
});
