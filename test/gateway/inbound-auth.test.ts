/**
 * The inbound controls' Sender Domain Authentication end to end: the gateway on 127.0.0.1 with
 * its DNS from a real Knot server, mail sent by Python's smtplib and swaks, messages signed by
 * python3-dkim. SPF pass / fail / softfail at each setting (none, Log, Log and tag, reject with an
 * exception host), DKIM pass and fail tagged, DMARC reject (5xx at the end of DATA), quarantine
 * (held in mail.box) and report (delivered, result logged), and the one Authentication-Results
 * field parsed back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAuthenticationResults } from '@mailroute/auth';
import { keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import type { Gateway } from '@mailroute/example-gateway';
import type { SenderAuthenticationConfig } from '@mailroute/relay-policy';
import { findKnotd, type KnotServer, startKnot, zoneWithSoa } from '@mailroute/test-support';
import { gatewayModules } from './gateway-modules.js';
import { EXAMPLE_CONFIG, PYTHON, pythonSend, run, smtplibSkip, swaksSkip, waitFor } from './tools.js';

const knotd = findKnotd();
const DKIMPY = fileURLToPath(new URL('../../dkim/dkimpy_interop.py', import.meta.url));
const hasDkimpy =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import dkim'], { stdio: 'ignore' }).status === 0;
const skip = !knotd
  ? 'knotd is not installed (apt-get install knot)'
  : smtplibSkip || (!hasDkimpy && 'python3-dkim is not installed (apt-get install python3-dkim)');
const modules = await gatewayModules();

const AUTHSERV = 'mail1.acme.example';
const TO = 'john.smith@acme.example';
const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
const keyRecord = keyRecordText('rsa', loadPrivateKey(key).publicKeyBytes).value;

/** A TXT value in zone-file form: split into quoted strings of at most 255 octets. */
function txt(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 200) parts.push(`"${value.slice(i, i + 200)}"`);
  return parts.join(' ');
}

// Every name the gateway asks is in a served zone, so no answer is REFUSED (which would be retried).
const ZONES: Record<string, string> = {
  '0.0.127.in-addr.arpa': zoneWithSoa('0.0.127.in-addr.arpa', '1 PTR client.test.\n2 PTR partner.test.'),
  'client.test': zoneWithSoa('client.test', '@ A 127.0.0.1'),
  'partner.test': zoneWithSoa('partner.test', '@ A 127.0.0.2'),
  'pass.test': zoneWithSoa('pass.test', '@ TXT "v=spf1 ip4:127.0.0.1 ip4:127.0.0.2 -all"'),
  'fail.test': zoneWithSoa(
    'fail.test',
    '@ TXT "v=spf1 -all exp=why.fail.test"\nwhy TXT "not an outbound host of %{d}"',
  ),
  'soft.test': zoneWithSoa('soft.test', '@ TXT "v=spf1 ~all"'),
  'signed.test': zoneWithSoa(
    'signed.test',
    `@ TXT "v=spf1 -all"\n_dmarc TXT "v=DMARC1; p=reject"\ns._domainkey TXT ${txt(keyRecord)}`,
  ),
  'reject.test': zoneWithSoa('reject.test', '_dmarc TXT "v=DMARC1; p=reject"'),
  'quarantine.test': zoneWithSoa('quarantine.test', '_dmarc TXT "v=DMARC1; p=quarantine"'),
};

let knot: KnotServer | undefined;
const started: { gateway: Gateway; data: string }[] = [];

before(async () => {
  if (skip) return;
  knot = await startKnot(knotd!, ZONES, 'client.test');
});

after(async () => {
  for (const s of started) {
    await s.gateway.close(2000);
    await rm(s.data, { recursive: true, force: true });
  }
  await knot?.stop();
});

/** A gateway with the example configuration, these controls, and DNS from Knot. */
async function gatewayWith(auth: SenderAuthenticationConfig) {
  const loaded = await modules.config.loadGatewayConfig(EXAMPLE_CONFIG);
  assert.deepEqual(loaded.errors, []);
  const config = loaded.config!;
  const data = await mkdtemp(join(tmpdir(), 'gateway-auth-'));
  const lines: string[] = [];
  const gateway = await modules.gateway.startGateway({
    config: {
      ...config,
      // The example's blacklist zone is not served here; the controls under test are.
      inbound: { ...config.inbound, dnsBlacklist: { enabled: false }, senderAuthentication: auth },
    },
    dataDir: data,
    port: 0,
    submissionPort: null,
    sinkPort: null,
    dnsServers: [knot!.server],
    logger: modules.gateway.gatewayLineLogger((line) => lines.push(line)),
  });
  started.push({ gateway, data });
  const port = gateway.addresses[0]!.port;
  /** The raw message delivered to jsmith.nsf with this subject (waits for the Router). */
  const delivered = (subject: string) =>
    waitFor(async () => {
      const folder = join(data, 'mailfiles', 'mail', 'jsmith.nsf');
      for (const f of await readdir(folder).catch(() => [] as string[])) {
        if (!f.endsWith('.eml')) continue;
        const raw = await readFile(join(folder, f), 'latin1');
        if (raw.includes(`\r\nSubject: ${subject}\r\n`)) return raw;
      }
      return undefined;
    }, `"${subject}" in jsmith.nsf`);
  return { gateway, port, lines, delivered };
}

