/**
 * The capture server's `smtpUrl` with the SDK's own client: `nextHopFromSmtpUrl` turns it into
 * the next hop of `@mailroute/smtp-client`'s transfer agent, which sends over a real socket on
 * 127.0.0.1 (plain; AUTH over plain text; STARTTLS on the self-signed certificate with AUTH; a
 * refused recipient; an implicit-TLS URL the client reads as such).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import { createTransferAgent, type NextHop, type TransferAgentOptions } from '@mailroute/smtp-client';
import { nextHopFromSmtpUrl, startCaptureServer } from '@mailroute/testing';

const MESSAGE = [
  'From: App <app@sender.example>',
  'To: jane@customer.example',
  'Subject: Your order has shipped',
  'Message-ID: <order-1@sender.example>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Parcel 42 left the warehouse.',
  '',
].join('\r\n');

async function send(url: string, agentOptions: Partial<TransferAgentOptions>, to: string[]) {
  // Typed as the client's NextHop: the kit's shape must stay assignable to it.
  const hop: NextHop = nextHopFromSmtpUrl(url);
  const agent = createTransferAgent({ heloName: 'app.sender.example', ...agentOptions });
  try {
    return await agent.deliverVia(
      hop,
      { mailFrom: 'app@sender.example', recipients: to.map((address) => ({ address })) },
      MESSAGE,
    );
  } finally {
    await agent.close();
  }
}

describe('capture server with @mailroute/smtp-client', () => {
  it('plain smtpUrl: delivered, kept with its envelope and parsed', async () => {
    const server = await startCaptureServer();
    try {
      assert.deepEqual(nextHopFromSmtpUrl(server.smtpUrl), { host: '127.0.0.1', port: server.port });
      const result = await send(server.smtpUrl, {}, ['jane@customer.example', 'ops@sender.example']);
      assert.deepEqual(
        result.recipients.map((r) => [r.address, r.outcome]),
        [
          ['jane@customer.example', 'delivered'],
          ['ops@sender.example', 'delivered'],
        ],
      );
      const m = await server.waitForMessage({ to: 'jane@customer.example' });
      assert.equal(result.queueId, m.id, 'the client read the queue id from the 250');
      assert.equal(m.mailFrom, 'app@sender.example');
      assert.deepEqual(m.recipients, ['jane@customer.example', 'ops@sender.example']);
      assert.equal(m.helo, 'app.sender.example');
      assert.equal(m.subject, 'Your order has shipped');
      assert.equal(m.text.trim(), 'Parcel 42 left the warehouse.');
      assert.equal(m.tls, false);
      assert.equal(m.user, undefined);
    } finally {
      await server.close();
    }
  });

  it('AUTH from the URL over plain text (allowPlaintextAuth), required by the server', async () => {
    const server = await startCaptureServer({ users: { app: 'p@ss word' }, authRequired: true });
    try {
      assert.deepEqual(nextHopFromSmtpUrl(server.smtpUrl).auth, {
        user: 'app',
        pass: 'p@ss word',
        mode: 'required',
      });
      const result = await send(server.smtpUrl, { allowPlaintextAuth: true }, ['jane@customer.example']);
      assert.equal(result.recipients[0]?.outcome, 'delivered', JSON.stringify(result.recipients[0]?.reason));
      const m = await server.waitForMessage();
      assert.equal(m.user, 'app');
      assert.equal(m.tls, false);
    } finally {
      await server.close();
    }
  });

  it('without allowPlaintextAuth the client refuses to send credentials in clear: transient, nothing kept', async () => {
    const server = await startCaptureServer({ users: { app: 'secret' }, authRequired: true });
    try {
      const result = await send(server.smtpUrl, {}, ['jane@customer.example']);
      assert.equal(result.recipients[0]?.outcome, 'transient');
      assert.equal(server.messages.length, 0);
    } finally {
      await server.close();
    }
  });

  it('STARTTLS required with AUTH: the client takes STARTTLS on the self-signed certificate, then AUTH', async () => {
    const server = await startCaptureServer({
      users: { app: 'secret' },
      authRequired: true,
      startTls: 'required',
    });
    try {
      const result = await send(server.smtpUrl, {}, ['jane@customer.example']);
      assert.equal(result.recipients[0]?.outcome, 'delivered', JSON.stringify(result.recipients[0]?.reason));
      const m = await server.waitForMessage();
      assert.equal(m.tls, true);
      assert.equal(m.user, 'app');
    } finally {
      await server.close();
    }
  });

  it('a recipient refused by the test’s rule comes back permanent with the server’s reply', async () => {
    const server = await startCaptureServer({
      rules: { rcptTo: (to) => (to.startsWith('gone@') ? Replies.noSuchUser(to) : undefined) },
    });
    try {
      const result = await send(server.smtpUrl, {}, ['gone@customer.example', 'jane@customer.example']);
      const [gone, jane] = result.recipients;
      assert.equal(gone?.outcome, 'permanent');
      assert.equal(gone?.reply?.code, 550);
      assert.equal(gone?.reply?.enhanced, '5.1.1');
      assert.equal(jane?.outcome, 'delivered');
      const m = await server.waitForMessage();
      assert.deepEqual(m.recipients, ['jane@customer.example']);
    } finally {
      await server.close();
    }
  });
});
