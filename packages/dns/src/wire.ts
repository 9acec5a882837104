/**
 * RFC 1035 message encoding and decoding for the UDP/TCP transport. Decoding never throws and never
 * loops: every read is bounds-checked, a compression pointer must point strictly backwards (so pointer
 * chains terminate), and names are capped at 255 octets.
 */
import { type Failed, failed, formatIPv6, ok, type Result } from '@mailroute/envelope';
import type { DnsQuestion, DnsRecord, RecordType } from './types.js';

/** Numeric RR types (RFC 1035 section 3.2.2, RFC 3596). */
export const TYPE_CODES: Readonly<Record<RecordType, number>> = {
  A: 1,
  CNAME: 5,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
};
const OPT = 41;
const CLASS_IN = 1;
/** UDP payload size we advertise with EDNS(0); 1232 avoids IP fragmentation (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
const MAX_WIRE_NAME = 255;

const typeNames = new Map<number, RecordType>(
  Object.entries(TYPE_CODES).map(([k, v]) => [v, k as RecordType] as const),
);

/** Header fields of a decoded message. */
export interface MessageHeader {
  /** Query ID. */
  readonly id: number;
  /** True for a response. */
  readonly qr: boolean;
  /** Truncated: the full answer needs TCP. */
  readonly tc: boolean;
  /** Authoritative answer. */
  readonly aa: boolean;
  /** Response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...). */
  readonly rcode: number;
}

/** A decoded response. */
export interface DecodedMessage extends MessageHeader {
  /** The question section (first question only; we always send one). */
  readonly question: DnsQuestion | undefined;
  /** The question's raw type number, for matching types we do not name. */
  readonly questionTypeCode: number;
  /** Answer records of the types we understand; others are skipped. */
  readonly answers: readonly DnsRecord[];
}

/**
 * Encode a standard query with RD set and, unless `edns` is false, an EDNS(0) OPT record advertising
 * {@link EDNS_UDP_SIZE}. The plain form is the fallback for servers that answer FORMERR to EDNS.
 */
export function encodeQuery(id: number, question: DnsQuestion, edns = true): Uint8Array {
  const name = encodeName(question.name);
  const buf = Buffer.alloc(12 + name.length + 4 + (edns ? 11 : 0));
  buf.writeUInt16BE(id & 0xffff, 0);
  buf.writeUInt16BE(0x0100, 2); // RD
  buf.writeUInt16BE(1, 4); // QDCOUNT
  buf.writeUInt16BE(edns ? 1 : 0, 10); // ARCOUNT (OPT)
  let o = 12;
  buf.set(name, o);
  o += name.length;
  buf.writeUInt16BE(TYPE_CODES[question.type], o);
  buf.writeUInt16BE(CLASS_IN, o + 2);
  o += 4;
  if (edns) {
    buf[o] = 0; // root owner
    buf.writeUInt16BE(OPT, o + 1);
    buf.writeUInt16BE(EDNS_UDP_SIZE, o + 3);
    // extended rcode, version, flags and rdlength stay zero
  }
  return buf;
}

/** Encode a presentation name (no escapes) as wire labels. Callers pass names from `normalizeName`. */
export function encodeName(name: string): Uint8Array {
  const parts: number[] = [];
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length > 0) {
    for (const label of trimmed.split('.')) {
      const bytes = Buffer.from(label, 'utf8');
      if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`bad label in ${name}`);
      parts.push(bytes.length, ...bytes);
    }
  }
  parts.push(0);
  if (parts.length > MAX_WIRE_NAME) throw new RangeError(`name too long: ${name}`);
  return Uint8Array.from(parts);
}

class Malformed extends Error {}

