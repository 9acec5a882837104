// The kit's matchers under Vitest: registered with expect.extend, typed by merging
// MailrouteMatchers into Vitest's Assertion; each passes on a match and fails with the kit's message.
import { type MailrouteMatchers, mailrouteMatchers } from '@mailroute/testing';
import { describe, expect, test } from 'vitest';
import { dkimResults, failureReport } from './fixtures.js';

expect.extend(mailrouteMatchers);
declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: the shape Vitest's own declaration has
  interface Assertion<T = any> extends MailrouteMatchers<void> {}
}

describe('mailroute matchers under Vitest', () => {
  test('toBeReply passes on the wire text, a reply-like object, and with .not', () => {
    expect('550 5.1.1 No such user').toBeReply(550, '5.1.1', /No such user/);
    expect({ code: 250, enhanced: '2.0.0' }).toBeReply(250, '2.0.0');
    expect('250 2.0.0 OK').not.toBeReply(550);
  });

  test('toBeReply fails with the kit’s message', () => {
    expect(() => expect('250 2.0.0 OK').toBeReply(550, '5.1.1')).toThrow(
      'expected reply 550 5.1.1, got 250 2.0.0 OK',
    );
    expect(() => expect('550 5.1.1 No such user').not.toBeReply(550)).toThrow(/expected not/);
  });

  test('toReportRecipients passes on the report’s recipients and fails naming them', async () => {
    const report = await failureReport();
    expect(report).toReportRecipients([
      { recipient: 'gone@acme.example', action: 'failed', status: '5.1.1' },
      { recipient: 'slow@acme.example', action: 'delayed', status: '4' },
    ]);
    expect(() =>
      expect(report).toReportRecipients([{ recipient: 'gone@acme.example', action: 'delivered' }]),
    ).toThrow(/gone@acme\.example/);
  });

  test('toHaveDkimResult passes per domain and fails listing what the verifier said', () => {
    expect(dkimResults).toHaveDkimResult('pass', { domain: 'acme.example' });
    expect(dkimResults).toHaveDkimResult('fail', { domain: 'other.example' });
    expect(() => expect(dkimResults).toHaveDkimResult('pass', { domain: 'other.example' })).toThrow(
      'expected DKIM pass d=other.example, got pass d=acme.example s=s1; fail d=other.example s=x (body hash did not verify)',
    );
  });
});
