/**
 * ARC chain validation (RFC 8617 section 5.2) with `@mailroute/dkim`'s canonicalization, body hash,
 * key records and tag lists: the sets are complete and numbered 1..N, the newest
 * ARC-Message-Signature verifies over the message as it is, and every ARC-Seal verifies over the
 * sets up to its own. The result is cv=none (no sets), pass or fail with a reason.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { parseKeyRecord } from '@mailroute/dkim';
import {
  bodyHash,
  canonicalizeHeader,
  type HeaderCanonicalization,
  parseHeaderBlock,
  parseTagList,
  type RawHeaderField,
} from '@mailroute/dkim/canonical';
import { type AuthResolver, settle } from '../resolver.js';

/** The chain validation status (RFC 8617 section 4.1.3). */
export type ArcChainStatus = 'none' | 'pass' | 'fail';

/** What ARC validation found. */
export interface ArcVerdict {
  /** none, pass or fail. */
  readonly cv: ArcChainStatus;
  /** How many ARC sets the message carries. */
  readonly instances: number;
  /** Why, on fail (and a note on none). */
  readonly reason?: string;
  /** True when the failure was a DNS trouble (a key lookup failed temporarily). */
  readonly temporary?: boolean;
  /** The d= of the newest ARC-Seal, on pass. */
  readonly sealer?: string;
}

/** Options of {@link verifyArc}. */
export interface ArcVerifyOptions {
  /** Where key records come from. */
  readonly resolver: AuthResolver;
  /** Cancels the lookups. */
  readonly signal?: AbortSignal;
}

/** RFC 8617 section 4.2.1: at most 50 sets. */
const MAX_INSTANCES = 50;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

interface ArcSet {
  aar?: RawHeaderField;
  ams?: RawHeaderField;
  as?: RawHeaderField;
}

function value(f: RawHeaderField): string {
  return f.raw.slice(f.raw.indexOf(':') + 1);
}

