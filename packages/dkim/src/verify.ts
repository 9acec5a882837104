import { verify as cryptoVerify, hash, type KeyObject } from 'node:crypto';
import { type Clock, isMailrouteError, systemClock, type TimerHandle } from '@mailroute/envelope';
import { BodyHasher } from './canonical/body.js';
import { fieldValue, type RawHeaderField } from './canonical/header.js';
import { type DkimKeyRecord, parseKeyRecord } from './key-record.js';
import { publicKeyFromRecord } from './keys.js';
import { DEFAULT_LOOKUP_TIMEOUT_MS, type KeyLookup, KeyLookupError, keyRecordName } from './lookup.js';
import { chunksOf, HeaderTooLargeError, MessageSplitter } from './message.js';
import { signedData } from './sign.js';
import { type DkimSignatureFields, parseSignature, withoutSignatureValue } from './signature.js';

/** RFC 8601 result words a DKIM signature can get. */
export type DkimResult = 'pass' | 'fail' | 'neutral' | 'temperror' | 'permerror';

/** The outcome for one DKIM-Signature field. */
export interface DkimVerification {
  /** pass, fail, neutral (key in testing mode, or not evaluated), temperror or permerror. */
  readonly result: DkimResult;
  /** Why, when not pass (and notes such as an l= limit when pass). */
  readonly reason?: string | undefined;
  /** d= */
  readonly domain?: string | undefined;
  /** s= */
  readonly selector?: string | undefined;
  /** a= */
  readonly algorithm?: string | undefined;
  /** i= when present. */
  readonly identity?: string | undefined;
  /** b= (whitespace removed). */
  readonly signatureBase64?: string | undefined;
  /** l=, when the signature covers only part of the body. */
  readonly bodyLength?: number | undefined;
  /** Canonical body bytes after the l= limit, which the signature does not cover. */
  readonly unsignedBodyBytes?: number | undefined;
  /** The key record says t=y (testing). */
  readonly testing?: boolean | undefined;
}

/** Options of a {@link DkimVerifier}. */
export interface DkimVerifierOptions {
  /** Where key records come from (the @mailroute/dns resolver, or a fake). */
  readonly lookup: KeyLookup;
  /** The clock for x= and t= checks and the lookup timeout; default the system clock. */
  readonly clock?: Clock;
  /**
   * How long to wait for a message's key lookups, in milliseconds (they all start when its header
   * block has been read), before the signatures still waiting get temperror ("key lookup timed
   * out") and the lookups' signal is aborted; default {@link DEFAULT_LOOKUP_TIMEOUT_MS}. A lookup
   * that never settles cannot hold `verify` up.
   */
  readonly lookupTimeoutMs?: number;
  /** Allowed clock difference for t= in the future and x= in the past, seconds; default 300. */
  readonly clockSkewSeconds?: number;
  /**
   * Signatures evaluated per message; later ones get neutral "not evaluated". Each costs a DNS
   * lookup and a public-key operation, so a message with thousands must not cost thousands.
   * Default 16.
   */
  readonly maxSignatures?: number;
  /** Bound on the header block; default 1 MiB. */
  readonly maxHeaderBytes?: number;
  /** Public keys kept parsed, by record text; default 256. */
  readonly keyCacheEntries?: number;
}

type KeyOutcome =
  | { ok: true; record: DkimKeyRecord; key: KeyObject }
  | { ok: false; result: 'temperror' | 'permerror'; reason: string };

interface Pending {
  readonly field: RawHeaderField;
  readonly fields?: DkimSignatureFields;
  readonly early?: DkimVerification;
  hasher?: BodyHasher;
  key?: Promise<KeyOutcome>;
}

/** Options of one {@link DkimVerifier.verify} call. */
export interface DkimVerifyOptions {
  /**
   * Stops the verification: pending key lookups are aborted (their signal too) and `verify`
   * rejects with the signal's reason, as Node's own APIs do. Checked between chunks of a stream.
   */
  readonly signal?: AbortSignal;
}

