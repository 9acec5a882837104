/**
 * The transfer agent over a static DNS zone and scripted servers on 127.0.0.x: MX order, null MX
 * without connecting, the next address after a refused connection or a 421 greeting, a 5xx to a
 * recipient as final, DNS failures, the pool limit, SmtpSaveOutboundToFile and MTA-STS enforce.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';
import { createTransferAgent, type OutboundEnvelope, type TransferAgentOptions } from '../src/index.js';
import { type Got, goodServer, type Peer, type ScriptServer, scriptServer } from './peer.js';

const ENV: OutboundEnvelope = { mailFrom: 'a@sender.example', recipients: [{ address: 'b@dest.example' }] };
const MSG = 'Subject: t\r\n\r\nhello\r\n';
const servers: ScriptServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serveOn(
  host: string,
  script: (p: Peer, i: number) => Promise<void>,
  port?: number,
): Promise<ScriptServer> {
  const s = await scriptServer(script, { host, port });
  servers.push(s);
  return s;
}

function agentFor(zone: StaticZone, port: number, extra: Partial<TransferAgentOptions> = {}) {
  const transport = createStaticTransport(zone);
  const resolver = createResolver({ transport, retryCount: 1, retryBaseWaitMs: 50 });
  return {
    transport,
    agent: createTransferAgent({
      resolver,
      mxPort: port,
      heloName: 'c',
      timeouts: { greetingMs: 2000 },
      ...extra,
    }),
  };
}

describe('transfer agent', () => {
  it('null MX: permanent SMTP_NULL_MX, no connection and no address lookup', async () => {
    const { agent, transport } = agentFor({ 'dest.example': { MX: [{ preference: 0, exchange: '.' }] } }, 1);
    const r = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'permanent');
    assert.equal(r.recipients[0].reason.code, 'SMTP_NULL_MX');
    assert.equal(r.recipients[0].reason.reply?.code, 556);
    assert.deepEqual(transport.queries, ['MX dest.example']);
    await agent.close();
  });

  it('NXDOMAIN is permanent; SERVFAIL transient', async () => {
    const { agent } = agentFor({ 'dest.example': { fail: 'SERVFAIL' } }, 1);
    const r = await agent.deliverToDomain('nowhere.example', ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'permanent');
    assert.equal(r.recipients[0].reason.code, 'SMTP_DNS');
    const r2 = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r2.recipients[0].outcome, 'transient');
    await agent.close();
  });

  it('MX hosts in preference order: the first refuses connections, the second 421s, the third takes it', async () => {
    const got: Got[] = [];
    const third = await serveOn('127.0.0.4', (p) => goodServer(p, got));
    const second = await serveOn(
      '127.0.0.3',
      async (p) => {
        p.write('421 4.3.2 busy\r\n');
        p.end();
      },
      third.port,
    );
    const { agent } = agentFor(
      {
        'dest.example': {
          MX: [
            { preference: 30, exchange: 'mx3.dest.example' },
            { preference: 10, exchange: 'mx1.dest.example' },
            { preference: 20, exchange: 'mx2.dest.example' },
          ],
        },
        'mx1.dest.example': { A: ['127.0.0.2'] },
        'mx2.dest.example': { A: ['127.0.0.3'] },
        'mx3.dest.example': { A: ['127.0.0.4'] },
      },
      third.port,
    );
    const r = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    assert.equal(r.recipients[0].remoteMta, 'mx3.dest.example');
    assert.equal(r.remoteMta, 'mx3.dest.example');
    assert.equal(second.peers.length, 1);
    assert.equal(got.length, 1);
    await agent.close();
  });

  it('implicit MX (no MX record: the domain A record); IPv6 ::1 tried after the refused IPv4', async () => {
    const got: Got[] = [];
    const s = await serveOn('::1', (p) => goodServer(p, got));
    const { agent } = agentFor({ 'dest.example': { A: ['127.0.0.2'], AAAA: ['::1'] } }, s.port);
    const r = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    await agent.close();
  });

  it('a 5xx to a recipient is final (not tried at the next MX); a 4xx MAIL moves on', async () => {
    const got: Got[] = [];
    const second = await serveOn('127.0.0.6', (p) => goodServer(p, got));
    const first = await serveOn(
      '127.0.0.5',
      (p) => goodServer(p, [], { rcpt: (l) => (l.includes('gone@') ? '550 5.1.1 gone\r\n' : '250 ok\r\n') }),
      second.port,
    );
    const { agent } = agentFor(
      {
        'dest.example': {
          MX: [
            { preference: 10, exchange: 'mx1.dest.example' },
            { preference: 20, exchange: 'mx2.dest.example' },
          ],
        },
        'mx1.dest.example': { A: ['127.0.0.5'] },
        'mx2.dest.example': { A: ['127.0.0.6'] },
      },
      second.port,
    );
    const env: OutboundEnvelope = {
      mailFrom: 'a@s.example',
      recipients: [{ address: 'gone@dest.example' }, { address: 'b@dest.example' }],
    };
    const r = await agent.deliverToDomain('dest.example', env, MSG);
    assert.deepEqual(
      r.recipients.map((x) => [x.outcome, x.remoteMta]),
      [
        ['permanent', 'mx1.dest.example'],
        ['delivered', 'mx1.dest.example'],
      ],
    );
    assert.equal(second.peers.length, 0);
    assert.equal(first.peers.length, 1);
    await agent.close();
  });

  it('every host fails: transient with the last reason', async () => {
    const { agent } = agentFor({ 'dest.example': { A: ['127.0.0.2'] } }, 9);
    const r = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r.recipients[0].outcome, 'transient');
    assert.equal(r.recipients[0].reason.code, 'SMTP_CONNECT_FAILED');
    await agent.close();
  });

  it('the pool keeps at most maxConnectionsPerDestination sessions; the rest wait and reuse them', async () => {
    const got: Got[] = [];
    const s = await serveOn('127.0.0.1', (p) => goodServer(p, got));
    const agent = createTransferAgent({ heloName: 'c', pool: { maxConnectionsPerDestination: 2 } });
    const hop = { host: '127.0.0.1', port: s.port, tls: 'none' as const };
    const all = await Promise.all(Array.from({ length: 10 }, () => agent.deliverVia(hop, ENV, MSG)));
    assert.ok(all.every((r) => r.recipients[0].outcome === 'delivered'));
    assert.equal(got.length, 10);
    assert.ok(s.peers.length <= 2, `${s.peers.length} sessions`);
    await agent.close();
    assert.equal(agent.pool.openSessions, 0);
  });

  it('SmtpSaveOutboundToFile: the message is saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smtp-client-save-'));
    const s = await serveOn('127.0.0.1', (p) => goodServer(p, []));
    const agent = createTransferAgent({ heloName: 'c', saveOutboundDir: dir });
    await agent.deliverVia({ host: '127.0.0.1', port: s.port, tls: 'none' }, ENV, MSG);
    await agent.close();
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.equal(readFileSync(join(dir, files[0]), 'utf8'), MSG);
  });

  it('MTA-STS enforce: MX hosts outside the policy are not used', async () => {
    const got: Got[] = [];
    const s = await serveOn('127.0.0.1', (p) => goodServer(p, got));
    const { agent } = agentFor(
      {
        'dest.example': { MX: [{ preference: 10, exchange: 'mx.evil.example' }] },
        'mx.evil.example': { A: ['127.0.0.1'] },
        '_mta-sts.dest.example': { TXT: ['v=STSv1; id=1'] },
      },
      s.port,
      {
        mtaSts: {
          fetch: async () => ({
            status: 200,
            body: 'version: STSv1\nmode: enforce\nmx: *.dest.example\nmax_age: 600\n',
          }),
        },
      },
    );
    const r = await agent.deliverToDomain('dest.example', ENV, MSG);
    assert.equal(r.recipients[0].reason.code, 'SMTP_MTA_STS');
    assert.equal(r.recipients[0].outcome, 'transient');
    assert.equal(s.peers.length, 0);
    await agent.close();
  });

  it('a closed agent refuses deliveries with a transient reason', async () => {
    const agent = createTransferAgent({ heloName: 'c' });
    await agent.close();
    const r = await agent.deliverVia({ host: '127.0.0.1', port: 9 }, ENV, MSG);
    assert.equal(r.recipients[0].reason.code, 'SMTP_AGENT_CLOSED');
    await assert.rejects(
      agent.deliverVia({ host: '127.0.0.1' }, { mailFrom: '', recipients: [] }, MSG),
      TypeError,
    );
  });
});