/** The raw field with the b= value removed (what was signed). */
function withoutSignature(raw: string): string {
  return raw.replace(/(^[^:]*:|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1$2');
}

function instanceOf(f: RawHeaderField): number | undefined {
  const m =
    /^[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*(\d{1,3})[ \t\r\n]*(?:;|$)/.exec(value(f)) ??
    /(?:^|;)[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*(\d{1,3})[ \t\r\n]*(?:;|$)/.exec(value(f));
  return m ? Number(m[1]) : undefined;
}

/** The bottom-most unused instance of each name in `h=` (RFC 6376 section 5.4.2). */
function selected(fields: readonly RawHeaderField[], names: readonly string[]): RawHeaderField[] {
  const used = new Set<RawHeaderField>();
  const out: RawHeaderField[] = [];
  for (const name of names) {
    const key = name.trim().toLowerCase();
    for (let i = fields.length - 1; i >= 0; i--) {
      const f = fields[i]!;
      if (f.key === key && !used.has(f)) {
        used.add(f);
        out.push(f);
        break;
      }
    }
  }
  return out;
}

type Check = { ok: true } | { ok: false; reason: string; temporary?: boolean };

async function keyFor(tags: ReadonlyMap<string, string>, o: ArcVerifyOptions): Promise<KeyObject | Check> {
  const d = tags.get('d');
  const s = tags.get('s');
  if (!d || !s) return { ok: false, reason: 'd= or s= missing' };
  const txt = await settle(() => o.resolver.resolveTxt(`${s}._domainkey.${d}`, { signal: o.signal }));
  if (txt.kind === 'temp')
    return { ok: false, reason: `key ${s}._domainkey.${d}: ${txt.message}`, temporary: true };
  if (txt.kind !== 'ok' || txt.value.length !== 1)
    return { ok: false, reason: `no key at ${s}._domainkey.${d}` };
  const rec = parseKeyRecord(txt.value[0]!);
  if (!rec.ok) return { ok: false, reason: rec.reason.message };
  if (rec.value.revoked) return { ok: false, reason: `key ${s}._domainkey.${d} revoked` };
  try {
    const der =
      rec.value.keyType === 'ed25519'
        ? Buffer.concat([ED25519_SPKI_PREFIX, rec.value.publicKey])
        : rec.value.publicKey;
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return { ok: false, reason: `key ${s}._domainkey.${d} unreadable` };
  }
}

async function checkSignature(
  tags: ReadonlyMap<string, string>,
  data: string,
  o: ArcVerifyOptions,
): Promise<Check> {
  const a = tags.get('a');
  if (a !== 'rsa-sha256' && a !== 'ed25519-sha256') return { ok: false, reason: `unsupported a=${a ?? ''}` };
  const key = await keyFor(tags, o);
  if ('ok' in key) return key;
  const sig = Buffer.from((tags.get('b') ?? '').replace(/[ \t\r\n]/g, ''), 'base64');
  const good =
    a === 'rsa-sha256'
      ? key.asymmetricKeyType === 'rsa' && cryptoVerify('sha256', Buffer.from(data, 'utf8'), key, sig)
      : key.asymmetricKeyType === 'ed25519' &&
        cryptoVerify(null, createHash('sha256').update(data, 'utf8').digest(), key, sig);
  return good ? { ok: true } : { ok: false, reason: 'signature did not verify' };
}

function split(message: Uint8Array): { header: string; body: Uint8Array } {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let end = buf.indexOf('\r\n\r\n');
  let skip = 4;
  if (end < 0) {
    end = buf.indexOf('\n\n');
    skip = 2;
  }
  if (end < 0) return { header: buf.toString('latin1'), body: new Uint8Array() };
  return { header: buf.subarray(0, end + skip / 2).toString('latin1'), body: buf.subarray(end + skip) };
}

/** Validate the ARC chain of a whole message (header and body). Never throws for bad input. */
export async function verifyArc(message: Uint8Array, options: ArcVerifyOptions): Promise<ArcVerdict> {
  const { header, body } = split(message);
  const fields = parseHeaderBlock(header);
  const sets = new Map<number, ArcSet>();
  const part = {
    'arc-authentication-results': 'aar',
    'arc-message-signature': 'ams',
    'arc-seal': 'as',
  } as const;
  let count = 0;
  for (const f of fields) {
    const which = part[f.key as keyof typeof part];
    if (!which) continue;
    count++;
    const i = instanceOf(f);
    if (i === undefined || i < 1 || i > MAX_INSTANCES)
      return { cv: 'fail', instances: 0, reason: `bad i= in ${f.name}` };
    const set = sets.get(i) ?? {};
    if (set[which]) return { cv: 'fail', instances: 0, reason: `two ${f.name} fields with i=${i}` };
    set[which] = f;
    sets.set(i, set);
  }
  if (count === 0) return { cv: 'none', instances: 0 };
  const n = sets.size;
  const fail = (reason: string, temporary = false): ArcVerdict => ({
    cv: 'fail',
    instances: n,
    reason,
    ...(temporary && { temporary }),
  });
  for (let i = 1; i <= n; i++) {
    const s = sets.get(i);
    if (!s?.aar || !s.ams || !s.as) return fail(`ARC set ${i} is incomplete or missing`);
  }
  const seals = new Map<number, ReadonlyMap<string, string>>();
  for (let i = 1; i <= n; i++) {
    const tags = parseTagList(value(sets.get(i)!.as!));
    if (!tags.ok) return fail(`ARC-Seal i=${i}: ${tags.reason.message}`);
    seals.set(i, tags.value);
  }
  const cvNewest = seals.get(n)!.get('cv')?.toLowerCase();
  if (cvNewest === 'fail') return fail(`ARC-Seal i=${n} says cv=fail`);

  // The newest ARC-Message-Signature, over the message as it is now.
  const amsField = sets.get(n)!.ams!;
  const ams = parseTagList(value(amsField));
  if (!ams.ok) return fail(`ARC-Message-Signature i=${n}: ${ams.reason.message}`);
  const [hc, bc = 'simple'] = (ams.value.get('c') ?? 'simple/simple').toLowerCase().split('/');
  if ((hc !== 'simple' && hc !== 'relaxed') || (bc !== 'simple' && bc !== 'relaxed'))
    return fail(`ARC-Message-Signature i=${n}: bad c=`);
  const bh = bodyHash(body, bc).toString('base64');
  if (bh !== (ams.value.get('bh') ?? '').replace(/[ \t\r\n]/g, ''))
    return fail(`ARC-Message-Signature i=${n}: body hash mismatch`);
  const names = (ams.value.get('h') ?? '').split(':').filter((x) => x.trim() !== '');
  if (names.some((x) => x.trim().toLowerCase() === 'arc-seal'))
    return fail('ARC-Message-Signature signs ARC-Seal');
  let data = '';
  for (const f of selected(fields, names)) data += canonicalizeHeader(f.raw, hc as HeaderCanonicalization);
  data += canonicalizeHeader(withoutSignature(amsField.raw), hc as HeaderCanonicalization, false);
  const amsCheck = await checkSignature(ams.value, data, options);
  if (!amsCheck.ok) return fail(`ARC-Message-Signature i=${n}: ${amsCheck.reason}`, amsCheck.temporary);

  // Every ARC-Seal, newest first, over the sets up to its own (relaxed, RFC 8617 section 5.1.1).
  for (let i = n; i >= 1; i--) {
    const tags = seals.get(i)!;
    const cv = tags.get('cv')?.toLowerCase();
    if ((i === 1 && cv !== 'none') || (i > 1 && cv !== 'pass'))
      return fail(`ARC-Seal i=${i} has cv=${cv ?? ''}`);
    let sealed = '';
    for (let j = 1; j <= i; j++) {
      const s = sets.get(j)!;
      sealed += canonicalizeHeader(s.aar!.raw, 'relaxed');
      sealed += canonicalizeHeader(s.ams!.raw, 'relaxed');
      sealed +=
        j === i
          ? canonicalizeHeader(withoutSignature(s.as!.raw), 'relaxed', false)
          : canonicalizeHeader(s.as!.raw, 'relaxed');
    }
    const check = await checkSignature(tags, sealed, options);
    if (!check.ok) return fail(`ARC-Seal i=${i}: ${check.reason}`, check.temporary);
  }
  return { cv: 'pass', instances: n, ...(seals.get(n)!.get('d') && { sealer: seals.get(n)!.get('d')! }) };
}
