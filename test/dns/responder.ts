/**
 * A fault-injecting DNS responder on 127.0.0.1 (UDP and TCP on one port). Each query goes to a
 * handler that decides what to send back: proper answers, SERVFAIL, nothing at all, wrong IDs,
 * chopped packets, truncated (TC) answers, or big answers over TCP.
 */

import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { type DnsQuestion, decodeMessage } from '@mailroute/dns/wire';
import { freePort } from '@mailroute/test-support';

/** One query as the responder saw it. */
export interface SeenQuery {
  readonly id: number;
  readonly question: DnsQuestion;
  readonly transport: 'udp' | 'tcp';
  /** True when the query carried an EDNS OPT record (ARCOUNT > 0). */
  readonly edns: boolean;
  /** Milliseconds since the responder started. */
  readonly at: number;
}

/** What to send for a query: packets (optionally after a delay), in order; an empty list sends nothing. */
export type Reply = { readonly bytes: Uint8Array; readonly delayMs?: number };
export type Handler = (q: SeenQuery, nth: number) => Reply[];

export interface Responder {
  readonly port: number;
  readonly server: string;
  readonly seen: SeenQuery[];
  close(): Promise<void>;
}

export { freePort };

export async function startResponder(handler: Handler): Promise<Responder> {
  const port = await freePort();
  const started = Date.now();
  const seen: SeenQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const handle = (buf: Buffer, transport: 'udp' | 'tcp', send: (b: Uint8Array) => void) => {
    const d = decodeMessage(buf);
    if (!d.ok || !d.value.question) return;
    const q: SeenQuery = {
      id: d.value.id,
      question: d.value.question,
      transport,
      edns: buf.readUInt16BE(10) > 0,
      at: Date.now() - started,
    };
    seen.push(q);
    const nth = seen.filter(
      (s) => s.question.name === q.question.name && s.question.type === q.question.type,
    ).length;
    for (const r of handler(q, nth)) {
      if (r.delayMs) later(r.delayMs, () => send(r.bytes));
      else send(r.bytes);
    }
  };

  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) =>
    handle(msg, 'udp', (b) => {
      udp.send(b, rinfo.port, rinfo.address);
    }),
  );
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));

  const tcp = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      // Bounded: one query per connection is all the client sends.
      if (buf.length > 4096) {
        sock.destroy();
        return;
      }
      if (buf.length < 2 || buf.length < buf.readUInt16BE(0) + 2) return;
      handle(buf.subarray(2, buf.readUInt16BE(0) + 2), 'tcp', (b) => {
        const framed = Buffer.alloc(b.length + 2);
        framed.writeUInt16BE(b.length, 0);
        framed.set(b, 2);
        if (!sock.destroyed) sock.write(framed);
      });
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));

  return {
    port,
    server: `127.0.0.1:${port}`,
    seen,
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
