/**
 * MX delivery through a real DNS server (Knot, from test/support): several MX hosts of which the
 * first refuses connections, the second answers 421, the third is @mailroute/smtp-server; a null
 * MX domain fails permanently without a connection.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createResolver } from '@mailroute/dns';
import { createTransferAgent } from '@mailroute/smtp-client';
import { type Backend, createSmtpServer } from '@mailroute/smtp-server';
import { findKnotd, type KnotServer, startKnot, zoneWithSoa } from '@mailroute/test-support';
import { missing } from './tools.js';

const knotd = findKnotd();
const skip = missing('knotd (Debian knot)', knotd !== undefined);

describe('MX delivery through Knot DNS', () => {
  let knot: KnotServer | undefined;
  let busy: Server | undefined;
  const bodies: Buffer[] = [];
  const backend: Backend = {
    connect: () => ({
      mailFrom: () => undefined,
      rcptTo: () => undefined,
      data: async (message) => {
        const chunks: Buffer[] = [];
        for await (const c of message) chunks.push(c);
        bodies.push(Buffer.concat(chunks));
        return undefined;
      },
      close: () => {},
    }),
  };
  const server = createSmtpServer(
    { hostname: 'mx3.dest.test', listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }] },
    backend,
  );
  let port = 0;
  let busyConnections = 0;

  before(async () => {
    if (skip !== undefined) return;
    port = (await server.listen())[0].port;
    // mx2: a server that greets with 421 (on 127.0.0.3, same port number).
    busy = createServer((s) => {
      busyConnections++;
      s.resume(); // read (and drop) the client's QUIT, so the close is seen
      s.end('421 4.3.2 mx2 too busy\r\n');
    });
    await new Promise<void>((r) => busy?.listen(port, '127.0.0.3', r));
    knot = await startKnot(
      knotd as string,
      {
        'dest.test': zoneWithSoa(
          'dest.test',
          [
            '@ MX 10 mx1',
            '@ MX 20 mx2',
            '@ MX 30 mx3',
            'mx1 A 127.0.0.2',
            'mx2 A 127.0.0.3',
            'mx3 A 127.0.0.1',
            'nomail MX 0 .',
          ].join('\n'),
        ),
      },
      'ns.dest.test',
    );
  });
  after(async () => {
    await knot?.stop();
    await server.close();
    await new Promise<void>((r) => (busy === undefined ? r() : busy.close(() => r())));
  });

  it('skips the refusing and the 421 host and delivers to the third', { skip }, async () => {
    const resolver = createResolver({ servers: [knot?.server as string], retryCount: 2 });
    const agent = createTransferAgent({ resolver, mxPort: port, heloName: 'client.test' });
    const r = await agent.deliverToDomain(
      'dest.test',
      { mailFrom: 'a@sender.test', recipients: [{ address: 'x@dest.test' }, { address: 'y@dest.test' }] },
      'Subject: via MX\r\n\r\nhello\r\n',
    );
    await agent.close();
    assert.deepEqual(
      r.recipients.map((x) => [x.outcome, x.remoteMta]),
      [
        ['delivered', 'mx3.dest.test'],
        ['delivered', 'mx3.dest.test'],
      ],
    );
    assert.equal(busyConnections, 1);
    assert.equal(bodies.length, 1);
    assert.ok(bodies[0].toString().endsWith('Subject: via MX\r\n\r\nhello\r\n'));
    assert.ok(r.queueId !== undefined);
  });

  it('a null MX domain fails permanently without connecting', { skip }, async () => {
    const resolver = createResolver({ servers: [knot?.server as string], retryCount: 2 });
    const agent = createTransferAgent({ resolver, mxPort: port, heloName: 'client.test' });
    const before = busyConnections;
    const r = await agent.deliverToDomain(
      'nomail.dest.test',
      { mailFrom: '', recipients: [{ address: 'x@nomail.dest.test' }] },
      'Subject: x\r\n\r\n',
    );
    await agent.close();
    assert.equal(r.recipients[0].outcome, 'permanent');
    assert.equal(r.recipients[0].reason.code, 'SMTP_NULL_MX');
    assert.equal(r.recipients[0].reason.reply?.enhanced, '5.1.10');
    assert.equal(busyConnections, before);
  });
});
