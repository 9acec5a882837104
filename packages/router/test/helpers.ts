/** Fakes for the Router's unit tests: a clock driven by hand, a scripted TransferAgent, mail files in memory, a directory. */
import type { Clock } from '@mailroute/envelope';
import { SmtpReply } from '@mailroute/envelope';
import { buildRoutingGraph, type DirectoryData, loadDirectory } from '@mailroute/routing';
import type { LocalDelivery, MailFiles } from '../src/delivery/mail-files.js';
import { createMemoryMailBox } from '../src/mailbox/memory.js';
import type { MailBox } from '../src/mailbox/types.js';
import { createRouter, type Router, type RouterOptions } from '../src/router.js';
import type {
  DeliveryResult,
  NextHop,
  OutboundEnvelope,
  OutboundMessage,
  RecipientResult,
  TransferAgent,
} from '../src/transfer/agent.js';

/** A clock whose time moves only when the test says so; due timers run in time order. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  constructor(startMs = Date.UTC(2026, 11, 1, 8, 0, 0)) {
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  /** Moves time forward by `ms`, running every timer that comes due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = end;
  }
}

/** One call the fake agent received. */
export interface AgentCall {
  readonly method: 'deliverToDomain' | 'deliverVia';
  readonly target: string;
  readonly hop?: NextHop;
  readonly envelope: OutboundEnvelope;
  readonly message: Buffer;
  readonly atMs: number;
}

/** What the script answers for one recipient. */
export type Answer = 'ok' | 'down' | '4xx' | '5xx' | 'relayed';

export const replies = {
  ok: SmtpReply.of(250, '2.0.0', 'OK queued as ABC'),
  '4xx': SmtpReply.of(451, '4.3.0', 'Try again later'),
  '5xx': SmtpReply.of(550, '5.1.1', 'No such user here'),
};

/** A TransferAgent that records calls and answers from a script `(call, address) => Answer`. */
export class FakeAgent implements TransferAgent {
  readonly calls: AgentCall[] = [];
  running = 0;
  maxRunning = 0;
  /** When set, each call waits for this before answering. */
  gate: Promise<void> | undefined;
  constructor(
    readonly clock: Clock,
    public script: (call: AgentCall, address: string) => Answer = () => 'ok',
  ) {}
  async #answer(call: AgentCall): Promise<DeliveryResult> {
    this.calls.push(call);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.gate !== undefined) await this.gate;
      const results: RecipientResult[] = call.envelope.recipients.map((r) => {
        const a = this.script(call, r.address);
        const remoteMta = call.target;
        if (a === 'ok' || a === 'relayed')
          return {
            address: r.address,
            outcome: 'delivered',
            reply: replies.ok,
            reason: { code: 'DELIVERED', message: 'delivered', temporary: false },
            remoteMta,
            ...(a === 'relayed' ? { dsnRelayed: true } : {}),
          };
        if (a === 'down')
          return {
            address: r.address,
            outcome: 'transient',
            reason: { code: 'SMTP_CONNECT', message: `Unable to connect to ${call.target}`, temporary: true },
          };
        const reply = replies[a];
        return {
          address: r.address,
          outcome: a === '4xx' ? 'transient' : 'permanent',
          reply,
          reason: { code: 'SMTP_REPLY', message: reply.lines.join(' '), temporary: a === '4xx', reply },
          remoteMta,
        };
      });
      return { recipients: results };
    } finally {
      this.running--;
    }
  }
  async #bytes(message: OutboundMessage): Promise<Buffer> {
    if (typeof message === 'string') return Buffer.from(message);
    if (message instanceof Uint8Array) return Buffer.from(message);
    const chunks: Uint8Array[] = [];
    for await (const c of message()) chunks.push(c);
    return Buffer.concat(chunks);
  }
  async deliverToDomain(
    domain: string,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
  ): Promise<DeliveryResult> {
    const bytes = await this.#bytes(message);
    return this.#answer({
      method: 'deliverToDomain',
      target: domain,
      envelope,
      message: bytes,
      atMs: this.clock.now(),
    });
  }
  async deliverVia(
    hop: NextHop,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
  ): Promise<DeliveryResult> {
    const bytes = await this.#bytes(message);
    return this.#answer({
      method: 'deliverVia',
      target: hop.host,
      hop,
      envelope,
      message: bytes,
      atMs: this.clock.now(),
    });
  }
  async close(): Promise<void> {}
}

/** Mail files in memory. */
export class MemoryMailFiles implements MailFiles {
  readonly deliveries: LocalDelivery[] = [];
  running = 0;
  maxRunning = 0;
  gate: Promise<void> | undefined;
  fail: 'temporary' | 'permanent' | undefined;
  async deliver(delivery: LocalDelivery) {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.gate !== undefined) await this.gate;
      if (this.fail !== undefined)
        return {
          ok: false as const,
          reason: { code: 'X', message: 'Mail file full', temporary: this.fail === 'temporary' },
        };
      this.deliveries.push(delivery);
      return { ok: true as const, value: undefined };
    } finally {
      this.running--;
    }
  }
  to(mailFile: string): LocalDelivery[] {
    return this.deliveries.filter((d) => d.mailFile === mailFile);
  }
}

