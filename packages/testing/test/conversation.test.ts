import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import { type Backend, createSmtpServer, type SmtpServer } from '@mailroute/smtp-server';
import { connectConversation, dataPayload, parseReplies, startConversation } from '../src/index.js';

/** A backend that knows one mailbox and keeps what it receives. */
function mailboxBackend(received: string[]): Backend {
  return {
    connect: () => ({
      rcptTo: (to) =>
        to.kind === 'mailbox' && to.mailbox.address !== 'jane@acme.example'
          ? Replies.noSuchUser(to.mailbox.address)
          : undefined,
      async data(message) {
        const chunks: Buffer[] = [];
        for await (const c of message) chunks.push(c);
        received.push(Buffer.concat(chunks).toString('latin1'));
        return undefined;
      },
    }),
  };
}

describe('startConversation (in memory, the real session engine)', () => {
  it('sends commands and asserts typed replies', async () => {
    const received: string[] = [];
    const s = await startConversation(mailboxBackend(received));
    assert.equal(s.greeting.code, 220);
    const ehlo = await s.send('EHLO client.example').expect(250);
    assert.ok(ehlo.lines.length > 1, 'EHLO lists extensions');
    await s.send('MAIL FROM:<a@sender.example>').expect(250, '2.1.0');
    await s.send('RCPT TO:<nobody@acme.example>').expect(550, '5.1.1', /No such user/);
    await s.send('RCPT TO:<jane@acme.example>').expect(250, '2.1.5');
    const reply = await s.data('Subject: hi\n\n.leading dot\nbody\n');
    assert.equal(reply.code, 250);
    assert.equal(received.length, 1);
    assert.match(received[0]!, /\r\n\.leading dot\r\nbody\r\n$/, 'dot-stuffing undone by the server');
    await s.close();
    assert.ok(s.closed);
    assert.deepEqual(
      s.transcript.slice(0, 2).map((l) => l.from),
      ['S', 'C'],
    );
  });

  it('expect() fails with an AssertionError showing both replies', async () => {
    const s = await startConversation(mailboxBackend([]));
    await s.send('HELO x').expect(250);
    await s.send('MAIL FROM:<a@b.example>').expect(250);
    await assert.rejects(s.send('RCPT TO:<nobody@acme.example>').expect(250), (e: unknown) => {
      assert.ok(e instanceof AssertionError);
      assert.match(e.message, /expected reply 250, got 550 5\.1\.1/);
      return true;
    });
  });

  it('sendRaw returns every reply of a pipelined burst', async () => {
    const s = await startConversation(mailboxBackend([]));
    await s.send('EHLO x').expect(250);
    const replies = await s.sendRaw(
      'MAIL FROM:<a@b.example>\r\nRCPT TO:<jane@acme.example>\r\nRCPT TO:<x@acme.example>\r\n',
    );
    assert.deepEqual(
      replies.map((r) => r.code),
      [250, 250, 550],
    );
  });

  it('STARTTLS in memory: the engine takes the TLS facts given and the backend sees them', async () => {
    let tls: unknown;
    const backend: Backend = {
      connect: () => ({
        async data(message, envelope) {
          for await (const _ of message);
          tls = envelope.tls;
          return undefined;
        },
      }),
    };
    const s = await startConversation(backend, {
      server: { startTls: 'required' },
      tls: { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', servername: 'mx.test' },
    });
    await s.send('EHLO x').expect(250);
    await s.send('MAIL FROM:<a@b.example>').expect(530, '5.7.0');
    await s.startTls().expect(220);
    await s.send('EHLO x').expect(250);
    await s.send('MAIL FROM:<a@b.example>').expect(250);
    await s.send('RCPT TO:<c@d.example>').expect(250);
    await s.data('Subject: x\r\n\r\nx\r\n').expect(250);
    assert.deepEqual(tls, {
      version: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      servername: 'mx.test',
    });
  });

  it('passes connection facts and server options to the engine', async () => {
    const refusing: Backend = {
      connect: (info) =>
        info.remoteAddress === '203.0.113.9' ? Replies.connectionRefused : { data: async () => undefined },
    };
    const s = await startConversation(refusing, { connection: { remoteAddress: '203.0.113.9' } });
    assert.equal(s.greeting.code, 554);
    const t = await startConversation(
      { connect: () => ({ data: async () => undefined }) },
      { server: { maxRecipients: 1 } },
    );
    await t.send('HELO x').expect(250);
    await t.send('MAIL FROM:<>').expect(250);
    await t.send('RCPT TO:<a@b.example>').expect(250);
    await t.send('RCPT TO:<c@b.example>').expect(452, '4.5.3');
  });
});

describe('connectConversation (over a socket)', () => {
  let server: SmtpServer;
  let port: number;
  const received: string[] = [];
  before(async () => {
    server = createSmtpServer(
      { hostname: 'mx.test', listeners: [{ kind: 'smtp', port: 0 }], startTls: 'enabled' },
      mailboxBackend(received),
    );
    const [address] = await server.listen();
    port = address!.port;
  });
  after(() => server.close({ deadline: 1000 }));

  it('runs the same script against a real server, STARTTLS included', async () => {
    const s = await connectConversation({ port });
    assert.equal(s.greeting.code, 220);
    const ehlo = await s.send('EHLO client.example').expect(250);
    assert.ok(ehlo.lines.some((l) => l === 'STARTTLS'));
    await s.startTls().expect(220);
    await s.send('EHLO client.example').expect(250);
    await s.send('MAIL FROM:<a@sender.example>').expect(250);
    await s.send('RCPT TO:<nobody@acme.example>').expect(550, '5.1.1');
    await s.send('RCPT TO:<jane@acme.example>').expect(250);
    await s.data('Subject: over TLS\r\n\r\nhello\r\n').expect(250);
    await s.close();
    assert.match(received.at(-1) ?? '', /Subject: over TLS/);
    assert.match(received.at(-1) ?? '', /with ESMTPS/, 'the Received header says TLS');
  });

  it('times out on a server that never greets, and fails on one that closes', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    await assert.rejects(
      connectConversation({ port: silentPort, replyTimeoutMs: 200 }),
      /no reply within 200 ms/,
    );
    const rude = createServer((socket) => socket.end('garbage without a code\r\n'));
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    const rudePort = (rude.address() as { port: number }).port;
    await assert.rejects(
      connectConversation({ port: rudePort, replyTimeoutMs: 2000 }),
      /malformed reply|closed/,
    );
    for (const socket of sockets) socket.destroy();
    for (const s of [silent, rude]) await new Promise((r) => s.close(r));
  });
});

