import { sign as cryptoSign, hash, type KeyObject } from 'node:crypto';
import { type BodyCanonicalization, BodyHasher } from './canonical/body.js';
import {
  asciiLower,
  canonicalizeHeader,
  type HeaderCanonicalization,
  type HeaderField,
  selectHeaders,
} from './canonical/header.js';
import { type FoldTag, foldBase64, foldTags, lastLineLength } from './fold.js';
import { type DkimPrivateKey, loadPrivateKey } from './keys.js';
import { chunksOf, MessageSplitter } from './message.js';
import type { DkimAlgorithm } from './signature.js';

/** c= as written in a signature: header/body. */
export type Canonicalization = `${HeaderCanonicalization}/${BodyCanonicalization}`;

/** The header fields signed by default when present (RFC 6376 5.4.1's recommendation). */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-id',
  'content-description',
  'resent-date',
  'resent-from',
  'resent-sender',
  'resent-to',
  'resent-cc',
  'resent-message-id',
  'in-reply-to',
  'references',
  'list-id',
  'list-help',
  'list-unsubscribe',
  'list-subscribe',
  'list-post',
  'list-owner',
  'list-archive',
];

/** One key to sign with: one DKIM-Signature per key. */
export interface DkimSigningKey {
  /** d=, the signing domain. */
  readonly domain: string;
  /** s=, the selector: the key is published at `selector._domainkey.domain`. */
  readonly selector: string;
  /** The private key: PEM, a KeyObject, or a key already loaded with {@link loadPrivateKey}. */
  readonly privateKey: string | KeyObject | DkimPrivateKey;
  /** c=; default `relaxed/relaxed`, which survives the whitespace changes relays make. */
  readonly canonicalization?: Canonicalization;
  /** i=, the agent or user identifier; default none (verifiers then take `@` + d=). */
  readonly identity?: string;
  /** x= is set this many seconds after t=; default none (no expiry). */
  readonly expireAfterSeconds?: number;
}

/** Options of a {@link DkimSigner}. */
export interface DkimSignerOptions {
  /** The keys; typically one RSA and one Ed25519 (Domino `DKIM_KEY_<domain>=<sel1>,<sel2>`). */
  readonly keys: readonly DkimSigningKey[];
  /** Header fields signed when present, every instance; default {@link DEFAULT_SIGNED_HEADERS}. */
  readonly headers?: readonly string[];
  /**
   * Header fields named once more than they occur, so adding one later breaks the signature
   * (protection against header injection); default `['from']`.
   */
  readonly overSign?: readonly string[];
  /** An exact h= list used verbatim instead of `headers`/`overSign`; default none. */
  readonly headerList?: readonly string[];
  /** The clock for t=, milliseconds since the epoch; default `Date.now`. */
  readonly clock?: () => number;
  /** Write t=; default true. */
  readonly timestamp?: boolean;
  /** Write l= (the signed body length); default false, because l= lets anyone append to the body. */
  readonly bodyLengthTag?: boolean;
  /** Write q=dns/txt (the default method, so optional); default false. */
  readonly queryMethodTag?: boolean;
  /** h= written as `from:to` (compact) or `from : to` (spaced, as RFC 8463 prints it); default compact. */
  readonly headerListStyle?: 'compact' | 'spaced';
  /** Bound on the header block read before the body; default 1 MiB. */
  readonly maxHeaderBytes?: number;
}

/** One signature made. */
export interface DkimSignature {
  /** d= */
  readonly domain: string;
  /** s= */
  readonly selector: string;
  /** a= */
  readonly algorithm: DkimAlgorithm;
  /** The whole DKIM-Signature field, folded, ending in CRLF. */
  readonly header: string;
}

/** Raised when a message cannot be signed (no From field, bad options). */
export class DkimSignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DkimSignError';
  }
}

interface PreparedKey {
  readonly spec: DkimSigningKey;
  readonly key: DkimPrivateKey;
  readonly headerCanon: HeaderCanonicalization;
  readonly bodyCanon: BodyCanonicalization;
  readonly algorithm: DkimAlgorithm;
}

/**
 * Signs messages with one or more keys in one pass: the body is read once and hashed once per
 * body canonicalization, whatever the number of keys. Keys are parsed once, at construction.
 */
export class DkimSigner {
  readonly #keys: PreparedKey[];
  readonly #options: DkimSignerOptions;
  readonly #clock: () => number;
  // The h= choice, lower-cased once: the names to sign when present, then the ones to over-sign.
  readonly #wanted: readonly string[];
  readonly #overSign: readonly string[];
  readonly #headerList: readonly string[] | undefined;

