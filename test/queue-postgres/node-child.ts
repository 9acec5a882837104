/**
 * One router node of the multi-node tests, as its own process: a real Router (`createRouter`)
 * over the shared PostgreSQL mail.box, transferring with @mailroute/smtp-client to the counting
 * SMTP sink. It submits nothing: it learns of the work the test enqueues from PostgreSQL NOTIFY
 * (and its poll). Prints `ready` once started; SIGTERM stops it gracefully.
 *
 *   node node-child.js <url> <schema> <owner> <sinkPort>
 */
import type { Logger } from '@mailroute/envelope';
import { createPostgresMailBox } from '@mailroute/queue-postgres';
import { relayNode } from './relay-node.js';

const [url, schema, owner, sinkPort] = process.argv.slice(2) as [string, string, string, string];

/** Warnings and errors (and the store's connection lines) to stderr; per-message lines dropped. */
function stderrLogger(component: string, info: boolean): Logger {
  const line =
    (level: string) =>
    (context?: object, message?: string): void => {
      process.stderr.write(
        `[${owner} ${component} ${level}] ${message ?? ''} ${context ? JSON.stringify(context) : ''}\n`,
      );
    };
  const logger: Logger = {
    debug: () => {},
    info: info ? line('info') : () => {},
    warn: line('warn'),
    error: line('error'),
    child: () => logger,
  };
  return logger;
}

const box = await createPostgresMailBox({
  connectionString: url,
  schema,
  logger: stderrLogger('mail.box', true),
  maxConnections: 4,
  pollIntervalMs: 500,
});
const { router, agent } = relayNode({
  box,
  owner,
  sinkPort: Number(sinkPort),
  logger: stderrLogger('router', false),
});
router.start();
process.on('SIGTERM', () => {
  void (async () => {
    await router.stop();
    await agent.close();
    await box.close();
    process.exit(0);
  })();
});
process.stdout.write('ready\n');
