import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestSession } from '@mailroute/smtp-server/testing';
import { MessageBudget } from '../src/message-budget.js';
import { exampleConfig, removeDir, type TestGateway, tempDir, testGateway } from './helpers.js';

let dir: string;
let gw: TestGateway;
before(async () => {
  dir = await tempDir('gateway-budget-');
  const config = await exampleConfig();
  gw = await testGateway(dir, { ...config, gateway: { ...config.gateway, maxBufferedBytes: 4096 } });
});
after(async () => {
  await gw.router.close();
  await removeDir(dir);
});

describe('message budget', () => {
  it('takes what fits and gives it back', () => {
    const b = new MessageBudget(100);
    assert.equal(b.take(60), true);
    assert.equal(b.take(50), false);
    assert.equal(b.used, 60);
    b.release(60);
    assert.equal(b.take(100), true);
    b.release(1000);
    assert.equal(b.used, 0);
  });

  it('a message past the shared budget gets 452 4.3.1 and nothing is stored; the next small one is accepted', async () => {
    const s = await createTestSession({ hostname: 'mail1.acme.example' }, gw.backend, {
      connection: { remoteAddress: '127.0.0.1' },
    });
    await s.send('EHLO budget.test\r\n');
    const send = async (body: string) => {
      await s.send('MAIL FROM:<a@outside.example>\r\n');
      await s.send('RCPT TO:<jane.doe@acme.example>\r\n');
      await s.send('DATA\r\n');
      return s.send(`From: a@outside.example\r\nSubject: budget\r\n\r\n${body}\r\n.\r\n`);
    };
    assert.match(await send('x'.repeat(70).concat('\r\n').repeat(100)), /^452 4\.3\.1 /);
    assert.equal(gw.stats.snapshot().refusals['data 452 4.3.1 message budget'], 1);
    assert.equal(gw.stats.snapshot().messages, 0);
    assert.match(await send('small'), /^250 /);
    assert.equal(gw.stats.snapshot().messages, 1);
    await s.close();
  });
});
