import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '@mailroute/envelope';
import { parseArgs } from '../src/cli-args.js';
import { loadGatewayConfig } from '../src/config-load.js';
import { openPostgresQueue, redactedQueueUrl } from '../src/queue-store.js';
import { EXAMPLE_CONFIG, removeDir, tempDir } from './helpers.js';

async function withRouter(router: Record<string, unknown>) {
  const target = await tempDir('gateway-queue-config-');
  await cp(EXAMPLE_CONFIG, target, { recursive: true });
  const file = join(target, 'gateway.json');
  const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  value['router'] = { ...(value['router'] as object), ...router };
  await writeFile(file, JSON.stringify(value));
  const loaded = await loadGatewayConfig(target);
  await removeDir(target);
  return loaded;
}

describe('mail.box on PostgreSQL: --queue and router.queue', () => {
  it('start takes --queue URL', () => {
    const parsed = parseArgs(['start', '--queue', 'postgres://u:p@db/mail']);
    assert.ok(parsed.ok);
    assert.equal(parsed.args.flags.get('queue'), 'postgres://u:p@db/mail');
    assert.deepEqual(parseArgs(['start', '--queue']), { ok: false, error: '--queue needs a value' });
  });

  it('gateway.json router.queue and router.queueSchema are read; absent means the file store', async () => {
    const set = await withRouter({ queue: 'postgres://db/mail', queueSchema: 'edge' });
    assert.deepEqual(set.errors, []);
    assert.equal(set.config?.gateway.router.queue, 'postgres://db/mail');
    assert.equal(set.config?.gateway.router.queueSchema, 'edge');
    const unset = await withRouter({});
    assert.equal(unset.config?.gateway.router.queue, undefined);
    const bad = await withRouter({ queue: 5 });
    assert.deepEqual(
      bad.errors.map((e) => e.field),
      ['router.queue'],
    );
  });

  it('log lines never show the password; a URL that is not postgres:// is refused before connecting', async () => {
    assert.equal(redactedQueueUrl('postgres://mail:s3cret@db:5432/mail'), 'postgres://mail:***@db:5432/mail');
    assert.equal(redactedQueueUrl('postgres://db/mail'), 'postgres://db/mail');
    await assert.rejects(
      openPostgresQueue('mysql://root:hunter2@db/mail', undefined, silentLogger),
      (e: Error) => /must be a postgres:\/\/ URL/.test(e.message) && !e.message.includes('hunter2'),
    );
  });
});
