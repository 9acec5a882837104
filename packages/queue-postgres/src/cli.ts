/**
 * `mailroute-queue-postgres`: the operator's command for the queue's schema.
 *
 *   mailroute-queue-postgres migrate <postgres-url> [--schema <name>]   apply the migrations
 *   mailroute-queue-postgres version <postgres-url> [--schema <name>]   print the schema version
 */
import pg from 'pg';
import { DEFAULT_SCHEMA, migrate, SCHEMA_VERSION, schemaVersion } from './schema.js';

const USAGE = `usage: mailroute-queue-postgres migrate <postgres-url> [--schema <name>]
       mailroute-queue-postgres version <postgres-url> [--schema <name>]
The URL may also come from DATABASE_URL. The default schema is "${DEFAULT_SCHEMA}".
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let url: string | undefined;
  let schema = DEFAULT_SCHEMA;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--schema') schema = rest[++i] ?? '';
    else if (url === undefined && !a.startsWith('-')) url = a;
    else {
      process.stderr.write(`mailroute-queue-postgres: unexpected argument ${a}\n${USAGE}`);
      return 64;
    }
  }
  url ??= process.env.DATABASE_URL;
  if ((command !== 'migrate' && command !== 'version') || !url) {
    process.stderr.write(USAGE);
    return 64;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  try {
    if (command === 'version') {
      const v = await schemaVersion(pool, { schema });
      process.stdout.write(`schema ${schema}: version ${v} (this package: ${SCHEMA_VERSION})\n`);
      return v === SCHEMA_VERSION ? 0 : 1;
    }
    const r = await migrate(pool, { schema });
    process.stdout.write(
      r.applied.length === 0
        ? `schema ${schema}: at version ${r.to}, nothing to do\n`
        : `schema ${schema}: migrated from version ${r.from} to ${r.to} (applied ${r.applied.join(', ')})\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`mailroute-queue-postgres: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await pool.end().catch(() => {});
  }
}

process.exitCode = await main(process.argv.slice(2));