function message(from: string, subject: string, extra = ''): string {
  return `${extra}From: ${from}\r\nTo: ${TO}\r\nSubject: ${subject}\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@auth.test>\r\n\r\nAuthentication test body.\r\n`;
}

/** Header fields of a raw message by name (unfolded values). */
function fields(raw: string, name: string): string[] {
  const head = raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]/g, ' ');
  return head
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}

/** Our one Authentication-Results field, parsed. */
function authResults(raw: string) {
  const all = fields(raw, 'Authentication-Results');
  assert.equal(all.length, 1, `exactly one Authentication-Results: ${JSON.stringify(all)}`);
  const parsed = parseAuthenticationResults(all[0]!);
  assert.ok(parsed.ok, all[0]);
  assert.equal(parsed.value.authservId, AUTHSERV);
  return parsed.value.results;
}

function signWithDkimpy(text: string): string {
  const job = {
    message: Buffer.from(text).toString('base64'),
    selector: 's',
    domain: 'signed.test',
    algorithm: 'rsa-sha256',
    canonicalization: 'relaxed/relaxed',
    key: pem,
  };
  const r = spawnSync(PYTHON, [DKIMPY], { input: JSON.stringify({ sign: [job] }), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Buffer.from((JSON.parse(r.stdout) as string[])[0]!, 'base64').toString('latin1');
}

const SPF_DOMAINS = { pass: 'pass.test', fail: 'fail.test', softfail: 'soft.test' } as const;

describe('SPF at each setting (smtplib, DNS from Knot)', { skip }, () => {
  for (const setting of ['none', 'log', 'tag', 'reject'] as const) {
    it(`spf: ${setting}`, async () => {
      const gw = await gatewayWith({
        spf: setting,
        ...(setting === 'reject' ? { spfExceptions: ['[127.0.0.2]'] } : {}),
      });
      for (const [result, domain] of Object.entries(SPF_DOMAINS)) {
        const subject = `spf ${setting} ${result}`;
        const answer = await pythonSend({
          port: gw.port,
          from: `someone@${domain}`,
          to: [TO],
          message: message(`someone@${domain}`, subject),
        });
        if (setting === 'reject' && result === 'fail') {
          assert.equal(answer.ok, false);
          assert.deepEqual(answer.error, [
            550,
            '5.7.23 SPF check failed for fail.test: not an outbound host of fail.test',
          ]);
          continue;
        }
        assert.deepEqual(answer, { ok: true, refused: {}, error: null }, subject);
        const raw = await gw.delivered(subject);
        if (setting === 'none') {
          assert.deepEqual(fields(raw, 'Authentication-Results'), []);
          continue;
        }
        const spf = authResults(raw).find((r) => r.method === 'spf');
        assert.equal(spf?.result, result);
        assert.deepEqual(spf?.properties, [
          { ptype: 'smtp', property: 'mailfrom', value: `someone@${domain}` },
        ]);
        const tagged = setting === 'tag';
        assert.equal(fields(raw, 'Received-SPF').length, tagged ? 1 : 0);
        assert.equal(fields(raw, 'Received_SPF').length, tagged ? 1 : 0);
        if (tagged) {
          assert.match(fields(raw, 'Received-SPF')[0]!, new RegExp(`^${result} \\(`));
          assert.match(fields(raw, 'Received-SPF')[0]!, /client-ip=127\.0\.0\.1;/);
          assert.equal(fields(raw, 'Received_SPF')[0], fields(raw, 'Received-SPF')[0]);
        }
      }
      if (setting === 'reject') {
        // The exception host: a hard fail from 127.0.0.2 is not even checked.
        const subject = 'spf reject exception host';
        const answer = await pythonSend({
          port: gw.port,
          from: 'someone@fail.test',
          to: [TO],
          message: message('someone@fail.test', subject),
          source: '127.0.0.2',
        });
        assert.deepEqual(answer, { ok: true, refused: {}, error: null });
        const raw = await gw.delivered(subject);
        assert.deepEqual(fields(raw, 'Authentication-Results'), []);
      }
    });
  }
});

describe('DKIM and DMARC at the end of DATA', { skip }, () => {
  it('apply: DKIM pass tagged and delivered; p=reject refused with 5xx after the data; p=quarantine held', async () => {
    const gw = await gatewayWith({ spf: 'log', dkim: 'tag', dmarc: 'apply' });
    const signedSubject = 'dmarc apply signed';
    const signed = signWithDkimpy(message('Alice <alice@signed.test>', signedSubject));
    const ok = await pythonSend({ port: gw.port, from: 'bounce@fail.test', to: [TO], message: signed });
    assert.deepEqual(ok, { ok: true, refused: {}, error: null });
    const raw = await gw.delivered(signedSubject);
    assert.deepEqual(fields(raw, 'DKIM_Signature'), ['pass d=signed.test s=s']);
    const results = authResults(raw);
    assert.deepEqual(
      results.map((r) => `${r.method}=${r.result}`),
      ['spf=fail', 'dkim=pass', 'dmarc=pass'],
    );
    assert.deepEqual(results.find((r) => r.method === 'dkim')?.properties, [
      { ptype: 'header', property: 'd', value: 'signed.test' },
      { ptype: 'header', property: 's', value: 's' },
    ]);

    // swaks shows where the refusal comes: after the final dot, not at MAIL FROM or RCPT.
    const swaks = await run('swaks', [
      '--server',
      `127.0.0.1:${gw.port}`,
      '--helo',
      'client.test',
      '--from',
      'bounce@fail.test',
      '--to',
      TO,
      '--header',
      'From: Mallory <ceo@reject.test>',
      '--header',
      'Subject: dmarc apply reject',
    ]);
    if (!swaksSkip) {
      assert.notEqual(swaks.code, 0);
      assert.match(
        swaks.stdout,
        /-> \.\r?\n<\*\* 550 5\.7\.1 Message rejected: it fails the DMARC policy of reject\.test/,
      );
      assert.match(swaks.stdout, /<- {2}250 [^\n]*\r?\n -> DATA/);
    }

    const quarantined = await pythonSend({
      port: gw.port,
      from: 'bounce@fail.test',
      to: [TO],
      message: message('Mallory <ceo@quarantine.test>', 'dmarc apply quarantine'),
    });
    assert.deepEqual(quarantined, { ok: true, refused: {}, error: null });
    const held = await gw.gateway.router.mailBox.list({ state: 'held' });
    const mine = held.find((m) => m.messageId === '<dmarcapplyquarantine@auth.test>');
    assert.ok(mine, `held in mail.box: ${JSON.stringify(held.map((m) => m.messageId))}`);
    assert.deepEqual(
      mine.recipients.map((r) => [r.address, r.state]),
      [[TO, 'held']],
    );
    assert.ok(gw.lines.some((l) => l.includes('held: DMARC quarantine')));
    // Held means not delivered: once the Router is idle, no mail file has it.
    await gw.gateway.router.router.idle();
    const folder = join(started.at(-1)!.data, 'mailfiles', 'mail', 'jsmith.nsf');
    for (const f of (await readdir(folder)).filter((n) => n.endsWith('.eml')))
      assert.ok(!(await readFile(join(folder, f), 'latin1')).includes('dmarc apply quarantine'));
  });

  it('report: a failing message is delivered with dkim=fail tagged, dmarc=fail written and logged; a forged Authentication-Results is removed', async () => {
    const gw = await gatewayWith({ dkim: 'tag', dmarc: 'report' });
    const subject = 'dmarc report tampered';
    const forged = `Authentication-Results: ${AUTHSERV}; dkim=pass header.d=signed.test; dmarc=pass\r\nAuthentication-Results: elsewhere.example; spf=pass\r\n`;
    const signed = signWithDkimpy(message('Alice <alice@signed.test>', subject));
    const tampered = forged + signed.replace('Authentication test body.', 'Changed after signing.');
    const answer = await pythonSend({ port: gw.port, from: 'bounce@fail.test', to: [TO], message: tampered });
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const raw = await gw.delivered(subject);
    assert.match(fields(raw, 'DKIM_Signature')[0] ?? '', /^fail d=signed\.test s=s/);
    const ours = fields(raw, 'Authentication-Results').filter((f) => f.startsWith(AUTHSERV));
    assert.equal(ours.length, 1);
    assert.deepEqual(
      fields(raw, 'Authentication-Results').filter((f) => !f.startsWith(AUTHSERV)),
      ['elsewhere.example; spf=pass'],
    );
    const parsed = parseAuthenticationResults(ours[0]!);
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.value.results.map((r) => `${r.method}=${r.result}`),
      ['dkim=fail', 'dmarc=fail'],
    );
    assert.equal(parsed.value.results[1]?.reason, 'p=reject dis=reject');
    assert.ok(
      gw.lines.some((l) => /Authentication-Results: .*dmarc=fail/.test(l.replace(/\s+/g, ' '))),
      gw.lines.join('\n'),
    );
  });
});