describe('connectConversation against hostile servers', () => {
  async function hostile(
    onConnect: (socket: import('node:net').Socket) => void,
  ): Promise<{ port: number; stop: () => Promise<void> }> {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      onConnect(socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as { port: number }).port,
      stop: async () => {
        for (const s of sockets) s.destroy();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('an endless multi-line reply is cut off, not buffered', async () => {
    const peer = await hostile((socket) => {
      let n = 0;
      const flood = () => {
        while (n < 5000 && socket.write('220-more and more\r\n')) n++;
        if (n < 5000) socket.once('drain', flood);
      };
      flood();
    });
    try {
      await assert.rejects(
        connectConversation({ port: peer.port, replyTimeoutMs: 5000 }),
        /more than 200 lines/,
      );
    } finally {
      await peer.stop();
    }
  });

  it('a line that never ends is cut off at 64 KiB', async () => {
    const peer = await hostile((socket) => socket.write(`220 ${'x'.repeat(100 * 1024)}`));
    try {
      await assert.rejects(
        connectConversation({ port: peer.port, replyTimeoutMs: 5000 }),
        /without end of over 64 KiB/,
      );
    } finally {
      await peer.stop();
    }
  });

  it('a server that greets then hangs up mid-conversation is reported, not waited on', async () => {
    const peer = await hostile((socket) => {
      socket.write('220 hi\r\n');
      socket.once('data', () => socket.destroy());
    });
    try {
      const s = await connectConversation({ port: peer.port, replyTimeoutMs: 5000 });
      await assert.rejects(s.send('EHLO x'), /closed the connection|ECONNRESET/);
      await s.close();
    } finally {
      await peer.stop();
    }
  });
});

describe('reply helpers', () => {
  it('dataPayload makes CRLF, stuffs dots and ends with a lone dot', () => {
    assert.equal(dataPayload('a\n.b\r\n..c').toString(), 'a\r\n..b\r\n...c\r\n.\r\n');
    assert.equal(dataPayload('.').toString(), '..\r\n.\r\n');
  });

  it('parseReplies splits multi-line replies and refuses garbage', () => {
    const replies = parseReplies('250-mx.test\r\n250-SIZE 100\r\n250 OK\r\n550 5.1.1 no\r\n');
    assert.deepEqual(
      replies.map((r) => [r.code, r.lines.length]),
      [
        [250, 3],
        [550, 1],
      ],
    );
    assert.throws(() => parseReplies('hello\r\n'), /malformed reply/);
    assert.throws(() => parseReplies('250-unfinished\r\n'), /unfinished/);
  });
});
