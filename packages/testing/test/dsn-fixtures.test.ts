/**
 * Real delivery reports from other projects' test material (the shared fixtures, read in place,
 * never copied): the report reader gives their recipients, actions and status codes. Skips with a
 * message when the fixtures folder is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertDeliveryReport, parseDeliveryReport } from '../src/index.js';

// packages/testing/dist/test -> the repository root; the fixtures sit beside it (or beside the worktrees).
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtures = [join(root, '..', 'shared', 'fixtures'), join(root, '..', '..', 'shared', 'fixtures')].find(
  (d) => existsSync(join(d, 'mime')),
);
const skip = fixtures === undefined ? 'the shared fixtures folder (../shared/fixtures) is absent' : false;
const read = (name: string) => readFileSync(join(fixtures ?? '', 'mime', name));

describe('delivery reports from the shared fixtures', { skip }, () => {
  it('Amazon SES (mailparser’s fixture): one failed recipient, 5.1.1', async () => {
    const report = await parseDeliveryReport(read('mailparser/delivery-status.eml'));
    assert.equal(report.reportingMta, 'amazonses.com');
    assertDeliveryReport(report, [{ recipient: 'xxxx@xxxx.com', action: 'failed', status: '5.1.1' }]);
  });

  it('a report of 25 refused recipients (python-email msg_43), each 5.7.1', async () => {
    const report = await parseDeliveryReport(read('python-email/msg_43.txt'));
    assert.equal(report.recipients.length, 25);
    assert.ok(report.recipients.every((r) => r.action === 'failed' && r.status === '5.7.1'));
  });

  it('a 1996 report without a Status field (mimekit): the action is read, the status left empty', async () => {
    const report = await parseDeliveryReport(read('mimekit/delivery-status.txt'));
    assert.equal(report.reportingMta, 'mm1');
    assert.deepEqual(
      report.recipients.map((r) => [r.finalRecipient, r.action, r.status, r.diagnosticCode]),
      [['newsletter-request@imusic.com', 'failed', '', 'X-LOCAL; 500 (err.nosuchuser)']],
    );
  });

  it('a multipart/report without a delivery-status part (python-email msg_05) is refused by code', async () => {
    await assert.rejects(
      parseDeliveryReport(read('python-email/msg_05.txt')),
      (e: { code?: string }) => e.code === 'TESTING_NOT_A_DSN',
    );
  });
});
