/**
 * The notifier's tests, written with @mailroute/testing: a capture server stands in for the
 * company relay; each test waits for the mail and inspects it, or tells the server to refuse.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import { type CaptureServer, startCaptureServer } from '@mailroute/testing';
import { createNotifier, type Notifier } from '../src/notifier.js';

describe('notifier', () => {
  let server: CaptureServer;
  let notifier: Notifier;
  before(async () => {
    server = await startCaptureServer({
      users: { app: 'app-secret' },
      authRequired: true,
      rules: { rcptTo: (to) => (to.endsWith('@closed.example') ? Replies.noSuchUser(to) : undefined) },
    });
    notifier = createNotifier({ smtpUrl: server.smtpUrl, from: 'Acme <noreply@acme.example>' });
  });
  after(async () => {
    notifier.close();
    await server.close();
  });
  beforeEach(() => server.clear());

  it('sends the welcome mail to the account, with text and HTML', async () => {
    const outcome = await notifier.welcome({ name: 'Jane Doe', email: 'jane@customer.example' });
    assert.equal(outcome.sent, true);
    const mail = await server.waitForMessage({ to: 'jane@customer.example' });
    assert.equal(mail.subject, 'Welcome, Jane Doe');
    assert.equal(mail.mailFrom, 'noreply@acme.example');
    assert.equal(mail.user, 'app', 'the notifier authenticated');
    assert.match(mail.text, /your account jane@customer\.example is ready/);
    assert.match(mail.html ?? '', /<p>Hello Jane Doe,<\/p>/);
  });

  it('puts the reset token in the link, URL-encoded', async () => {
    await notifier.passwordReset({ name: 'Jo', email: 'jo@customer.example' }, 'a b&c');
    const mail = await server.waitForMessage({ subject: 'Reset your password' });
    assert.match(mail.text, /token=a%20b%26c/);
  });

  it('reports a refused recipient with the server’s code instead of losing it', async () => {
    const outcome = await notifier.welcome({ name: 'Gone', email: 'gone@closed.example' });
    assert.equal(outcome.sent, false);
    if (!outcome.sent) assert.equal(outcome.code, 550);
    assert.equal(server.messages.length, 0);
  });
});
