/**
 * The backend with the shipped server mail rules (config/mail-rules.json), driven with literal
 * bytes: "Don't accept" answers 554 5.7.1 at the end of DATA with nothing in mail.box; a journal
 * rule whose store cannot be written answers 451 4.3.0 (never routed unjournaled); the journal
 * copy and the delivery when it can.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestSession } from '@mailroute/smtp-server/testing';
import type { GatewayConfig } from '../src/config-types.js';
import { exampleConfig, removeDir, type TestGateway, tempDir, testGateway } from './helpers.js';

const opened: { gw: TestGateway; dir: string }[] = [];
after(async () => {
  for (const o of opened) {
    await o.gw.router.close();
    await removeDir(o.dir);
  }
});

async function gatewayWithJournal(folder?: (dir: string) => Promise<string>): Promise<TestGateway> {
  const dir = await tempDir();
  const base = await exampleConfig();
  const config: GatewayConfig =
    folder === undefined
      ? base
      : {
          ...base,
          gateway: {
            ...base.gateway,
            operator: { ...base.gateway.operator, journaling: { folder: await folder(dir) } },
          },
        };
  const gw = await testGateway(dir, config);
  opened.push({ gw, dir });
  return gw;
}

async function transaction(gw: TestGateway, rcpt: string, data: string): Promise<string> {
  const s = await createTestSession({ hostname: 'mail1.acme.example' }, gw.backend, {
    connection: { remoteAddress: '127.0.0.1' },
  });
  await s.send('EHLO client.outside.example\r\n');
  await s.send('MAIL FROM:<someone@outside.example>\r\n');
  assert.match(await s.send(`RCPT TO:<${rcpt}>\r\n`), /^250/);
  await s.send('DATA\r\n');
  return s.send(data);
}

const EXE = [
  'From: someone@outside.example',
  'To: jane.doe@acme.example',
  'Subject: invoice',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary=b',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'Open it.',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Disposition: attachment; filename=invoice.exe',
  '',
  'MZ',
  '--b--',
  '.',
  '',
].join('\r\n');

const TO_SALES =
  'From: someone@outside.example\r\nTo: sales@acme.example\r\nSubject: offer\r\n\r\nHello.\r\n.\r\n';

describe('backend with the shipped mail rules', () => {
  it("Don't accept: 554 5.7.1 at the end of DATA, nothing in mail.box, counted by rule", async () => {
    const gw = await gatewayWithJournal();
    const reply = await transaction(gw, 'jane.doe@acme.example', EXE);
    assert.match(reply, /^554 5\.7\.1 Message rejected for policy reasons/);
    assert.equal((await gw.router.mailBox.counts()).messages, 0);
    assert.equal(gw.stats.snapshot().refusals['data 554 5.7.1 mail rule Refuse executable attachments'], 1);
  });

  it('Journal: the copy is written before the 250; a store that cannot be written gives 451 4.3.0', async () => {
    const good = await gatewayWithJournal();
    assert.match(await transaction(good, 'sales@acme.example', TO_SALES), /^250 /);
    const copies = await readdir(join(good.dataDir, 'mailjrn'));
    assert.equal(copies.filter((n) => n.endsWith('.eml')).length, 1);
    // A file where the journal folder should be: the write fails, the client retries later.
    const broken = await gatewayWithJournal(async (dir) => {
      await writeFile(join(dir, 'not-a-folder'), 'x');
      return join(dir, 'not-a-folder', 'mailjrn');
    });
    assert.match(
      await transaction(broken, 'sales@acme.example', TO_SALES),
      /^451 4\.3\.0 Mail journaling failed/,
    );
    assert.equal((await broken.router.mailBox.counts()).messages, 0);
  });
});
