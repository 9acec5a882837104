/**
 * SMTP smuggling conformance (CVE-2023-51764 and relatives), as literal bytes: a client hides a
 * second transaction behind a line end that some servers take for the end of data. Here only
 * CRLF "." CRLF ends the data, in both line-syntax modes; everything before it, the would-be
 * smuggled commands included, stays inside the first message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDataDecoder } from '../src/index.js';

const SMUGGLED =
  'MAIL FROM:<admin@victim.example>\r\nRCPT TO:<target@victim.example>\r\nDATA\r\nFrom: admin\r\n\r\nforged\r\n';

// Each fake end-of-data sequence seen in the published research.
const FAKE_ENDS: [string, string][] = [
  ['LF . LF', '\n.\n'],
  ['LF . CRLF', '\n.\r\n'],
  ['CR . CR', '\r.\r'],
  ['CR . CRLF', '\r.\r\n'],
  ['CRLF . LF', '\r\n.\n'],
  ['CRLF . CR', '\r\n.\r'],
  ['CR LF . CR CR LF', '\r\n.\r\r\n'],
  ['LF . CR', '\n.\r'],
  ['CR . LF', '\r.\n'],
  ['CRLF . NUL CRLF', '\r\n.\x00\r\n'],
  ['CRLF . SP CRLF', '\r\n. \r\n'],
  ['CRLF CR . CRLF', '\r\n\r.\r\n'],
];

for (const strict of [false, true]) {
  describe(`SMTP smuggling, SMTPStrict821LineSyntax=${strict ? 1 : 0}`, () => {
    for (const [name, fake] of FAKE_ENDS) {
      it(`does not end the data at ${name}`, () => {
        const wire = Buffer.from(`Subject: first\r\n\r\nhello${fake}${SMUGGLED}.\r\nQUIT\r\n`, 'latin1');
        // Also split the wire inside the fake terminator, where a naive chunked scanner slips.
        for (const cut of [
          0,
          wire.indexOf('hello') + 5,
          wire.indexOf('hello') + 6,
          wire.indexOf('hello') + 7,
        ]) {
          const decoder = createDataDecoder({ strict821LineSyntax: strict });
          const chunks = cut === 0 ? [wire] : [wire.subarray(0, cut), wire.subarray(cut)];
          const data: Buffer[] = [];
          let rest: Buffer | undefined;
          for (const chunk of chunks) {
            const r = decoder.write(chunk);
            data.push(...r.data);
            if (r.done) {
              rest = r.rest;
              break;
            }
          }
          assert.equal(decoder.done, true, 'must end at the real CRLF.CRLF');
          assert.equal(rest?.toString('latin1'), 'QUIT\r\n', 'only QUIT follows the message');
          if (strict) {
            const bare = fake.replace(/\r\n/g, '').match(/[\r\n]/);
            if (bare)
              assert.equal(decoder.reply?.code, 550, 'a bare CR/LF refuses the message in strict mode');
          }
          if (decoder.reply === undefined) {
            const message = Buffer.concat(data).toString('latin1');
            assert.ok(
              message.includes('MAIL FROM:<admin@victim.example>'),
              'smuggled text stays inside the message',
            );
            assert.ok(message.endsWith('forged\r\n'));
          }
        }
      });
    }
  });
}

describe('the real terminator', () => {
  it('is recognised when every octet arrives alone', () => {
    const decoder = createDataDecoder();
    const wire = Buffer.from('x\r\n.\r\nQUIT\r\n');
    let restAt = -1;
    for (let i = 0; i < wire.length; i++) {
      const r = decoder.write(wire.subarray(i, i + 1));
      if (r.done && restAt < 0) restAt = i;
    }
    assert.equal(restAt, 5);
  });
});
