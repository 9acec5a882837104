/** CHUNKING (RFC 3030): BDAT chunks are counted octets, never dot-unstuffed or read as commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPEN, OPEN_REPLIES, receivedFor, startSession } from './harness.js';

describe('BDAT', () => {
  it('two chunks, the last one delivers', async () => {
    const h = await startSession();
    await h.send(`${OPEN}BDAT 7\r\nSubj\r\n.BDAT 3 LAST\r\n\r\nx`);
    const header = receivedFor('ID1');
    assert.equal(
      h.take(),
      `${OPEN_REPLIES}250 2.0.0 ${header.length + 7} octets received\r\n250 2.6.0 Message accepted for delivery, id ID1\r\n`,
    );
    assert.equal(h.backend.messages[0].body.toString(), `${header}Subj\r\n.\r\nx`);
    assert.equal(h.backend.messages[0].envelope.dataCommand, 'BDAT');
  });
  it('CRLF.CRLF and commands inside a chunk are data', async () => {
    const h = await startSession();
    const chunk = 'a\r\n.\r\nMAIL FROM:<evil@x.org>\r\n';
    await h.send(`${OPEN}BDAT ${chunk.length} LAST\r\n${chunk}NOOP\r\n`);
    assert.match(h.take(), /250 2\.6\.0 Message accepted for delivery, id ID1\r\n250 2\.0\.0 OK\r\n$/);
    assert.equal(h.backend.calls.filter((c) => c.startsWith('mail')).length, 1);
    assert.ok(h.backend.messages[0].body.toString().endsWith(chunk));
  });
  it('BDAT 0 LAST ends a message', async () => {
    const h = await startSession();
    await h.send(`${OPEN}BDAT 2\r\nhiBDAT 0 LAST\r\n`);
    assert.match(h.take(), /250 2\.6\.0 /);
    assert.ok(h.backend.messages[0].body.toString().endsWith('hi'));
  });
  it('a refused BDAT still consumes its octets: they are never commands', async () => {
    const h = await startSession();
    const chunk = 'QUIT\r\n';
    await h.send(`EHLO c\r\nBDAT ${chunk.length}\r\n${chunk}NOOP\r\n`);
    assert.match(
      h.take(),
      /503 5\.5\.1 Bad sequence of commands: need MAIL before BDAT\r\n250 2\.0\.0 OK\r\n$/,
    );
    assert.ok(!h.session.closed);
  });
  it('past the maximum size: 552 for the chunk, the transaction ends', async () => {
    const h = await startSession({ maxMessageSizeBytes: 300 });
    await h.send(`${OPEN}BDAT 400\r\n${'z'.repeat(400)}NOOP\r\n`);
    assert.match(
      h.take(),
      /552 5\.3\.4 Message size exceeds fixed maximum message size\r\n250 2\.0\.0 OK\r\n$/,
    );
    await h.send('BDAT 1 LAST\r\nz');
    assert.match(h.take(), /503 5\.5\.1 Bad sequence of commands: need MAIL before BDAT\r\n$/);
  });
  it('CHUNKING off: BDAT is not implemented and its octets are still consumed', async () => {
    const h = await startSession({ extensions: { chunking: false } });
    await h.send(`${OPEN}BDAT 6\r\nQUIT\r\nNOOP\r\n`);
    assert.match(h.take(), /502 5\.5\.1 Command not implemented\r\n250 2\.0\.0 OK\r\n$/);
  });
  it('RCPT and DATA between chunks are out of sequence', async () => {
    const h = await startSession();
    await h.send(`${OPEN}BDAT 2\r\nabRCPT TO:<c@example.com>\r\nDATA\r\nBDAT 1 LAST\r\nc`);
    assert.match(
      h.take(),
      /250 2\.0\.0 \d+ octets received\r\n503 5\.5\.1 Bad sequence of commands: BDAT transfer in progress\r\n503 5\.5\.1 Bad sequence of commands: BDAT transfer in progress\r\n250 2\.6\.0 /,
    );
    assert.equal(h.backend.messages[0].envelope.recipients.length, 1);
    assert.ok(h.backend.messages[0].body.toString().endsWith('abc'));
  });
  it('RSET between chunks abandons the message', async () => {
    const h = await startSession();
    await h.send(`${OPEN}BDAT 2\r\nabRSET\r\n`);
    assert.match(h.take(), /250 2\.0\.0 Reset state\r\n$/);
    assert.ok(h.backend.messages[0].error);
    assert.equal(h.stats.snapshot().messagesAccepted, 0);
  });
});
