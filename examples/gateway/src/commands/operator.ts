/**
 * The operator's commands of the command line: `queue list|show|hold|release|delete|reroute`,
 * `track` and `rules`. They change or read the RUNNING gateway, so they go through its control
 * socket (`control-socket.ts`): mail.box is locked by the running process, and message tracking
 * lives in its memory. Output is for the console (Domino's words); `--json` prints the answer.
 */
import { formatTrackingEvent, type QueuedMessage, type TrackingEvent } from '@mailroute/router';
import type { ParsedArgs } from '../cli-args.js';
import { type ControlAnswer, type ControlRequest, controlRequest, NOT_RUNNING } from '../control-socket.js';

/** Where a command writes. */
export interface CommandOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs a request without the gateway (on its stopped mail.box); undefined when that is not possible. */
export type OfflineRunner = (request: ControlRequest) => Promise<ControlAnswer | undefined>;

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

function replyText(r: QueuedMessage['recipients'][number]['lastReply']): string | undefined {
  return r === undefined
    ? undefined
    : `${r.code}${r.enhanced === undefined ? '' : ` ${r.enhanced}`} ${r.text}`;
}

/** One message as `queue list` prints it: a head line, then one line per recipient. */
export function formatQueuedMessage(m: QueuedMessage, detail: boolean): string[] {
  const from = m.envelope.mailFrom === '' ? '<>' : `<${m.envelope.mailFrom}>`;
  const lines = [
    `${m.id}  ${iso(m.arrivalMs)}  from ${from}  ${m.sizeBytes} bytes${m.messageId === undefined ? '' : `  ${m.messageId}`}${m.envelope.isReport ? '  (delivery report)' : ''}`,
  ];
  if (detail) {
    const e = m.envelope;
    const extra = [
      e.receivedFrom === undefined ? undefined : `received from ${e.receivedFrom}`,
      e.authenticated ? 'authenticated' : undefined,
      e.envid === undefined ? undefined : `ENVID ${e.envid}`,
      e.ret === undefined ? undefined : `RET=${e.ret}`,
      e.body === undefined ? undefined : `BODY=${e.body}`,
    ].filter((x) => x !== undefined);
    if (extra.length > 0) lines.push(`  ${extra.join(', ')}`);
  }
  for (const r of m.recipients) {
    const reply = replyText(r.lastReply);
    const parts = [`  [${r.index}] ${r.address} -> ${r.destination}  ${r.state.toUpperCase()}`];
    if (r.attempts > 0) parts.push(`attempts ${r.attempts}`);
    if (r.state === 'waiting') parts.push(`next attempt ${iso(r.nextAttemptMs)}`);
    if (detail && r.lastAttemptMs !== undefined) parts.push(`last attempt ${iso(r.lastAttemptMs)}`);
    if (reply !== undefined) parts.push(`"${reply}"`);
    if (detail && r.remoteMta !== undefined) parts.push(`(${r.remoteMta})`);
    lines.push(parts.join('  '));
  }
  return lines;
}

/** `--index 0,2` as recipient indexes, or an error text. */
function indexes(args: ParsedArgs): number[] | undefined | string {
  const text = args.flags.get('index');
  if (text === undefined) return undefined;
  const list = text.split(',').map((x) => x.trim());
  if (list.length === 0 || !list.every((x) => /^\d{1,6}$/.test(x)))
    return `--index must be recipient indexes like 0 or 0,2, got ${JSON.stringify(text)}`;
  return list.map(Number);
}

async function ask(
  dataDir: string,
  request: ControlRequest,
  io: CommandOutput,
  offline?: OfflineRunner,
): Promise<{ ok: true; result: unknown } | { ok: false; code: number }> {
  let answer: ControlAnswer | undefined;
  try {
    answer = await controlRequest(dataDir, request);
  } catch (error) {
    if ((error as { code?: string }).code === NOT_RUNNING && offline !== undefined) {
      try {
        answer = await offline(request);
      } catch (e) {
        io.err((e as Error).message);
        return { ok: false, code: 1 };
      }
    }
    if (answer === undefined) {
      io.err((error as Error).message);
      return { ok: false, code: 1 };
    }
  }
  if (!answer.ok) {
    io.err(`${request.command}: ${answer.message} (${answer.code})`);
    return { ok: false, code: answer.code === 'control.badRequest' ? 2 : 1 };
  }
  return answer;
}

const QUEUE_USAGE = 'queue list | queue show|hold|release|delete|reroute <queue id>';

