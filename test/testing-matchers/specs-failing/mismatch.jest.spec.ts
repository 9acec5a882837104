// Deliberately failing (run only by runners.test.ts): a mismatch must fail the test under the
// real runner, with the kit's message in the runner's report.

import { expect, test } from '@jest/globals';
import { type MailrouteMatchers, mailrouteMatchers } from '@mailroute/testing';

expect.extend(mailrouteMatchers);
declare module 'expect' {
  interface Matchers<R> extends MailrouteMatchers<R> {}
}

test('a 250 is not the 550 the test wanted', () => {
  expect('250 2.0.0 OK').toBeReply(550, '5.1.1');
});

test('a matching reply still passes beside it', () => {
  expect('550 5.1.1 No such user').toBeReply(550);
});