/**
 * Verifies every DKIM-Signature of a message (RFC 6376 section 6, RFC 8463): the body is read
 * once, with one streaming hash per distinct (canonicalization, l=) pair, and key lookups start
 * as soon as the header block has been read. Never throws on message or DNS content.
 */
export class DkimVerifier {
  readonly #o: DkimVerifierOptions;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #keys = new Map<string, KeyObject | string>();

  constructor(options: DkimVerifierOptions) {
    const t = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    if (!(Number.isFinite(t) && t > 0))
      throw new RangeError(`lookupTimeoutMs must be a positive number, not ${t}`);
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = t;
  }

  /** Verifies a message given whole or as chunks; one result per DKIM-Signature, in header order. */
  async verify(
    message: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: DkimVerifyOptions = {},
  ): Promise<DkimVerification[]> {
    const signal = options.signal;
    signal?.throwIfAborted();
    // Made at the first lookup, so a message without signatures costs no timer and no signal.
    let window: LookupWindow | undefined;
    const lookups = (): LookupWindow => {
      window ??= new LookupWindow(this.#clock, this.#timeoutMs, signal);
      return window;
    };
    let settled = false;
    try {
      const splitter = new MessageSplitter(this.#o.maxHeaderBytes ?? 1024 * 1024);
      let pending: Pending[] | undefined;
      let hashers: BodyHasher[] = [];
      try {
        for await (const chunk of chunksOf(message)) {
          signal?.throwIfAborted();
          const body = splitter.push(chunk);
          if (!pending && splitter.headers) ({ pending, hashers } = this.#begin(splitter.headers, lookups));
          if (body.length > 0) for (const h of hashers) h.update(body);
        }
      } catch (e) {
        // An oversized header is bad input: one permerror, not an exception. Stream errors propagate.
        if (e instanceof HeaderTooLargeError) return [{ result: 'permerror', reason: e.message }];
        throw e;
      }
      const headers = splitter.end();
      if (!pending) ({ pending, hashers } = this.#begin(headers, lookups));
      const out: DkimVerification[] = [];
      for (const p of pending) out.push(p.early ?? (await this.#finish(p, headers, signal)));
      settled = true;
      return out;
    } finally {
      // Every lookup has settled when the results are complete; otherwise (a stream error, the
      // caller's abort) the ones still running are aborted, so none outlives the call.
      window?.close(!settled);
    }
  }

  #begin(
    headers: RawHeaderField[],
    lookups: () => LookupWindow,
  ): { pending: Pending[]; hashers: BodyHasher[] } {
    const max = this.#o.maxSignatures ?? 16;
    const byBody = new Map<string, BodyHasher>();
    // Several signatures naming one key (a resigned message, a duplicate) make one lookup.
    const byKey = new Map<string, Promise<KeyOutcome>>();
    const now = this.#clock.now() / 1000;
    const skew = this.#o.clockSkewSeconds ?? 300;
    const pending = headers
      .filter((h) => h.key === 'dkim-signature')
      .map((field, index): Pending => {
        const parsed = parseSignature(fieldValue(field));
        if (!parsed.ok)
          return {
            field,
            early: { result: 'permerror', reason: parsed.reason.message, ...parsed.reason.partial },
          };
        const f = parsed.value;
        const id = identityOf(f);
        if (index >= max)
          return {
            field,
            early: { result: 'neutral', reason: `not evaluated: over ${max} signatures`, ...id },
          };
        if (f.expiration !== undefined && f.expiration + skew < now) {
          return { field, early: { result: 'permerror', reason: 'signature expired (x=)', ...id } };
        }
        if (f.timestamp !== undefined && f.timestamp - skew > now) {
          return {
            field,
            early: { result: 'permerror', reason: 'signature timestamp (t=) in the future', ...id },
          };
        }
        const bodyKey = `${f.bodyCanonicalization}/${f.bodyLength ?? ''}`;
        let hasher = byBody.get(bodyKey);
        if (!hasher) {
          hasher = new BodyHasher(f.bodyCanonicalization, f.bodyLength);
          byBody.set(bodyKey, hasher);
        }
        const name = keyRecordName(f.selector, f.domain);
        let key = byKey.get(name);
        if (!key) {
          key = this.#lookupKey(name, lookups());
          byKey.set(name, key);
        }
        return { field, fields: f, hasher, key };
      });
    return { pending, hashers: [...byBody.values()] };
  }

  /**
   * Looks the key up and parses it; the promise never rejects (no unhandled rejections) and
   * settles when the message's lookup window stops (timeout or the caller's abort) at the latest.
   */
  async #lookupKey(name: string, window: LookupWindow): Promise<KeyOutcome> {
    let records: readonly string[];
    try {
      let call: Promise<readonly string[]>;
      try {
        call = Promise.resolve(this.#o.lookup(name, { signal: window.signal }));
      } catch (e) {
        call = Promise.reject(e);
      }
      const answer = await Promise.race([call, window.stopped]);
      if (answer === 'timeout') {
        return { ok: false, result: 'temperror', reason: `key lookup timed out after ${this.#timeoutMs} ms` };
      }
      if (answer === 'aborted') return { ok: false, result: 'temperror', reason: 'key lookup aborted' };
      records = answer;
    } catch (e) {
      // An error of the SDK's shape (KeyLookupError, the dns package's DnsError) says which by
      // `temporary`, read by shape, never instanceof (two installed copies of a package have two
      // classes); anything else is taken as temporary (a later try may succeed).
      const temporary = isMailrouteError(e) ? e.temporary : true;
      const why = e instanceof Error ? e.message : 'lookup failed';
      return { ok: false, result: temporary ? 'temperror' : 'permerror', reason: `key lookup: ${why}` };
    }
    if (records.length === 0) return { ok: false, result: 'permerror', reason: 'no key record' };
    let firstReason = '';
    for (const txt of records) {
      const parsed = parseKeyRecord(txt);
      if (!parsed.ok) {
        firstReason ||= parsed.reason.message;
        continue;
      }
      const record = parsed.value;
      if (record.revoked) return { ok: false, result: 'permerror', reason: 'key revoked (empty p=)' };
      const key = this.#publicKey(record);
      if (typeof key === 'string') return { ok: false, result: 'permerror', reason: key };
      return { ok: true, record, key };
    }
    return { ok: false, result: 'permerror', reason: firstReason };
  }

  #publicKey(record: DkimKeyRecord): KeyObject | string {
    const cacheKey = `${record.keyType}:${record.publicKey.toString('base64')}`;
    const cached = this.#keys.get(cacheKey);
    if (cached !== undefined) return cached;
    const built = publicKeyFromRecord(record.keyType, record.publicKey);
    const value = built.ok ? built.key : built.reason;
    if (this.#keys.size >= (this.#o.keyCacheEntries ?? 256)) {
      this.#keys.delete(this.#keys.keys().next().value!);
    }
    this.#keys.set(cacheKey, value);
    return value;
  }

  async #finish(
    p: Pending,
    headers: RawHeaderField[],
    signal: AbortSignal | undefined,
  ): Promise<DkimVerification> {
    const f = p.fields!;
    const id = identityOf(f);
    const key = await p.key!;
    // The lookup settles at once on abort (as temperror): the caller gets its abort instead.
    signal?.throwIfAborted();
    if (!key.ok) return { result: key.result, reason: key.reason, ...id };
    const testing = key.record.testing || undefined;
    const failed = (reason: string): DkimVerification =>
      testing
        ? { result: 'neutral', reason: `${reason} (key in testing mode, t=y)`, testing, ...id }
        : { result: 'fail', reason, ...id };
    const expectedType = f.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
    if (key.record.keyType !== expectedType) {
      return {
        result: 'permerror',
        reason: `key type ${key.record.keyType} does not match a=${f.algorithm}`,
        ...id,
      };
    }
    if (
      key.record.strictIdentity &&
      f.identity.slice(f.identity.lastIndexOf('@') + 1).toLowerCase() !== f.domain
    ) {
      return { result: 'permerror', reason: 'key record t=s requires i= in exactly d=', ...id };
    }
    const hasher = p.hasher!;
    const bh = hasher.digest();
    const length = hasher.canonicalLength;
    if (f.bodyLength !== undefined && f.bodyLength > length) {
      return { result: 'permerror', reason: `l=${f.bodyLength} is longer than the body (${length})`, ...id };
    }
    if (!bh.equals(f.bodyHash)) return failed('body hash did not verify');
    const data = signedData(
      headers,
      f.signedHeaders,
      f.headerCanonicalization,
      signatureFieldWithoutB(p.field.raw),
    );
    let good = false;
    try {
      good =
        f.algorithm === 'rsa-sha256'
          ? cryptoVerify('sha256', data, key.key, f.signature)
          : cryptoVerify(null, hash('sha256', data, 'buffer'), key.key, f.signature);
    } catch {
      good = false;
    }
    if (!good) return failed('signature did not verify');
    const partial =
      f.bodyLength !== undefined
        ? {
            reason: `l=${f.bodyLength}: ${length - f.bodyLength} body bytes not signed`,
            unsignedBodyBytes: length - f.bodyLength,
          }
        : {};
    return { result: 'pass', ...partial, testing, ...id };
  }
}

/** The DKIM-Signature field with its b= value emptied; the name is kept apart so `b=` cannot match it. */
function signatureFieldWithoutB(raw: string): string {
  const colon = raw.indexOf(':');
  return raw.slice(0, colon + 1) + withoutSignatureValue(raw.slice(colon + 1));
}

function identityOf(f: DkimSignatureFields): Omit<DkimVerification, 'result'> {
  return {
    domain: f.domain,
    selector: f.selector,
    algorithm: f.algorithm,
    identity: f.identity,
    signatureBase64: f.signatureBase64,
    bodyLength: f.bodyLength,
  };
}

/**
 * The key lookups of one message. They all start when the header block has been read, so one
 * timer bounds them all: when it fires, or the caller's signal aborts, `stopped` settles (every
 * pending lookup gives temperror) and `signal` is aborted so lookups that honour it stop.
 */
class LookupWindow {
  readonly #controller = new AbortController();
  readonly #clock: Clock;
  readonly #timer: TimerHandle;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;
  /** Settles with why the lookups must stop; never rejects. */
  readonly stopped: Promise<'timeout' | 'aborted'>;

  constructor(clock: Clock, timeoutMs: number, caller: AbortSignal | undefined) {
    let stop!: (why: 'timeout' | 'aborted') => void;
    this.stopped = new Promise((resolve) => {
      stop = resolve;
    });
    this.#clock = clock;
    this.#timer = clock.setTimeout(() => {
      stop('timeout');
      this.#controller.abort(new KeyLookupError(`key lookup timed out after ${timeoutMs} ms`, true));
    }, timeoutMs);
    this.#caller = caller;
    if (caller) {
      this.#onAbort = () => {
        stop('aborted');
        this.#controller.abort(caller.reason);
      };
      caller.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** The signal handed to every lookup of the message. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Ends the window: the timer is cleared; with `abortPending`, running lookups are aborted. */
  close(abortPending: boolean): void {
    this.#clock.clearTimeout(this.#timer);
    if (this.#onAbort) this.#caller?.removeEventListener('abort', this.#onAbort);
    if (abortPending && !this.#controller.signal.aborted) this.#controller.abort();
  }
}