/** Read a possibly compressed name at `start`; returns the name and the offset after it in the stream. */
function readName(buf: Uint8Array, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = start;
  let next = -1;
  let wireLength = 1;
  // Pointers must move strictly backwards, so a chain ends after at most `start` hops.
  let lowest = start;
  for (;;) {
    if (pos >= buf.length) throw new Malformed('name runs past the end');
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new Malformed('pointer runs past the end');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= lowest) throw new Malformed('compression pointer does not point backwards');
      if (next < 0) next = pos + 2;
      lowest = target;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new Malformed('unknown label type');
    if (pos + 1 + len > buf.length) throw new Malformed('label runs past the end');
    wireLength += len + 1;
    if (wireLength > MAX_WIRE_NAME) throw new Malformed('name longer than 255 octets');
    labels.push(Buffer.from(buf.subarray(pos + 1, pos + 1 + len)).toString('latin1'));
    pos += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), next };
}

function u16(buf: Uint8Array, o: number): number {
  if (o + 2 > buf.length) throw new Malformed('short read');
  return (buf[o]! << 8) | buf[o + 1]!;
}

function u32(buf: Uint8Array, o: number): number {
  if (o + 4 > buf.length) throw new Malformed('short read');
  return ((buf[o]! << 24) >>> 0) + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!);
}

// RFC 5952 text, the same writer the envelope uses for address literals and policy lists.
function ipv6Text(b: Uint8Array): string {
  const groups = new Uint16Array(8);
  for (let i = 0; i < 8; i++) groups[i] = (b[2 * i]! << 8) | b[2 * i + 1]!;
  return formatIPv6(groups);
}

function readRdata(
  buf: Uint8Array,
  type: RecordType,
  name: string,
  ttl: number,
  o: number,
  end: number,
): DnsRecord {
  const rd = buf.subarray(o, end);
  switch (type) {
    case 'A':
      if (rd.length !== 4) throw new Malformed('A rdata is not 4 octets');
      return { type, name, ttl, address: Array.from(rd).join('.') };
    case 'AAAA':
      if (rd.length !== 16) throw new Malformed('AAAA rdata is not 16 octets');
      return { type, name, ttl, address: ipv6Text(rd) };
    case 'MX': {
      const preference = u16(buf, o);
      const exch = readName(buf, o + 2);
      if (exch.next !== end) throw new Malformed('MX rdata length mismatch');
      return { type, name, ttl, preference, exchange: exch.name };
    }
    case 'CNAME':
    case 'PTR': {
      const t = readName(buf, o);
      if (t.next !== end) throw new Malformed(`${type} rdata length mismatch`);
      return { type, name, ttl, target: t.name };
    }
    case 'TXT': {
      const strings: string[] = [];
      let p = 0;
      while (p < rd.length) {
        const len = rd[p]!;
        if (p + 1 + len > rd.length) throw new Malformed('TXT string runs past rdata');
        strings.push(Buffer.from(rd.subarray(p + 1, p + 1 + len)).toString('utf8'));
        p += 1 + len;
      }
      return { type, name, ttl, strings };
    }
  }
}

/** Read only the 12-octet header; `undefined` when the buffer is shorter. */
export function decodeHeader(buf: Uint8Array): MessageHeader | undefined {
  if (buf.length < 12) return undefined;
  const flags = (buf[2]! << 8) | buf[3]!;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    qr: (flags & 0x8000) !== 0,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0x000f,
  };
}

/** A message that cannot be read: code `EBADRESP` (Node's word for it), never temporary. */
function malformed(message: string): Failed {
  return failed({ code: 'EBADRESP', message, temporary: false });
}

/**
 * Decode a whole message. Never throws: malformed input gives a failed `Result` whose reason has
 * code `EBADRESP` and says what was wrong.
 */
