import { nameKey, parseNotesAddress } from '@mailroute/envelope/notes-name';
import type { Directory, DirectoryEntry } from './directory.js';
import type { AddressLookupMode, GlobalDomainDocument, GroupDocument, PersonDocument } from './model.js';
import {
  literalIp,
  looksLikeInternetDomain,
  normalizeDomain,
  ownAddressIp,
  parseMailbox,
  plainMailbox,
} from './names.js';

/** A recipient as the SMTP layer hands it over (already parsed), or as a string. */
export type RecipientAddress = string | { readonly localPart: string; readonly domain: string };

/** How a person or group was found. */
export type MatchedBy = 'name' | 'internetAddress' | 'primaryDomain' | 'localPart';

/** Domino's failure text for a name that is in no directory. */
export const USER_NOT_LISTED = 'User not listed in Directory';

/** The outcome of looking one address up, before any group is expanded. */
export type LookupResult =
  | {
      readonly outcome: 'person';
      readonly address: string;
      readonly person: PersonDocument;
      readonly matchedBy: MatchedBy;
      /** The primary local Internet domain, when the address was an Internet address of this organization. */
      readonly localInternetDomain?: string;
    }
  | {
      readonly outcome: 'group';
      readonly address: string;
      readonly group: GroupDocument;
      readonly matchedBy: MatchedBy;
      readonly localInternetDomain?: string;
    }
  | {
      /** Another Notes domain: `name@DomainB@DomainA`, route to `domainPath[0]` first. */
      readonly outcome: 'notesDomain';
      readonly address: string;
      readonly name: string;
      readonly domainPath: readonly string[];
    }
  | {
      /** An Internet address outside the local Internet domains, not in the directory. */
      readonly outcome: 'internet';
      readonly address: string;
      readonly localPart: string;
      readonly domain: string;
    }
  | {
      readonly outcome: 'notFound';
      readonly address: string;
      readonly reason: string;
      /** Set when the address is in a local Internet domain (the smart host may know it). */
      readonly localInternetDomain?: string;
    }
  | {
      readonly outcome: 'ambiguous';
      readonly address: string;
      readonly reason: string;
      readonly candidates: readonly DirectoryEntry[];
    }
  | { readonly outcome: 'invalid'; readonly address: string; readonly reason: string };

/** What a lookup needs to know besides the address. */
export interface LookupSettings {
  /** Default `fullnameThenLocalPart`. */
  readonly addressLookup?: AddressLookupMode;
  /** Default false. */
  readonly exhaustiveLookup?: boolean;
  /** The local Notes domain: `user@LocalDomain` is a local name. */
  readonly localDomain?: string;
  /**
   * This server's own IP addresses (`192.0.2.1`, `[192.0.2.1]`, `[IPv6:2001:db8::1]`): a recipient
   * at an address literal naming one of them (`user@[192.0.2.1]`) is local, in the default Global
   * Domain document's primary domain, as relay-policy's `localAddresses` makes it local. Default none.
   */
  readonly localAddresses?: readonly string[];
}

type Finder = (d: Directory) => readonly DirectoryEntry[];

/** One directory, or several searched in order. */
export type Directories = Directory | readonly Directory[];

function single(directories: Directories): Directory | undefined {
  if (!Array.isArray(directories)) return directories as Directory;
  return directories.length === 1 ? directories[0] : undefined;
}

/**
 * Asks the directories in order. Without exhaustive lookup the first directory with a hit answers
 * (Domino's default); with it every directory is asked and the hits are pooled, so that the same
 * name in two directories is ambiguous.
 */
function findIn(
  directories: Directories,
  exhaustive: boolean | undefined,
  find: Finder,
): readonly DirectoryEntry[] {
  const one = single(directories);
  if (one !== undefined) return find(one);
  let pooled: DirectoryEntry[] | undefined;
  for (const d of directories as readonly Directory[]) {
    const hits = find(d);
    if (hits.length === 0) continue;
    if (!exhaustive) return hits;
    pooled ??= [];
    for (const h of hits) if (!pooled.some((p) => sameEntry(p, h))) pooled.push(h);
  }
  return pooled ?? [];
}

function sameEntry(a: DirectoryEntry, b: DirectoryEntry): boolean {
  return a.kind === 'person'
    ? b.kind === 'person' && a.person === b.person
    : b.kind === 'group' && a.group === b.group;
}

function fromHits(
  address: string,
  hits: readonly DirectoryEntry[],
  matchedBy: MatchedBy,
  localInternetDomain: string | undefined,
): LookupResult | undefined {
  if (hits.length === 0) return undefined;
  if (hits.length > 1) {
    return {
      outcome: 'ambiguous',
      address,
      reason: `Ambiguous name: ${hits.length} entries match ${address}`,
      candidates: hits,
    };
  }
  const hit = hits[0]!;
  const base = { address, matchedBy, ...(localInternetDomain === undefined ? {} : { localInternetDomain }) };
  return hit.kind === 'person'
    ? { outcome: 'person', person: hit.person, ...base }
    : { outcome: 'group', group: hit.group, ...base };
}

/**
 * Looks an Internet address up as Domino does for inbound SMTP recipients: the full address; for a
 * GDD alias domain, the address in the primary domain; then, per "Address lookup", the local part.
 */