  constructor(options: DkimSignerOptions) {
    if (options.keys.length === 0) throw new DkimSignError('at least one signing key is required');
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#wanted = [...new Set((options.headers ?? DEFAULT_SIGNED_HEADERS).map(asciiLower))];
    this.#overSign = [...new Set((options.overSign ?? ['from']).map(asciiLower))];
    this.#headerList = options.headerList?.map(asciiLower);
    this.#keys = options.keys.map((spec) => {
      const key = isLoaded(spec.privateKey) ? spec.privateKey : loadPrivateKey(spec.privateKey);
      const [headerCanon, bodyCanon] = (spec.canonicalization ?? 'relaxed/relaxed').split('/') as [
        HeaderCanonicalization,
        BodyCanonicalization,
      ];
      if (!isCanon(headerCanon) || !isCanon(bodyCanon)) {
        throw new DkimSignError(`unsupported canonicalization ${spec.canonicalization}`);
      }
      const algorithm: DkimAlgorithm = key.keyType === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
      return { spec, key, headerCanon, bodyCanon, algorithm };
    });
  }

  /** Signs a message given whole or as a stream of chunks; resolves to one signature per key. */
  async sign(
    message: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<DkimSignature[]> {
    const run = this.#start();
    for await (const chunk of chunksOf(message)) run.push(chunk);
    return run.finish();
  }

  /** Signs a message held in memory, synchronously (no stream overhead). */
  signSync(message: Uint8Array | string): DkimSignature[] {
    const run = this.#start();
    run.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
    return run.finish();
  }

  #start(): { push(chunk: Uint8Array): void; finish(): DkimSignature[] } {
    const splitter = new MessageSplitter(this.#options.maxHeaderBytes ?? 1024 * 1024);
    const hashers = new Map<BodyCanonicalization, BodyHasher>();
    for (const k of this.#keys)
      if (!hashers.has(k.bodyCanon)) hashers.set(k.bodyCanon, new BodyHasher(k.bodyCanon));
    return {
      push: (chunk) => {
        const body = splitter.push(chunk);
        if (body.length > 0) for (const h of hashers.values()) h.update(body);
      },
      finish: () => {
        const headers = splitter.end();
        const now = Math.floor(this.#clock() / 1000);
        const names = this.#headerList ?? headerNames(headers, this.#wanted, this.#overSign);
        if (!names.includes('from') || !headers.some((h) => h.key === 'from')) {
          throw new DkimSignError('the message has no From header field, which DKIM must sign');
        }
        // Every key signs the same fields: canonicalize them once per header canonicalization.
        const canonical = new Map<HeaderCanonicalization, string>();
        return this.#keys.map((k) => {
          let fields = canonical.get(k.headerCanon);
          if (fields === undefined) {
            fields = canonicalFields(headers, names, k.headerCanon);
            canonical.set(k.headerCanon, fields);
          }
          return this.#signOne(k, names, fields, hashers.get(k.bodyCanon)!, now);
        });
      },
    };
  }

  #signOne(
    k: PreparedKey,
    names: readonly string[],
    fields: string,
    hasher: BodyHasher,
    now: number,
  ): DkimSignature {
    const o = this.#options;
    const bh = hasher.digest().toString('base64');
    const tag = (name: string, value: string | number): FoldTag => ({
      pieces: [`${name}=${value}`],
      joiner: '',
    });
    const tags: FoldTag[] = [
      tag('v', 1),
      tag('a', k.algorithm),
      tag('c', `${k.headerCanon}/${k.bodyCanon}`),
      tag('d', k.spec.domain),
    ];
    if (k.spec.identity !== undefined) tags.push(tag('i', k.spec.identity));
    if (o.queryMethodTag) tags.push(tag('q', 'dns/txt'));
    tags.push(tag('s', k.spec.selector));
    if (o.timestamp ?? true) tags.push(tag('t', now));
    if (k.spec.expireAfterSeconds !== undefined) tags.push(tag('x', now + k.spec.expireAfterSeconds));
    if (o.bodyLengthTag) tags.push(tag('l', hasher.canonicalLength));
    const spaced = o.headerListStyle === 'spaced';
    tags.push({
      pieces: names.map(
        (n, i) => `${i === 0 ? 'h=' : ''}${n}${i < names.length - 1 ? (spaced ? ' :' : ':') : ''}`,
      ),
      joiner: spaced ? ' ' : '',
    });
    tags.push(tag('bh', bh));
    tags.push(tag('b', ''));
    const unsigned = foldTags('DKIM-Signature', tags);
    const data = Buffer.from(fields + canonicalizeHeader(unsigned, k.headerCanon, false), 'latin1');
    const b = signHeaderHash(k.key, data).toString('base64');
    const header = `${unsigned}${foldBase64(b, lastLineLength(unsigned))}\r\n`;
    return { domain: k.spec.domain, selector: k.spec.selector, algorithm: k.algorithm, header };
  }
}

/** The selected header fields in canonical form, each ending in CRLF (latin1 text). */
function canonicalFields(
  headers: readonly HeaderField[],
  names: readonly string[],
  canon: HeaderCanonicalization,
): string {
  let text = '';
  for (const f of selectHeaders(headers, names)) text += canonicalizeHeader(f.raw, canon);
  return text;
}

/** The bytes a DKIM signature covers: the selected fields, then the signature field without b= and CRLF. */
export function signedData(
  headers: readonly HeaderField[],
  names: readonly string[],
  canon: HeaderCanonicalization,
  signatureField: string,
): Buffer {
  return Buffer.from(
    canonicalFields(headers, names, canon) + canonicalizeHeader(signatureField, canon, false),
    'latin1',
  );
}

/** rsa-sha256 signs the data with SHA-256; ed25519-sha256 signs the SHA-256 of the data (RFC 8463 3). */
function signHeaderHash(key: DkimPrivateKey, data: Buffer): Buffer {
  if (key.keyType === 'rsa') return cryptoSign('sha256', data, key.privateKey);
  return cryptoSign(null, hash('sha256', data, 'buffer'), key.privateKey);
}

/** The h= list: every instance of each wanted name present, then each over-signed name once more. */
function headerNames(
  headers: readonly HeaderField[],
  wanted: readonly string[],
  overSign: readonly string[],
): string[] {
  const counts = new Map<string, number>();
  for (const h of headers) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
  const names: string[] = [];
  for (const w of wanted) {
    for (let i = 0; i < (counts.get(w) ?? 0); i++) names.push(w);
  }
  for (const w of overSign) names.push(w);
  return names;
}

function isLoaded(k: string | KeyObject | DkimPrivateKey): k is DkimPrivateKey {
  return typeof k === 'object' && 'publicKeyBytes' in k;
}

function isCanon(c: string): boolean {
  return c === 'simple' || c === 'relaxed';
}
