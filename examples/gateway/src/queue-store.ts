/**
 * mail.box on PostgreSQL for the gateway (`--queue postgres://...` or gateway.json
 * `router.queue`): several gateways started with the same URL share one queue, each message
 * delivered once, a dead gateway's work taken over when its leases run out.
 *
 * The gateway does not create or upgrade the schema: like a Domino administrator who creates
 * mail.box before the Router uses it, the operator runs `mailroute-queue-postgres migrate <url>`
 * once (and again after an upgrade that says so). A missing or older schema stops the start with
 * an error that names that command; nothing is changed in the database by starting a gateway.
 */
import type { Logger } from '@mailroute/envelope';
import { createPostgresMailBox, type PostgresMailBox } from '@mailroute/queue-postgres';
import { componentLogger } from './log-lines.js';

/** The URL without its password, for log lines. */
export function redactedQueueUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Opens the shared queue; rejects (naming the migrate command) when the schema is not there. */
export async function openPostgresQueue(
  url: string,
  schema: string | undefined,
  logger: Logger,
): Promise<PostgresMailBox> {
  if (!/^postgres(ql)?:\/\//i.test(url))
    throw new Error(
      `--queue / router.queue must be a postgres:// URL, got ${JSON.stringify(redactedQueueUrl(url))}`,
    );
  const box = await createPostgresMailBox({
    connectionString: url,
    ...(schema === undefined ? {} : { schema }),
    logger: componentLogger(logger, 'mail.box'),
  });
  logger.info(
    {},
    `mail.box: PostgreSQL ${redactedQueueUrl(url)} schema ${schema ?? 'mailroute'} (shared by every gateway on this URL; wake-ups by LISTEN/NOTIFY)`,
  );
  return box;
}
