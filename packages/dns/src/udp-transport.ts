/**
 * The wire transport: RFC 1035 queries over UDP to configured servers, falling back to TCP when the
 * answer is truncated (TC set). One socket per query, so each query has a fresh random source port.
 * Answers whose ID, source or question do not match are ignored (spoofing and stray packets), and the
 * query keeps waiting until its signal aborts it; a matching answer that cannot be decoded settles the
 * query as BADRESPONSE.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIP, isIPv6 } from 'node:net';
import type { DnsQuestion, DnsTransport, Rcode, TransportAnswer, TransportQueryOptions } from './types.js';
import { type DecodedMessage, decodeHeader, decodeMessage, encodeQuery, TYPE_CODES } from './wire.js';

/** A DNS server address and port. */
export interface DnsServer {
  /** IPv4 or IPv6 address. */
  readonly address: string;
  /** UDP/TCP port; default 53. */
  readonly port?: number;
}

/** Options of {@link createUdpTransport}. */
export interface UdpTransportOptions {
  /**
   * Servers to ask, in order; attempt n goes to server n modulo the count (rotation on retry).
   * Strings may be `"192.0.2.1"`, `"192.0.2.1:5353"`, `"[2001:db8::1]:5353"`.
   */
  readonly servers: readonly (string | DnsServer)[];
  /** Source of query IDs; default `crypto.randomInt(0, 65536)`. Injected so tests can force clashes. */
  readonly queryId?: () => number;
  /** Fall back to TCP on a truncated UDP answer; default true. */
  readonly tcpFallback?: boolean;
}

/** Largest TCP answer we accept: the 16-bit length prefix allows no more. */
const MAX_TCP_MESSAGE = 65535;

/**
 * Parse `"addr"`, `"addr:port"` or `"[v6]:port"`. Throws RangeError for a host name or a bad port:
 * a name would need a hidden lookup of its own, and answers are matched against the exact address.
 */
export function parseServer(server: string | DnsServer): Required<DnsServer> {
  let address: string;
  let port = 53;
  if (typeof server !== 'string') {
    address = server.address;
    port = server.port ?? 53;
  } else {
    const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
    const m = /^([^:]+):(\d{1,5})$/.exec(server);
    if (bracket) [address, port] = [bracket[1]!, bracket[2] ? Number(bracket[2]) : 53];
    else if (m) [address, port] = [m[1]!, Number(m[2])];
    else address = server;
  }
  if (!isIP(address)) throw new RangeError(`DNS server must be an IP address: ${String(address)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`bad DNS server port: ${port}`);
  return { address, port };
}

const RCODES: Record<number, Rcode> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
};

/** Turn a decoded message into a transport answer for `question`. */
export function answerFromMessage(message: DecodedMessage): TransportAnswer {
  const rcode = RCODES[message.rcode] ?? 'SERVFAIL';
  if (rcode === 'NOERROR' && message.answers.length === 0) return { rcode: 'NODATA', records: [] };
  return { rcode, records: rcode === 'NOERROR' ? message.answers : [] };
}

function matchesQuestion(message: DecodedMessage, question: DnsQuestion): boolean {
  if (!message.qr) return false;
  // An error answer may leave the question out (old servers answering FORMERR to EDNS do).
  if (message.questionTypeCode === 0 && message.question === undefined) return message.rcode !== 0;
  return (
    message.questionTypeCode === TYPE_CODES[question.type] &&
    message.question !== undefined &&
    message.question.name === question.name.toLowerCase().replace(/\.$/, '')
  );
}

/** Create the wire transport. */
export function createUdpTransport(options: UdpTransportOptions): DnsTransport {
  const servers = options.servers.map(parseServer);
  if (servers.length === 0) throw new RangeError('createUdpTransport: at least one server is required');
  const nextId = options.queryId ?? (() => randomInt(0, 65536));
  const tcpFallback = options.tcpFallback ?? true;

  return {
    async query(question, opts) {
      const server = servers[opts.attempt % servers.length]!;
      let answer = await udpQuery(server, question, nextId() & 0xffff, opts, true);
      // RFC 6891 section 7: a server that does not know EDNS may answer FORMERR; ask again without it.
      if (answer !== 'truncated' && answer.rcode === 'FORMERR') {
        answer = await udpQuery(server, question, nextId() & 0xffff, opts, false);
      }
      if (answer !== 'truncated') return answer;
      if (!tcpFallback)
        return { rcode: 'BADRESPONSE', records: [], detail: 'truncated answer and TCP fallback is off' };
      return tcpQuery(server, question, nextId() & 0xffff, opts);
    },
  };
}

function udpQuery(
  server: Required<DnsServer>,
  question: DnsQuestion,
  id: number,
  { signal }: TransportQueryOptions,
  edns: boolean,
): Promise<TransportAnswer | 'truncated'> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = createSocket(isIPv6(server.address) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      fn();
    };
    const onAbort = () => finish(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) =>
      finish(() => resolve({ rcode: 'BADRESPONSE', records: [], detail: `socket error: ${err.message}` })),
    );
    socket.on('message', (msg, rinfo) => {
      // Only the server we asked, with our ID, may answer; anything else is ignored, not fatal.
      if (rinfo.address !== server.address || rinfo.port !== server.port) return;
      const header = decodeHeader(msg);
      if (!header || header.id !== id || !header.qr) return;
      if (header.tc) return finish(() => resolve('truncated'));
      const decoded = decodeMessage(msg);
      if (!decoded.ok) {
        return finish(() => resolve({ rcode: 'BADRESPONSE', records: [], detail: decoded.reason.message }));
      }
      if (!matchesQuestion(decoded.value, question)) return;
      finish(() => resolve(answerFromMessage(decoded.value)));
    });
    socket.send(encodeQuery(id, question, edns), server.port, server.address, (err) => {
      if (err)
        finish(() => resolve({ rcode: 'BADRESPONSE', records: [], detail: `send failed: ${err.message}` }));
    });
  });
}

function tcpQuery(
  server: Required<DnsServer>,
  question: DnsQuestion,
  id: number,
  { signal }: TransportQueryOptions,
): Promise<TransportAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = connect({ host: server.address, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const bad = (detail: string) => finish(() => resolve({ rcode: 'BADRESPONSE', records: [], detail }));
    const onAbort = () => finish(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => bad(`TCP error: ${err.message}`));
    socket.on('connect', () => {
      const q = encodeQuery(id, question);
      const framed = Buffer.alloc(q.length + 2);
      framed.writeUInt16BE(q.length, 0);
      framed.set(q, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > MAX_TCP_MESSAGE + 2) return bad('TCP answer longer than its length prefix allows');
      const all = Buffer.concat(chunks);
      if (all.length < 2) return;
      const len = all.readUInt16BE(0);
      if (all.length < len + 2) return;
      const decoded = decodeMessage(all.subarray(2, len + 2));
      if (!decoded.ok) return bad(decoded.reason.message);
      if (decoded.value.id !== id || !matchesQuestion(decoded.value, question)) {
        return bad('TCP answer does not match the question');
      }
      finish(() => resolve(answerFromMessage(decoded.value)));
    });
    socket.on('end', () => bad('TCP connection closed before a whole answer'));
  });
}
