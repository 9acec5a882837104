/**
 * The shapes shared by the transports, the caches and the resolver.
 * A transport answers one question with records that carry their TTL and with an rcode, so the
 * positive and negative caches behave the same over the wire client, node's resolver and a static zone.
 */

/** The record types the mail resolver asks for (CNAME appears in answers while following aliases). */
export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME';

/**
 * The outcome of one upstream query.
 * `NODATA` is `NOERROR` with no record of the asked type (RFC 2308); `TIMEOUT` means no usable
 * answer arrived in time; `BADRESPONSE` means an answer arrived but could not be used (malformed,
 * truncated beyond repair, or not an answer to our question).
 */
export type Rcode =
  | 'NOERROR'
  | 'NXDOMAIN'
  | 'NODATA'
  | 'SERVFAIL'
  | 'REFUSED'
  | 'FORMERR'
  | 'NOTIMP'
  | 'TIMEOUT'
  | 'BADRESPONSE'
  | 'BADNAME';

/** One question: a domain name (any case, with or without the trailing dot) and a record type. */
export interface DnsQuestion {
  /** The owner name asked about. */
  readonly name: string;
  /** The record type asked for. */
  readonly type: RecordType;
}

/** Fields every resource record has. */
interface RecordBase {
  /** Owner name, lower case, without the trailing dot. */
  readonly name: string;
  /** Time to live in seconds, as the server sent it. */
  readonly ttl: number;
}

/** An IPv4 address record. */
export interface ARecord extends RecordBase {
  /** Record type. */
  readonly type: 'A';
  /** Dotted-quad address. */
  readonly address: string;
}

/** An IPv6 address record. */
export interface AaaaRecord extends RecordBase {
  /** Record type. */
  readonly type: 'AAAA';
  /** Address in RFC 5952 text form. */
  readonly address: string;
}

/** A mail exchanger record (RFC 1035 section 3.3.9). */
export interface MxRecord extends RecordBase {
  /** Record type. */
  readonly type: 'MX';
  /** Lower is preferred. */
  readonly preference: number;
  /** Host name of the exchanger, lower case without the trailing dot; `''` is the root (null MX). */
  readonly exchange: string;
}

/** A text record: the character-strings as sent, before joining. */
export interface TxtRecord extends RecordBase {
  /** Record type. */
  readonly type: 'TXT';
  /** Each character-string of the record (UTF-8 decoded). */
  readonly strings: readonly string[];
}

/** A pointer record (reverse lookups). */
export interface PtrRecord extends RecordBase {
  /** Record type. */
  readonly type: 'PTR';
  /** The name pointed to, lower case without the trailing dot. */
  readonly target: string;
}

/** An alias record. */
export interface CnameRecord extends RecordBase {
  /** Record type. */
  readonly type: 'CNAME';
  /** The canonical name, lower case without the trailing dot. */
  readonly target: string;
}

/** Any record the resolver understands. */
export type DnsRecord = ARecord | AaaaRecord | MxRecord | TxtRecord | PtrRecord | CnameRecord;

/** What a transport returns for one question. */
export interface TransportAnswer {
  /** The outcome; `NOERROR` with an empty `records` list is reported as `NODATA`. */
  readonly rcode: Rcode;
  /** The answer section: records of the asked type and any CNAMEs leading to them. */
  readonly records: readonly DnsRecord[];
  /** Free text saying why, for the debug log and error messages (for example "wrong ID ignored"). */
  readonly detail?: string;
}

/** Per-query context the resolver hands to a transport. */
export interface TransportQueryOptions {
  /** Aborted when the attempt's wait is over or the caller gives up; the transport must then settle. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry, ...; transports with several servers rotate on it. */
  readonly attempt: number;
}

/**
 * Where answers come from. A transport answers one question per call, never caches and never retries:
 * the resolver does both, so they work the same over every transport.
 * It should resolve (not reject) for every DNS outcome; a rejection is treated as a temporary failure.
 */
export interface DnsTransport {
  /** Ask one question. */
  query(question: DnsQuestion, options: TransportQueryOptions): Promise<TransportAnswer>;
  /** Release sockets or other resources, if any. */
  close?(): void;
}
