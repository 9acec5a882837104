import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextHopFromSmtpUrl } from '../src/index.js';

describe('nextHopFromSmtpUrl', () => {
  it('reads host, port, implicit TLS and percent-encoded credentials', () => {
    assert.deepEqual(nextHopFromSmtpUrl('smtp://127.0.0.1:2525'), { host: '127.0.0.1', port: 2525 });
    assert.deepEqual(nextHopFromSmtpUrl('smtp://relay.example'), { host: 'relay.example', port: 25 });
    assert.deepEqual(nextHopFromSmtpUrl('smtps://relay.example'), {
      host: 'relay.example',
      port: 465,
      tls: 'implicit',
    });
    assert.deepEqual(
      nextHopFromSmtpUrl('smtp://a%40b:p%40ss%20word@[::1]:587?tls.rejectUnauthorized=false'),
      {
        host: '::1',
        port: 587,
        auth: { user: 'a@b', pass: 'p@ss word', mode: 'required' },
      },
    );
  });

  it('refuses what is not an SMTP URL with a RangeError that says why', () => {
    const cases: [string, RegExp][] = [
      ['127.0.0.1:25', /not a URL/],
      ['not a url', /not a URL/],
      ['http://x.example', /smtp:\/\/ or smtps:\/\//],
      ['smtp://:secret@x.example', /password but no user/],
      ['smtp://x.example:0', /port must be 1 to 65535/],
      ['smtp:///path', /no host/],
    ];
    for (const [url, message] of cases)
      assert.throws(
        () => nextHopFromSmtpUrl(url),
        (e: Error) => e instanceof RangeError && message.test(e.message),
        url,
      );
  });
});