export function decodeMessage(buf: Uint8Array): Result<DecodedMessage> {
  const header = decodeHeader(buf);
  if (!header) return malformed('message shorter than its header');
  try {
    const qd = u16(buf, 4);
    const an = u16(buf, 6);
    let o = 12;
    let question: DnsQuestion | undefined;
    let questionTypeCode = 0;
    for (let i = 0; i < qd; i++) {
      const q = readName(buf, o);
      const qtype = u16(buf, q.next);
      u16(buf, q.next + 2);
      o = q.next + 4;
      if (i === 0) {
        questionTypeCode = qtype;
        const t = typeNames.get(qtype);
        if (t) question = { name: q.name, type: t };
      }
    }
    const answers: DnsRecord[] = [];
    for (let i = 0; i < an; i++) {
      const owner = readName(buf, o);
      const type = u16(buf, owner.next);
      const cls = u16(buf, owner.next + 2);
      const ttl = u32(buf, owner.next + 4);
      const rdlength = u16(buf, owner.next + 8);
      const start = owner.next + 10;
      const end = start + rdlength;
      if (end > buf.length) throw new Malformed('rdata runs past the end');
      const known = typeNames.get(type);
      // RFC 2181 section 8: a TTL with the top bit set is treated as zero.
      if (known && cls === CLASS_IN)
        answers.push(readRdata(buf, known, owner.name, ttl > 0x7fffffff ? 0 : ttl, start, end));
      o = end;
    }
    return ok({ ...header, question, questionTypeCode, answers });
  } catch (e) {
    if (e instanceof Malformed) return malformed(e.message);
    throw e;
  }
}

/** Contents of a response built by {@link encodeResponse}. */
export interface ResponseSpec {
  /** Numeric rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED); default 0. */
  readonly rcode?: number;
  /** Set the TC (truncated) flag. */
  readonly truncated?: boolean;
  /** Answer records. */
  readonly answers?: readonly DnsRecord[];
}

function rdataOf(r: DnsRecord): Uint8Array {
  switch (r.type) {
    case 'A':
      return Uint8Array.from(r.address.split('.').map(Number));
    case 'AAAA': {
      const [head = '', tail] = r.address.includes('::') ? r.address.split('::') : [r.address, undefined];
      const h = head ? head.split(':') : [];
      const t = tail ? tail.split(':') : [];
      const groups = [
        ...h,
        ...Array<string>(tail === undefined ? 0 : 8 - h.length - t.length).fill('0'),
        ...t,
      ];
      const out = Buffer.alloc(16);
      for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
      return out;
    }
    case 'MX': {
      const n = encodeName(r.exchange);
      const out = Buffer.alloc(2 + n.length);
      out.writeUInt16BE(r.preference, 0);
      out.set(n, 2);
      return out;
    }
    case 'CNAME':
    case 'PTR':
      return encodeName(r.target);
    case 'TXT':
      return Buffer.concat(
        r.strings.map((s) => {
          const b = Buffer.from(s, 'utf8');
          if (b.length > 255) throw new RangeError('TXT character-string longer than 255 octets');
          return Buffer.concat([Uint8Array.of(b.length), b]);
        }),
      );
  }
}

/**
 * Encode a response to `question` (no name compression). Shipped so tests, fault-injecting
 * responders and offline tools can build answers with the same codec the client reads them with.
 */
export function encodeResponse(id: number, question: DnsQuestion, spec: ResponseSpec = {}): Uint8Array {
  const answers = spec.answers ?? [];
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(
    0x8000 | 0x0400 | 0x0100 | (spec.truncated ? 0x0200 : 0) | ((spec.rcode ?? 0) & 0xf),
    2,
  );
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  parts.push(header, encodeName(question.name));
  const qtail = Buffer.alloc(4);
  qtail.writeUInt16BE(TYPE_CODES[question.type], 0);
  qtail.writeUInt16BE(CLASS_IN, 2);
  parts.push(qtail);
  for (const r of answers) {
    const rdata = rdataOf(r);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(TYPE_CODES[r.type], 0);
    fixed.writeUInt16BE(CLASS_IN, 2);
    fixed.writeUInt32BE(r.ttl >>> 0, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    parts.push(encodeName(r.name), fixed, rdata);
  }
  return Buffer.concat(parts);
}
