/**
 * ARC sealing (RFC 8617 section 5.1): add ARC-Authentication-Results, ARC-Message-Signature and
 * ARC-Seal with the next instance number, over the message as it leaves us.
 */
import { createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { bodyHash, canonicalizeHeader, parseHeaderBlock } from '@mailroute/dkim/canonical';
import type { AuthResolver } from '../resolver.js';
import { type ArcChainStatus, verifyArc } from './verify.js';

/** Options of {@link sealArc}. */
export interface ArcSealOptions {
  /** d=: the sealing domain. */
  readonly domain: string;
  /** s=: the selector of the key. */
  readonly selector: string;
  /** The private key (RSA of 1024 bits or more, or Ed25519): a KeyObject or PEM. */
  readonly privateKey: KeyObject | string;
  /** Our authserv-id, first in ARC-Authentication-Results. */
  readonly authservId: string;
  /** The results of our checks (the Authentication-Results value after the authserv-id, e.g. from `formatAuthResult`). */
  readonly results: readonly string[];
  /** Where the existing chain's keys come from (the chain is validated to set cv=). */
  readonly resolver: AuthResolver;
  /** Header fields the ARC-Message-Signature covers, where present; default the usual DKIM set. */
  readonly headers?: readonly string[];
  /** t=, seconds since the epoch; default now. */
  readonly timestampSeconds?: number;
}

/** What sealing produced. */
export interface ArcSealResult {
  /** The three fields to prepend, newest instance, each ending in CRLF (AS, AMS, AAR order). */
  readonly headers: string;
  /** The instance number written. */
  readonly instance: number;
  /** The chain status written into cv=. */
  readonly cv: ArcChainStatus;
}

const DEFAULT_HEADERS = [
  'from',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'reply-to',
  'mime-version',
  'content-type',
  'dkim-signature',
];

function splitMessage(message: Uint8Array): { header: string; body: Uint8Array } {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { header: buf.toString('latin1'), body: new Uint8Array() };
  return { header: buf.subarray(0, end + 2).toString('latin1'), body: buf.subarray(end + 4) };
}

function signData(key: KeyObject, data: string): string {
  if (key.asymmetricKeyType === 'ed25519')
    return cryptoSign(null, createHash('sha256').update(data, 'utf8').digest(), key).toString('base64');
  return cryptoSign('sha256', Buffer.from(data, 'utf8'), key).toString('base64');
}

/**
 * Seal `message` (CRLF line ends). A chain that already failed is sealed with cv=fail; more than
 * 49 existing sets cannot be sealed (RFC 8617's limit of 50) and rejects with a RangeError.
 */
export async function sealArc(message: Uint8Array, options: ArcSealOptions): Promise<ArcSealResult> {
  const key =
    typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const algorithm = key.asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
  const chain = await verifyArc(message, { resolver: options.resolver });
  const instance = chain.instances + 1;
  if (instance > 50) throw new RangeError('an ARC chain holds at most 50 sets');
  const cv: ArcChainStatus = chain.cv === 'none' ? (instance === 1 ? 'none' : 'fail') : chain.cv;
  const t = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const { header, body } = splitMessage(message);
  const fields = parseHeaderBlock(header);

  const aar = `ARC-Authentication-Results: i=${instance}; ${options.authservId}${options.results.length ? `;\r\n\t${options.results.join(';\r\n\t')}` : '; none'}`;
  const wanted = (options.headers ?? DEFAULT_HEADERS).map((h) => h.toLowerCase());
  // Sign each present field once per occurrence, bottom-up, as DKIM does.
  const names: string[] = [];
  const signed: string[] = [];
  for (const name of wanted) {
    const present = fields.filter((f) => f.key === name);
    for (let i = present.length - 1; i >= 0; i--) {
      names.push(name);
      signed.push(canonicalizeHeader(present[i]!.raw, 'relaxed'));
    }
  }
  const bh = bodyHash(body, 'relaxed').toString('base64');
  const amsUnsigned = `ARC-Message-Signature: i=${instance}; a=${algorithm}; c=relaxed/relaxed; d=${options.domain}; s=${options.selector}; t=${t};\r\n\th=${names.join(':')};\r\n\tbh=${bh}; b=`;
  const ams =
    amsUnsigned + signData(key, signed.join('') + canonicalizeHeader(amsUnsigned, 'relaxed', false));

  // The seal covers every earlier set, oldest first, then ours.
  const earlier = fields.filter((f) => /^arc-(authentication-results|message-signature|seal)$/.test(f.key));
  const byInstance = new Map<number, Record<string, string>>();
  for (const f of earlier) {
    const i = Number(/i[ \t]*=[ \t]*(\d+)/.exec(f.raw.slice(f.raw.indexOf(':') + 1))?.[1]);
    const set = byInstance.get(i) ?? {};
    set[f.key] = f.raw;
    byInstance.set(i, set);
  }
  let sealed = '';
  for (let i = 1; i < instance; i++) {
    const s = byInstance.get(i) ?? {};
    for (const k of ['arc-authentication-results', 'arc-message-signature', 'arc-seal'])
      if (s[k]) sealed += canonicalizeHeader(s[k]!, 'relaxed');
  }
  sealed += canonicalizeHeader(aar, 'relaxed') + canonicalizeHeader(ams, 'relaxed');
  const asUnsigned = `ARC-Seal: i=${instance}; a=${algorithm}; t=${t}; cv=${cv};\r\n\td=${options.domain}; s=${options.selector}; b=`;
  const as = asUnsigned + signData(key, sealed + canonicalizeHeader(asUnsigned, 'relaxed', false));
  return { headers: `${as}\r\n${ams}\r\n${aar}\r\n`, instance, cv };
}