/** `queue <sub-command> [id]`. */
export async function queueCommand(
  args: ParsedArgs,
  dataDir: string,
  io: CommandOutput,
  offline?: OfflineRunner,
): Promise<number> {
  const [sub, id] = args.positionals;
  const json = args.switches.has('json');
  if (sub === 'list') {
    if (id !== undefined) {
      io.err(`queue list takes no id (got ${JSON.stringify(id)}); use queue show ${id}`);
      return 2;
    }
    const limit = args.flags.get('limit');
    if (limit !== undefined && !/^\d{1,4}$/.test(limit)) {
      io.err(`--limit must be a number from 1 to 1000, got ${JSON.stringify(limit)}`);
      return 2;
    }
    const state = args.flags.get('state');
    const after = args.flags.get('after');
    const a = await ask(
      dataDir,
      {
        command: 'queue.list',
        ...(state === undefined ? {} : { state }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
        ...(after === undefined ? {} : { after }),
      },
      io,
      offline,
    );
    if (!a.ok) return a.code;
    const messages = a.result as QueuedMessage[];
    if (json) io.out(JSON.stringify(messages, null, 2));
    else {
      for (const m of messages) for (const line of formatQueuedMessage(m, false)) io.out(line);
      io.out(
        `${messages.length} message(s)${state === undefined ? '' : ` with a ${state} recipient`} in mail.box`,
      );
    }
    return 0;
  }
  const command = {
    show: 'queue.show',
    hold: 'queue.hold',
    release: 'queue.release',
    delete: 'queue.delete',
    reroute: 'queue.reroute',
  }[sub ?? ''];
  if (command === undefined || id === undefined) {
    io.err(`usage: ${QUEUE_USAGE}`);
    return 2;
  }
  const which = indexes(args);
  if (typeof which === 'string') {
    io.err(which);
    return 2;
  }
  const a = await ask(
    dataDir,
    { command, id, ...(which === undefined ? {} : { indexes: which }) },
    io,
    offline,
  );
  if (!a.ok) return a.code;
  if (json) {
    io.out(JSON.stringify(a.result, null, 2));
    return a.result === null ? 1 : 0;
  }
  switch (sub) {
    case 'show':
      if (a.result === null) {
        io.err(`no message ${id} in mail.box`);
        return 1;
      }
      for (const line of formatQueuedMessage(a.result as QueuedMessage, true)) io.out(line);
      return 0;
    case 'delete':
      io.out(`deleted ${id} from mail.box (no report sent)`);
      return 0;
    case 'reroute': {
      const moved = a.result as { index: number; address: string; destination: string }[];
      for (const m of moved) io.out(`  [${m.index}] ${m.address} -> ${m.destination}`);
      io.out(`rerouted ${moved.length} recipient(s) of ${id}`);
      return 0;
    }
    default:
      io.out(`${sub === 'hold' ? 'held' : 'released'} ${id}:`);
      if (a.result !== null && a.result !== undefined)
        for (const line of formatQueuedMessage(a.result as QueuedMessage, false)) io.out(line);
      return 0;
  }
}

/** `track <queue id | Message-ID>`. */
export async function trackCommand(args: ParsedArgs, dataDir: string, io: CommandOutput): Promise<number> {
  const [key, extra] = args.positionals;
  if (key === undefined || extra !== undefined) {
    io.err('usage: track <queue id | Message-ID>');
    return 2;
  }
  const a = await ask(dataDir, { command: 'track', key }, io);
  if (!a.ok) return a.code;
  const events = a.result as TrackingEvent[];
  if (args.switches.has('json')) io.out(JSON.stringify(events, null, 2));
  else if (events.length === 0)
    io.err(
      `no tracking record for ${key} (the running gateway remembers the last 10,000 messages since it started)`,
    );
  else for (const e of events) io.out(formatTrackingEvent(e));
  return events.length === 0 ? 1 : 0;
}

/** `rules [reload]`: the server mail rules in force (and `update config`: re-read the file now). */
export async function rulesCommand(args: ParsedArgs, dataDir: string, io: CommandOutput): Promise<number> {
  const [sub] = args.positionals;
  if (sub !== undefined && sub !== 'reload') {
    io.err('usage: rules [reload]');
    return 2;
  }
  const a = await ask(dataDir, { command: 'rules', ...(sub === 'reload' ? { reload: true } : {}) }, io);
  if (!a.ok) return a.code;
  const view = a.result as {
    configured: boolean;
    generation?: number;
    rules?: { name: string; action: { type: string; database?: string; ndr?: boolean } }[];
    lastError?: { code: string; problems: string[] };
  };
  if (args.switches.has('json')) {
    io.out(JSON.stringify(view, null, 2));
    return 0;
  }
  if (!view.configured) {
    io.out('no server mail rules (gateway.json has no mailRules)');
    return 0;
  }
  io.out(
    `server mail rules, generation ${view.generation} (loads since start), ${view.rules?.length ?? 0} rule(s) in priority order:`,
  );
  for (const [i, r] of (view.rules ?? []).entries()) {
    const action =
      r.action.type === 'move'
        ? `move to database ${r.action.database}`
        : r.action.type === 'dontDeliver'
          ? `don't deliver (${r.action.ndr ? 'send NDR' : 'silently delete'})`
          : r.action.type;
    io.out(`  ${i + 1}. ${r.name}: ${action}`);
  }
  if (view.lastError !== undefined)
    io.out(
      `the file's last change was refused (${view.lastError.code}); these rules stay in force: ${view.lastError.problems.join('; ')}`,
    );
  return 0;
}
