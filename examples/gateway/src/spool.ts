/**
 * The outbound spool: one folder per next hop under `<data>/spool/`, holding the (DKIM-signed)
 * message and its envelope, for the transfer task that will come with the router package.
 */
import { join } from 'node:path';
import { ensureFolder, writePair } from './durable-write.js';
import { hopFolderName } from './names.js';

/** The envelope stored beside a spooled message. */
export interface SpooledEnvelope {
  readonly id: string;
  /** The next hop as routing named it (server, relay host, smart host, or the MX domain). */
  readonly nextHop: string;
  /** `transfer` (to a server, NRPC or SMTP) or `smtp` (relay host, smart host, MX ...). */
  readonly action: 'transfer' | 'smtp';
  readonly transport: string;
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  /** The least-cost path, when routing gave one. */
  readonly path: readonly string[];
  readonly queuedAt: string;
  /** `d=`/`s=` of the DKIM signatures added, empty when the message was not signed. */
  readonly dkim: readonly string[];
}

/** Where spool folders live. */
export function spoolRoot(dataDir: string): string {
  return join(dataDir, 'spool');
}

/** Writes the message and then its envelope; returns the folder to sync before acknowledging. */
export async function writeSpooled(
  dataDir: string,
  message: Uint8Array,
  envelope: SpooledEnvelope,
  known?: Set<string>,
): Promise<string> {
  const folder = join(spoolRoot(dataDir), hopFolderName(envelope.nextHop));
  await ensureFolder(folder, known);
  await writePair(
    join(folder, `${envelope.id}.eml`),
    message,
    join(folder, `${envelope.id}.json`),
    `${JSON.stringify(envelope)}\n`,
  );
  return folder;
}
