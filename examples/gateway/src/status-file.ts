/**
 * The status file: the running gateway rewrites `<data>/status.json` every second and at
 * shutdown, and `mailroute-gateway status` reads it, the way `tell router status` and
 * `show stat SMTP` read the live server. A file keeps the command free of sockets and
 * permissions, and the last figures stay readable after the gateway stopped.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayCounters } from './gateway-stats.js';
import { type HeldRecord, heldRoot } from './held.js';

/** What status.json holds. */
export interface GatewayStatus {
  readonly pid: number;
  readonly state: 'running' | 'stopped';
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly hostname: string;
  readonly server: string;
  readonly listening: readonly { readonly kind: string; readonly address: string; readonly port: number }[];
  /** The SMTP listener's counters (`show stat SMTP`). */
  readonly smtp: Readonly<Record<string, unknown>>;
  /** The gateway's counters (`tell router status`). */
  readonly gateway: GatewayCounters;
  /** DNS black/whitelist statistics (`SMTP.DNSBL.<site>.TotalHits` ...). */
  readonly dnsLists: Readonly<Record<string, number>>;
}

/** The status file's path. */
export function statusPath(dataDir: string): string {
  return join(dataDir, 'status.json');
}

/** Replaces the status file atomically (not fsynced: it is rewritten every second). */
export async function writeStatus(dataDir: string, status: GatewayStatus): Promise<void> {
  const path = statusPath(dataDir);
  const temp = `${path}.${process.pid}.part`;
  await writeFile(temp, `${JSON.stringify(status, null, 2)}\n`);
  await rename(temp, path);
}

/** Reads the status file; undefined when there is none. */
export async function readStatus(dataDir: string): Promise<GatewayStatus | undefined> {
  try {
    return JSON.parse(await readFile(statusPath(dataDir), 'utf8')) as GatewayStatus;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${statusPath(dataDir)}: ${(error as Error).message}`);
  }
}

/** The status as an administrator reads it on the console. */
export function formatStatus(s: GatewayStatus, alive: boolean): string[] {
  const lines = [
    `mailroute gateway ${s.server} (${s.hostname}), pid ${s.pid}: ${s.state === 'running' && alive ? 'running' : 'not running'}`,
    `  started ${s.startedAt}, figures of ${s.updatedAt}`,
    ...s.listening.map((l) => `  listening: ${l.kind} on ${l.address}:${l.port}`),
    'SMTP (show stat SMTP):',
  ];
  for (const [k, v] of Object.entries(s.smtp)) {
    lines.push(`  SMTP.${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  const g = s.gateway;
  lines.push(
    'Router (tell router status):',
    `  messages accepted: ${g.messages}`,
    `  delivered to mail files: ${g.deliveries}`,
    `  spooled for transfer: ${g.spooled} (DKIM-signed: ${g.signed})`,
    `  recipients undeliverable after the data (held): ${g.recipientFailures} in ${g.held ?? 0} message(s)`,
    `  processing errors: ${g.processingErrors}`,
    'Refusals by reason:',
  );
  const reasons = Object.entries(g.refusals);
  if (reasons.length === 0) lines.push('  none');
  for (const [reason, count] of reasons) lines.push(`  ${String(count).padStart(6)}  ${reason}`);
  const lists = Object.entries(s.dnsLists);
  if (lists.length > 0) lines.push('DNS lists:', ...lists.map(([k, v]) => `  ${k} = ${v}`));
  return lines;
}

/** The held messages as an administrator reads them (like held and dead mail in mail.box). */
export function formatHeld(
  held: { readonly total: number; readonly records: readonly HeldRecord[] },
  dataDir: string,
): string[] {
  const lines = [`Held mail (undeliverable after the 250, waiting for its failure report): ${held.total}`];
  if (held.total === 0) return lines;
  lines.push(
    `  in ${heldRoot(dataDir)}${held.records.length < held.total ? `, newest ${held.records.length}:` : ':'}`,
  );
  for (const r of held.records) {
    lines.push(`  ${r.id}  held ${r.heldAt}  from <${r.mailFrom}>`);
    for (const x of r.recipients)
      lines.push(
        `    ${x.recipient}${x.recipient === x.envelopeRecipient ? '' : ` (via ${x.envelopeRecipient})`}: ${x.reason}`,
      );
  }
  return lines;
}