export function lookupInternetAddress(
  directories: Directories,
  localPart: string,
  rawDomain: string,
  settings: LookupSettings,
  written?: string,
): LookupResult {
  const domain = normalizeDomain(rawDomain);
  const address = written ?? `${localPart}@${rawDomain}`;
  if (domain === undefined || localPart.length === 0) {
    return { outcome: 'invalid', address, reason: `Not a valid Internet address: ${address}` };
  }
  const ex = settings.exhaustiveLookup;
  const lower = localPart.toLowerCase();
  // The hot path (one directory) calls the directory directly: no closures, no arrays.
  const one = single(directories);
  const gdd =
    domain.charCodeAt(0) === 91
      ? ownLiteralDomain(directories, domain, settings.localAddresses)
      : one !== undefined
        ? one.findGlobalDomain(domain)
        : findGdd(directories as readonly Directory[], domain);
  const primary = gdd === undefined ? undefined : (normalizeDomain(gdd.primaryDomain) ?? domain);
  const mode = settings.addressLookup ?? 'fullnameThenLocalPart';
  if (mode !== 'localPartOnly' || primary === undefined) {
    const key = `${lower}@${domain}`;
    const hits =
      one !== undefined
        ? one.findByInternetAddress(key)
        : findIn(directories, ex, (d) => d.findByInternetAddress(key));
    const full = fromHits(address, hits, 'internetAddress', primary);
    if (full !== undefined) return full;
    if (primary !== undefined && primary !== domain) {
      const key2 = `${lower}@${primary}`;
      const hits2 = findIn(directories, ex, (d) => d.findByInternetAddress(key2));
      const viaPrimary = fromHits(address, hits2, 'primaryDomain', primary);
      if (viaPrimary !== undefined) return viaPrimary;
    }
  }
  if (primary === undefined) return { outcome: 'internet', address, localPart, domain };
  if (mode !== 'fullnameOnly') {
    const byLocal = fromHits(
      address,
      findIn(directories, ex, (d) => d.findByLocalPart(lower)),
      'localPart',
      primary,
    );
    if (byLocal !== undefined) return byLocal;
  }
  return { outcome: 'notFound', address, reason: USER_NOT_LISTED, localInternetDomain: primary };
}

/** The default Global Domain document when the literal names one of this server's addresses. */
function ownLiteralDomain(
  directories: Directories,
  literal: string,
  own: readonly string[] | undefined,
): GlobalDomainDocument | undefined {
  if (own === undefined || own.length === 0) return undefined;
  const ip = literalIp(literal);
  if (ip === undefined || !own.some((a) => ownAddressIp(a) === ip)) return undefined;
  const list = Array.isArray(directories)
    ? (directories as readonly Directory[])
    : [directories as Directory];
  for (const d of list) {
    const all = d.globalDomains();
    const chosen = all.find((g) => g.isDefault) ?? all[0];
    if (chosen !== undefined) return chosen;
  }
  return undefined;
}

function findGdd(directories: readonly Directory[], domain: string) {
  for (const d of directories) {
    const g = d.findGlobalDomain(domain);
    if (g !== undefined) return g;
  }
  return undefined;
}

/**
 * Looks one recipient up without expanding groups: Internet addresses by the address rules,
 * Notes names by name (canonical or abbreviated), Notes domain paths left for routing.
 */
export function lookupRecipient(
  directories: Directories,
  recipient: RecipientAddress,
  settings: LookupSettings,
): LookupResult {
  if (typeof recipient !== 'string') {
    const r = recipient as { localPart?: unknown; domain?: unknown } | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.localPart !== 'string' ||
      typeof r.domain !== 'string'
    ) {
      return {
        outcome: 'invalid',
        address: String(recipient),
        reason: 'Not an address: expected a string or { localPart, domain }',
      };
    }
    return lookupInternetAddress(directories, r.localPart, r.domain, settings);
  }
  let text = recipient.trim();
  // An Internet address is read by the envelope package's parser, as the SMTP layer reads it:
  // `"kim"@acme.com` is kim, `[192.000.002.001]` is `[192.0.2.1]`. A single label after `@`
  // (`jdoe@Acme`) is a Notes domain, read below.
  if (text.includes('@')) {
    const plain = plainMailbox(text);
    // The fast path only takes dotted domains, never a single-label Notes domain.
    if (plain !== undefined)
      return lookupInternetAddress(directories, plain.localPart, plain.domain, settings, recipient);
    const mailbox = parseMailbox(text);
    if (mailbox !== undefined && (mailbox.domain.kind === 'literal' || mailbox.domain.ascii.includes('.')))
      return lookupInternetAddress(directories, mailbox.localPart, mailbox.domain.ascii, settings, recipient);
  }
  if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1).trim();
  const notes = parseNotesAddress(text);
  if (notes === undefined)
    return { outcome: 'invalid', address: recipient, reason: `Not a valid address: ${recipient}` };
  let path = notes.domainPath;
  // Notes domains have no dots: an Internet domain can only be the domain of one mailbox, which
  // the envelope parser refused above (`user@remote.test@acme.com`, `John Doe@acme.com`).
  if (path.some(looksLikeInternetDomain))
    return { outcome: 'invalid', address: recipient, reason: `Not a valid address: ${recipient}` };
  const local = settings.localDomain === undefined ? undefined : nameKey(settings.localDomain);
  // `user@Local@Local` and `user@Local` are local names: drop the local domain from the path.
  let skip = 0;
  while (skip < path.length && nameKey(path[skip]!) === local) skip++;
  if (skip > 0) path = path.slice(skip);
  if (path.length > 0)
    return { outcome: 'notesDomain', address: recipient, name: notes.name, domainPath: path };
  const hits = findIn(directories, settings.exhaustiveLookup, (d) => d.findByName(notes.name));
  return (
    fromHits(recipient, hits, 'name', undefined) ?? {
      outcome: 'notFound',
      address: recipient,
      reason: USER_NOT_LISTED,
    }
  );
}
