import { sign as cryptoSign, hash } from 'node:crypto';
import { type Clock, systemClock } from '@mailroute/envelope';
import { type BodyCanonicalization, BodyHasher } from './canonical/body.js';
import {
  canonicalizeHeader,
  type HeaderCanonicalization,
  type RawHeaderField,
  selectHeaders,
} from './canonical/header.js';
import { DkimSignError } from './errors.js';
import { type FoldTag, foldBase64, foldTags, lastLineLength } from './fold.js';
import type { DkimPrivateKey } from './keys.js';
import { chunksOf, MessageSplitter } from './message.js';
import {
  type DkimExternalKey,
  type DkimSigningKey,
  headerNameList,
  isExternal,
  type PreparedKey,
  prepareKey,
} from './sign-options.js';
import type { DkimAlgorithm } from './signature.js';

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

/**
 * The header fields over-signed by default: named once more than they occur, so a copy added
 * later breaks the signature (RFC 6376 8.15, where From, Subject, Date, Reply-To and the like are
 * the fields an attacker adds to change what a reader sees). These are the fields RFC 5322 3.6
 * and RFC 2045 allow at most once, so no legitimate hop adds a second one; adding one that was
 * absent (a list's Reply-To) breaks the signature too, which is the point.
 */
export const DEFAULT_OVERSIGNED_HEADERS: readonly string[] = [
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
];

/** Options of a {@link DkimSigner}. */
export interface DkimSignerOptions {
  /** The keys; typically one RSA and one Ed25519 (Domino `DKIM_KEY_<domain>=<sel1>,<sel2>`). */
  readonly keys: readonly DkimSigningKey[];
  /**
   * Header fields signed when present, every instance; default {@link DEFAULT_SIGNED_HEADERS}.
   * From is always signed, whether listed or not.
   */
  readonly headers?: readonly string[];
  /**
   * Header fields to over-sign in addition to the default ones (see `overSignDefaults`): each is
   * signed and named once more than it occurs, so adding one later breaks the signature.
   * Default none; naming fields here never removes a default.
   */
  readonly overSign?: readonly string[];
  /**
   * Over-sign {@link DEFAULT_OVERSIGNED_HEADERS}; default true. With false only From (always
   * over-signed) and the `overSign` names are.
   */
  readonly overSignDefaults?: boolean;
  /** An exact h= list used verbatim instead of `headers`/`overSign`; it must name From. Default none. */
  readonly headerList?: readonly string[];
  /** The clock for t= (its `now()`, milliseconds since the epoch); default the system clock. */
  readonly clock?: Clock;
  /** Write t=; default true. */
  readonly timestamp?: boolean;
  /** Write l= (the signed body length); default false, because l= lets anyone append to the body. */
  readonly bodyLengthTag?: boolean;
  /** Write q=dns/txt (the default method, so optional); default false. */
  readonly queryMethodTag?: boolean;
  /** h= written as `from:to` (compact) or `from : to` (spaced, as RFC 8463 prints it); default compact. */
  readonly headerListStyle?: 'compact' | 'spaced';
  /** Bound on the header block read before the body, in bytes; default 1 MiB. */
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

/** A signature with everything but b=: the field so far and the data b= signs. */
interface Unsigned {
  readonly k: PreparedKey;
  readonly field: string;
  readonly data: Buffer;
}

/**
 * Signs messages with one or more keys in one pass: the body is read once and hashed once per
 * body canonicalization, whatever the number of keys. Keys are parsed and every tag value is
 * checked once, at construction (a {@link DkimSignError} or DkimKeyError for bad options).
 */
export class DkimSigner {
  readonly #keys: PreparedKey[];
  readonly #options: DkimSignerOptions;
  readonly #clock: Clock;
  // The h= choice, lower-cased once: the names to sign when present, then the ones to over-sign.
  readonly #wanted: readonly string[];
  readonly #overSign: readonly string[];
  readonly #headerList: readonly string[] | undefined;
  readonly #external: boolean;