/**
 * Acme's directory, seen from Mail1: jane and john have mail files on Mail1, bob lives on Mail2;
 * Internet mail (`*.*`) goes to the label `internet` through two gateway servers, GW1 (cheaper)
 * and GW2. With `mx: true` Mail1 sends Internet mail itself (SMTP outside the local domain: MX).
 */
export function acmeDirectory(options: { mx?: boolean; relayHost?: string } = {}): DirectoryData {
  const configurations =
    options.mx === true || options.relayHost !== undefined
      ? [
          {
            server: '*',
            smtpOutsideLocalInternetDomain: true,
            ...(options.relayHost === undefined ? {} : { relayHosts: [options.relayHost] }),
          },
        ]
      : [];
  return {
    servers: [
      { name: 'CN=Mail1/O=Acme', domain: 'Acme', hostName: 'mail1.acme.example', smtpListener: true },
      { name: 'CN=Mail2/O=Acme', domain: 'Acme', hostName: 'mail2.acme.example', smtpListener: true },
      { name: 'CN=GW1/O=Acme', domain: 'Acme', hostName: 'gw1.acme.example', smtpListener: true },
      { name: 'CN=GW2/O=Acme', domain: 'Acme', hostName: 'gw2.acme.example', smtpListener: true },
    ],
    connections: [
      { source: 'Mail1/Acme', destination: 'Mail2/Acme', type: 'smtp', cost: 1 },
      { source: 'Mail1/Acme', destination: 'GW1/Acme', type: 'smtp', cost: 1 },
      { source: 'Mail1/Acme', destination: 'GW2/Acme', type: 'smtp', cost: 5 },
      { source: 'GW1/Acme', destination: 'INTERNET', destinationDomain: 'internet', type: 'smtp', cost: 1 },
      { source: 'GW2/Acme', destination: 'INTERNET', destinationDomain: 'internet', type: 'smtp', cost: 1 },
    ],
    domains: [{ type: 'foreignSmtp', internetDomain: '*.*', routeToDomain: 'internet' }],
    globalDomains: [{ primaryDomain: 'acme.example', isDefault: true }],
    persons: [
      {
        fullNames: ['CN=Jane Doe/O=Acme'],
        internetAddress: 'jane@acme.example',
        mailServer: 'CN=Mail1/O=Acme',
        mailFile: 'mail/jane.nsf',
      },
      {
        fullNames: ['CN=John Roe/O=Acme'],
        internetAddress: 'john@acme.example',
        mailServer: 'CN=Mail1/O=Acme',
        mailFile: 'mail/john.nsf',
      },
      {
        fullNames: ['CN=Bob Lee/O=Acme'],
        internetAddress: 'bob@acme.example',
        mailServer: 'CN=Mail2/O=Acme',
        mailFile: 'mail/bob.nsf',
      },
    ],
    groups: [
      {
        name: 'Team',
        internetAddress: 'team@acme.example',
        members: ['Jane Doe/Acme', 'John Roe/Acme', 'Bob Lee/Acme'],
      },
    ],
    configurations,
  } as unknown as DirectoryData;
}

/** A Router over a memory MailBox with the fakes, started. */
export interface Harness {
  readonly router: Router;
  readonly mailBox: MailBox;
  readonly clock: FakeClock;
  readonly agent: FakeAgent;
  readonly mailFiles: MemoryMailFiles;
}

export function harness(
  options: Partial<RouterOptions> & { directory?: DirectoryData; mx?: boolean; relayHost?: string } = {},
): Harness {
  const clock = new FakeClock();
  const mailBox = createMemoryMailBox({ clock });
  const data = options.directory ?? acmeDirectory({ mx: options.mx, relayHost: options.relayHost });
  const { directory, problems } = loadDirectory(data);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const graph = buildRoutingGraph(directory, 'CN=Mail1/O=Acme');
  const agent = new FakeAgent(clock);
  const mailFiles = new MemoryMailFiles();
  const router = createRouter({
    bufferPoolSizeMB: 256,
    reportingMta: 'mail1.acme.example',
    owner: 'mail1',
    ...options,
    mailBox,
    directory,
    graph,
    transferAgent: options.transferAgent ?? agent,
    mailFiles: options.mailFiles ?? mailFiles,
    clock,
  });
  router.start();
  return { router, mailBox, clock, agent, mailFiles };
}

/** A small message. */
export function message(headers: Record<string, string> = {}, body = 'Hello.\r\n'): Uint8Array {
  const all: Record<string, string> = {
    From: 'Sender <sender@elsewhere.example>',
    To: 'jane@acme.example',
    Subject: 'Test',
    'Message-ID': '<m1@elsewhere.example>',
    Date: 'Tue, 01 Dec 2026 08:00:00 +0000',
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.from(`${head}\r\n${body}`, 'utf8');
}

export const MINUTE = 60_000;
