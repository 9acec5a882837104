/**
 * The status file: the running gateway rewrites `<data>/status.json` every second and at
 * shutdown, and `mailroute-gateway status` reads it, the way `tell router status` and
 * `show stat SMTP` read the live server. A file keeps the command free of sockets and
 * permissions, and the last figures stay readable after the gateway stopped.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatMailStatistics,
  type MailStatistics,
  mailStatistics,
  type RouterStatus,
  type RuleCounters,
} from '@mailroute/router';
import type { GatewayCounters } from './gateway-stats.js';

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
  /** The Router's queues and statistics (`show stat Mail`, `tell router show queues`); absent in an older file. */
  readonly router?: RouterView;
  /** The capture sink, when the example runs one. */
  readonly sink?: { readonly address: string; readonly port: number; readonly captured: number };
}

/** The Router as status.json shows it. */
export interface RouterView {
  /** Domino's statistic names: Mail.Waiting, Mail.Delivered, Mail.Transferred, Mail.TransferFailures, Mail.Dead, Mail.Held ... */
  readonly statistics: Readonly<Record<string, number>>;
  /** Messages in mail.box and recipients by state. */
  readonly messages: number;
  readonly recipients: Readonly<Record<string, number>>;
  /** Each queue: waiting and in-flight recipients and the next attempt time. */
  readonly queues: readonly {
    readonly destination: string;
    readonly waiting: number;
    readonly inFlight: number;
    readonly nextAttempt?: string;
  }[];
  /** Destinations in retry (Domino: the connection is in retry) and when the next attempt is. */
  readonly inRetry: readonly {
    readonly destination: string;
    readonly failures: number;
    readonly retryAt: string;
  }[];
  /** Hops of the routing graph marked down after a failed transfer. */
  readonly downHops: readonly string[];
  readonly running: { readonly delivery: number; readonly transfer: number };
  /** `show stat Mail` as the Router's `mailStatistics` gives it (absent in an older file). */
  readonly mail?: MailStatistics;
  /** What server mail rules did since start (absent in an older file). */
  readonly rules?: Readonly<RuleCounters>;
}

/** The Router's status as status.json holds it. */
export function routerView(s: RouterStatus): RouterView {
  const r = s.mailBox.recipients;
  const c = s.counters;
  return {
    statistics: {
      'Mail.Waiting': r.waiting + r['in-flight'],
      'Mail.Delivered': c.delivered,
      'Mail.Transferred': c.transferred,
      'Mail.TransferFailures': c.transferFailures,
      'Mail.Dead': r.dead,
      'Mail.Held': r.held,
      'Mail.Failed': c.failed,
      'Mail.Deferred': c.deferred,
      'Mail.Reports': c.reports,
    },
    messages: s.mailBox.messages,
    recipients: { ...r },
    queues: s.mailBox.destinations.map((d) => ({
      destination: d.destination,
      waiting: d.waiting,
      inFlight: d.inFlight,
      ...(d.nextAttemptMs === undefined ? {} : { nextAttempt: new Date(d.nextAttemptMs).toISOString() }),
    })),
    inRetry: s.inRetry.map((x) => ({
      destination: x.destination,
      failures: x.failures,
      retryAt: new Date(x.retryAtMs).toISOString(),
    })),
    downHops: s.downHops.map(([from, to]) => `${from} -> ${to}`),
    running: { ...s.running },
    mail: mailStatistics(s),
    rules: { ...s.rules },
  };
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
    'Gateway:',
    `  messages accepted (in mail.box before the 250): ${g.messages}`,
    `  outbound copies DKIM-signed: ${g.signed}`,
    `  processing errors: ${g.processingErrors}`,
  );
  const r = s.router;
  if (r !== undefined) {
    lines.push('Router (show stat Mail):');
    if (r.mail === undefined) for (const [k, v] of Object.entries(r.statistics)) lines.push(`  ${k} = ${v}`);
    else {
      // Domino's six names and the queues with their retry times, as the Router prints them.
      lines.push(...formatMailStatistics(r.mail).trimEnd().split('\n'));
      for (const k of ['Mail.Failed', 'Mail.Deferred', 'Mail.Reports'])
        if (r.statistics[k] !== undefined) lines.push(`  ${k} = ${r.statistics[k]}`);
    }
    if (r.rules !== undefined)
      lines.push(
        `Server mail rules: ${Object.entries(r.rules)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    lines.push(
      `Router queues (tell router show queues): ${r.messages} message(s) in mail.box; recipients ${
        Object.entries(r.recipients)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none'
      }`,
    );
    for (const q of r.queues)
      lines.push(
        `  ${q.destination}: ${q.waiting} waiting, ${q.inFlight} in flight${q.nextAttempt === undefined ? '' : `, next attempt ${q.nextAttempt}`}`,
      );
    for (const x of r.inRetry)
      lines.push(`  in retry: ${x.destination} after ${x.failures} failure(s), next attempt ${x.retryAt}`);
    for (const h of r.downHops) lines.push(`  hop marked down: ${h}`);
    lines.push(`  running: ${r.running.delivery} delivery, ${r.running.transfer} transfer`);
  }
  if (s.sink !== undefined)
    lines.push(`Capture sink on ${s.sink.address}:${s.sink.port}: ${s.sink.captured} message(s) captured`);
  lines.push('Refusals by reason:');
  const reasons = Object.entries(g.refusals);
  if (reasons.length === 0) lines.push('  none');
  for (const [reason, count] of reasons) lines.push(`  ${String(count).padStart(6)}  ${reason}`);
  const lists = Object.entries(s.dnsLists);
  if (lists.length > 0) lines.push('DNS lists:', ...lists.map(([k, v]) => `  ${k} = ${v}`));
  return lines;
}
