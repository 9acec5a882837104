/**
 * SMTP smuggling (CVE-2023-51764 class): a second message hidden behind a fake end of data. Only
 * CRLF.CRLF ends DATA, so each variant below yields exactly one message whose body holds the
 * would-be smuggled commands as text, and exactly one 250.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPEN, OPEN_REPLIES, receivedFor, startSession } from './harness.js';

const SMUGGLED =
  'MAIL FROM:<admin@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: admin\r\n\r\nevil\r\n';

const variants: Record<string, string> = {
  'LF.LF': '\n.\n',
  'LF.CRLF': '\n.\r\n',
  'CR.CR': '\r.\r',
  'CR.CRLF': '\r.\r\n',
  'CRLF.LF': '\r\n.\n',
  'CRLF.CR': '\r\n.\r',
  'LF.CR': '\n.\r',
  'CRLF.NUL CRLF': '\r\n.\0\r\n',
};

describe('SMTP smuggling: every fake end-of-data is data', () => {
  for (const [name, fake] of Object.entries(variants)) {
    for (const strict of [false, true]) {
      it(`${name} ${strict ? '(SMTPStrict821LineSyntax=1)' : '(default)'}`, async () => {
        const h = await startSession({ strict821LineSyntax: strict });
        await h.send(`${OPEN}DATA\r\nSubject: first\r\n\r\nhello${fake}${SMUGGLED}.\r\n`);
        const out = h.take();
        assert.equal(h.backend.messages.length, 1, 'exactly one message reaches the backend');
        assert.equal(
          h.backend.calls.filter((c) => c.startsWith('mail ')).length,
          1,
          'no second MAIL was executed',
        );
        if (!strict) {
          assert.equal(
            out,
            `${OPEN_REPLIES}354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.6.0 Message accepted for delivery, id ID1\r\n`,
          );
          const body = h.backend.messages[0].body.toString('latin1');
          assert.ok(body.startsWith(`${receivedFor('ID1')}Subject: first\r\n\r\nhello`));
          assert.ok(
            body.includes('MAIL FROM:<admin@example.com>'),
            'the smuggled text stays inside the message',
          );
          assert.ok(body.endsWith('evil\r\n'));
        } else if (name === 'CRLF.NUL CRLF') {
          assert.match(out, /250 2\.6\.0 /);
        } else {
          // Strict mode refuses bare line ends, and still only after the real end of data.
          assert.equal(
            out,
            `${OPEN_REPLIES}354 Start mail input; end with <CRLF>.<CRLF>\r\n550 5.6.0 Message contains a bare CR or LF; lines must end with CRLF\r\n`,
          );
        }
      });
    }
  }

  it('the real end of data followed by a pipelined second transaction gives two messages', async () => {
    const h = await startSession();
    await h.send(`${OPEN}DATA\r\none\r\n.\r\n${SMUGGLED}.\r\n`);
    assert.equal(h.backend.messages.length, 2);
    assert.equal(h.backend.messages[1].body.toString().split('\r\n\r\n')[1], 'evil\r\n');
  });

  it('the terminator split across packets at every position still ends the data once', async () => {
    const wire = `${OPEN}DATA\r\nab\r\n..x\r\n.\r\nNOOP\r\n`;
    for (let cut = 1; cut < wire.length; cut++) {
      const h = await startSession();
      await h.send(wire.slice(0, cut));
      await h.send(wire.slice(cut));
      assert.equal(h.backend.messages.length, 1, `cut at ${cut}`);
      assert.equal(h.backend.messages[0].body.toString(), `${receivedFor('ID1')}ab\r\n.x\r\n`);
      assert.match(h.take(), /250 2\.6\.0 Message accepted for delivery, id ID1\r\n250 2\.0\.0 OK\r\n$/);
    }
  });
});
