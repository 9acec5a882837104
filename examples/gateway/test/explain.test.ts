import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSigningConfig } from '@mailroute/dkim';
import { composeCore, type GatewayCore } from '../src/compose.js';
import { explainEnvelope } from '../src/explain.js';
import { exampleConfig } from './helpers.js';

let core: GatewayCore;
before(async () => {
  core = await composeCore(await exampleConfig());
});
after(() => core.resolver.close());

describe('explain', () => {
  it('prints the policy trace and the route of each recipient', async () => {
    const lines = await explainEnvelope(core, {
      ip: '127.0.0.1',
      helo: 'client.outside.example',
      from: 'someone@outside.example',
      recipients: ['jane@acme-corp.example', 'anna.berg@acme.example', 'x@partner.example', 'not an address'],
    });
    const text = lines.join('\n');
    assert.match(text, /connect: accept/);
    assert.match(text, /recipient jane@acme-corp\.example:\nrcpt: accept -> 250 2\.1\.5/);
    assert.match(text, /route: deliver to mail file mail\/jdoe\.nsf of CN=Jane Doe\/O=Acme on Mail1\/Acme/);
    assert.match(text, /route: transfer to Mail2\/Acme over NRPC/);
    assert.match(text, /Router: {3}1\. Mail1\/Acme -> Mail2\/Acme {2}cost 1 {2}\(same Notes Named Network\)/);
    assert.match(text, /rcpt: reject -> 554 5\.7\.1 Relay rejected for policy reasons\./);
    assert.match(text, /relay\.denyTo: matched \[partner\.example\] by entry "\*"/);
    assert.match(text, /rcpt not an address: refused by the parser -> 501/);
    assert.match(text, /dkim: remote copies not signed: anonymous session/);
  });

  it('with --user the relay is allowed and routed through the Internet gateway connection', async () => {
    const text = (
      await explainEnvelope(core, {
        ip: '127.0.0.1',
        from: 'jane.doe@acme.example',
        recipients: ['x@partner.example'],
        user: 'jdoe',
        dkim: parseSigningConfig({ RouterDKIMSigning: '1', 'DKIM_KEY_acme.example': 'rsa2026,ed2026' }),
      })
    ).join('\n');
    assert.match(text, /relay\.authenticatedUsers: matched \[jdoe\]/);
    assert.match(text, /route: send by SMTP via connectionRelayHost to sink\.acme\.example/);
    assert.match(text, /Foreign SMTP Domain document \*\.\* routes it to Internet/);
    assert.match(text, /dkim: remote copies signed d=acme\.example s=rsa2026, s=ed2026/);
  });

  it('stops at a connect refusal, as a session would', async () => {
    const lines = await explainEnvelope(core, {
      ip: '127.0.0.2',
      from: 'a@b.example',
      recipients: ['jane@acme.example'],
    });
    assert.match(
      lines[1]!,
      /^connect: reject -> 554 5\.7\.1 Your host 127\.0\.0\.2 is listed at bl\.mailroute\.example/,
    );
    assert.ok(!lines.some((l) => l.startsWith('recipient')));
  });
});