  constructor(options: DkimSignerOptions) {
    if (!Array.isArray(options.keys) || options.keys.length === 0) {
      throw new DkimSignError('DKIM_NO_KEYS', 'at least one signing key is required');
    }
    const max = options.maxHeaderBytes;
    if (max !== undefined && !(Number.isSafeInteger(max) && max > 0)) {
      throw new DkimSignError(
        'DKIM_INVALID_OPTION',
        `maxHeaderBytes must be a positive whole number, not ${max}`,
      );
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    // From is always signed and always over-signed: a second From is the classic forgery.
    const wanted = headerNameList(options.headers ?? DEFAULT_SIGNED_HEADERS, 'headers');
    this.#wanted = [...new Set(['from', ...wanted])];
    const extra = headerNameList(options.overSign ?? [], 'overSign');
    const base = (options.overSignDefaults ?? true) ? DEFAULT_OVERSIGNED_HEADERS : ['from'];
    this.#overSign = [...new Set(['from', ...base, ...extra])];
    if (options.headerList !== undefined) {
      const list = headerNameList(options.headerList, 'headerList');
      if (!list.includes('from')) {
        throw new DkimSignError(
          'DKIM_INVALID_HEADER_NAME',
          'headerList must name From, which DKIM must sign',
        );
      }
      this.#headerList = list;
    }
    this.#keys = options.keys.map(prepareKey);
    this.#external = this.#keys.some((k) => isExternal(k.key));
  }

  /** Signs a message given whole or as a stream of chunks; resolves to one signature per key. */
  async sign(
    message: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<DkimSignature[]> {
    const run = this.#start();
    for await (const chunk of chunksOf(message)) run.push(chunk);
    const unsigned = run.finish();
    return Promise.all(unsigned.map(async (u) => complete(u, await signWith(u.k, u.data))));
  }

  /**
   * Signs a message held in memory, synchronously (no stream overhead). Throws
   * `DKIM_SYNC_UNAVAILABLE` when a key is a signing function (use {@link DkimSigner.sign}).
   */
  signSync(message: Uint8Array | string): DkimSignature[] {
    if (this.#external) {
      throw new DkimSignError('DKIM_SYNC_UNAVAILABLE', 'a signing function is asynchronous: use sign()');
    }
    const run = this.#start();
    run.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
    return run.finish().map((u) => complete(u, signLocally(u.k.key as DkimPrivateKey, u.data)));
  }

  #start(): { push(chunk: Uint8Array): void; finish(): Unsigned[] } {
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
        const now = Math.floor(this.#clock.now() / 1000);
        if (!Number.isSafeInteger(now) || now < 0) {
          throw new DkimSignError('DKIM_INVALID_TIME', `the clock gave ${now}, which t= cannot hold`);
        }
        if (!headers.some((h) => h.key === 'from')) {
          throw new DkimSignError(
            'DKIM_NO_FROM',
            'the message has no From header field, which DKIM must sign',
          );
        }
        const names = this.#headerList ?? headerNames(headers, this.#wanted, this.#overSign);
        // Every key signs the same fields: canonicalize them once per header canonicalization.
        const canonical = new Map<HeaderCanonicalization, string>();
        return this.#keys.map((k) => {
          let fields = canonical.get(k.headerCanon);
          if (fields === undefined) {
            fields = canonicalFields(headers, names, k.headerCanon);
            canonical.set(k.headerCanon, fields);
          }
          return this.#unsigned(k, names, fields, hashers.get(k.bodyCanon)!, now);
        });
      },
    };
  }

  #unsigned(
    k: PreparedKey,
    names: readonly string[],
    fields: string,
    hasher: BodyHasher,
    now: number,
  ): Unsigned {
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
    const field = foldTags('DKIM-Signature', tags);
    const data = Buffer.from(fields + canonicalizeHeader(field, k.headerCanon, false), 'latin1');
    return { k, field, data };
  }
}

/** The finished signature: the field with b= appended, folded, and CRLF. */
function complete(u: Unsigned, b: Buffer): DkimSignature {
  const header = `${u.field}${foldBase64(b.toString('base64'), lastLineLength(u.field))}\r\n`;
  return { domain: u.k.spec.domain, selector: u.k.spec.selector, algorithm: u.k.algorithm, header };
}

/** The selected header fields in canonical form, each ending in CRLF (latin1 text). */
function canonicalFields(
  headers: readonly RawHeaderField[],
  names: readonly string[],
  canon: HeaderCanonicalization,
): string {
  let text = '';
  for (const f of selectHeaders(headers, names)) text += canonicalizeHeader(f.raw, canon);
  return text;
}

/** The bytes a DKIM signature covers: the selected fields, then the signature field without b= and CRLF. */
export function signedData(
  headers: readonly RawHeaderField[],
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
function signLocally(key: DkimPrivateKey, data: Buffer): Buffer {
  if (key.keyType === 'rsa') return cryptoSign('sha256', data, key.privateKey);
  return cryptoSign(null, hash('sha256', data, 'buffer'), key.privateKey);
}

/** Signs with a parsed key, or asks the signing function and checks what it returns. */
async function signWith(k: PreparedKey, data: Buffer): Promise<Buffer> {
  if (!isExternal(k.key)) return signLocally(k.key, data);
  const external: DkimExternalKey = k.key;
  const input = external.keyType === 'rsa' ? data : hash('sha256', data, 'buffer');
  const where = `signing function of ${k.spec.selector}._domainkey.${k.spec.domain}`;
  let out: unknown;
  try {
    out = await external.sign(input);
  } catch (e) {
    // The signer (an HSM, a KMS) may answer later; its message is not repeated (it may say too much).
    throw new DkimSignError('DKIM_SIGN_FAILED', `the ${where} failed`, { temporary: true, cause: e });
  }
  if (!(out instanceof Uint8Array)) {
    throw new DkimSignError('DKIM_SIGN_FAILED', `the ${where} did not resolve to bytes`);
  }
  // An Ed25519 signature is 64 bytes; an RSA one is the modulus length, at least 1024 bits (RFC 8301).
  const fits = external.keyType === 'ed25519' ? out.length === 64 : out.length >= 128 && out.length <= 2048;
  if (!fits) {
    throw new DkimSignError(
      'DKIM_SIGN_FAILED',
      `the ${where} returned ${out.length} bytes, not a ${external.keyType} signature${external.keyType === 'rsa' ? ' of at least 1024 bits' : ''}`,
    );
  }
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

/**
 * The h= list: every instance of each wanted name present; each over-signed name as many times
 * as it occurs (so it is signed even when not in the wanted list) and then once more.
 */
function headerNames(
  headers: readonly RawHeaderField[],
  wanted: readonly string[],
  overSign: readonly string[],
): string[] {
  const counts = new Map<string, number>();
  for (const h of headers) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
  const names: string[] = [];
  for (const w of wanted) {
    for (let i = 0; i < (counts.get(w) ?? 0); i++) names.push(w);
  }
  for (const w of overSign) {
    if (!wanted.includes(w)) for (let i = 0; i < (counts.get(w) ?? 0); i++) names.push(w);
    names.push(w);
  }
  return names;
}
