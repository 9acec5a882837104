/**
 * Address lists (RFC 5322 3.4): mailboxes, groups, quoted display names, comments, obsolete
 * routes (`<@a,@b:user@x>`), and RFC 2047 encoded words in display names. Tolerant: it always
 * returns what it could read and says whether the list was clean.
 */

import { decodeEncodedWords } from '../entity/header-text.js';

/** One mailbox of an address header (RFC 5322 3.4): a display name and an addr-spec. */
export interface NamedAddress {
  /** Display name, decoded ("" when there is none). */
  readonly name: string;
  /** The addr-spec (`local@domain`), "" for a mailbox that had none. */
  readonly address: string;
  /** The group the mailbox was listed in, if any. */
  readonly group?: string;
}

/** A group (RFC 5322 3.4): a display name and its members, possibly none (`undisclosed-recipients:;`). */
export interface Group {
  /** The group's display name, decoded. */
  readonly group: string;
  /** Its mailboxes, in order (empty for an empty group). */
  readonly members: NamedAddress[];
}

/** Result of reading an address list. */
export interface AddressList {
  /** Every mailbox, group members included (each with its `group`), in order. */
  readonly mailboxes: NamedAddress[];
  /** The list as written: mailboxes and groups (empty groups included), in order. */
  readonly entries: (NamedAddress | Group)[];
  /** False when something in the list did not follow the grammar. */
  readonly clean: boolean;
}

/** Options of {@link parseAddressList}. */
export interface AddressListOptions {
  /**
   * Decode RFC 2047 encoded words inside quoted strings too. RFC 2047 5(3) forbids them there, but
   * real senders write `"=?utf-8?B?...?=" <a@b>` and readers decode it; default true (for mail
   * from the wire). False reads a quoted display name literally, as the builder does for the
   * already-decoded text of note items (so a name that reads `=?utf-8?q?x?=` stays that text).
   */
  readonly decodeQuoted?: boolean;
}

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

/** True for an RFC 5322 3.2.3 dot-atom: atoms separated by single dots, none at either end. */
export function isDotAtom(text: string): boolean {
  return text !== '' && text.split('.').every((a) => ATEXT.test(a));
}

/** A local part as written in an addr-spec: as is when it is a dot-atom, else a quoted string (RFC 5322 3.4.1). */
export function quoteLocalPart(local: string): string {
  return isDotAtom(local) ? local : `"${local.replace(/(["\\])/g, '\\$1')}"`;
}

type Token =
  | { kind: 'word'; text: string; space: boolean }
  | { kind: 'quoted'; text: string; space: boolean }
  | { kind: 'comment'; text: string; space: boolean }
  | { kind: 'special'; text: string; space: boolean };

function tokenize(text: string): { tokens: Token[]; clean: boolean } {
  const tokens: Token[] = [];
  let clean = true;
  let i = 0;
  let space = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      space = true;
      i++;
      continue;
    }
    if (c === '"') {
      let out = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '\\' && i + 1 < text.length) {
          out += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        out += d;
        i++;
      }
      if (!closed) clean = false;
      tokens.push({ kind: 'quoted', text: out, space });
    } else if (c === '(') {
      let depth = 1;
      let out = '';
      i++;
      while (i < text.length && depth > 0) {
        const d = text[i] as string;
        if (d === '\\' && i + 1 < text.length) {
          out += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') depth--;
        if (depth > 0) out += d;
        i++;
      }
      if (depth > 0) clean = false;
      tokens.push({ kind: 'comment', text: out, space });
    } else if (c === ')') {
      // A stray closing parenthesis: skip it (it would otherwise never be consumed).
      clean = false;
      i++;
    } else if ('<>@,;:.[]'.includes(c)) {
      if (c === '[') {
        const end = text.indexOf(']', i);
        const stop = end === -1 ? text.length : end + 1;
        tokens.push({ kind: 'word', text: text.slice(i, stop), space });
        if (end === -1) clean = false;
        i = stop;
      } else {
        tokens.push({ kind: 'special', text: c, space });
        i++;
      }
    } else {
      let j = i;
      while (j < text.length && !' \t\r\n"()<>@,;:.[]'.includes(text[j] as string)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), space });
      i = j;
    }
    space = false;
  }
  return { tokens, clean };
}

/**
 * A phrase (display name) as text. Encoded words are decoded in atoms; in quoted strings only
 * with `decodeQuoted` (adjacent encoded words lose the white space between them, RFC 2047 6.2).
 */
function joinPhrase(tokens: Token[], decodeQuoted: boolean): string {
  let out = '';
  let run = '';
  const flush = (): void => {
    out += decodeEncodedWords(run);
    run = '';
  };
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    const sep = (out !== '' || run !== '') && t.space ? ' ' : '';
    if (t.kind !== 'quoted' || decodeQuoted) {
      // Keep a run of decodable text together so libmime joins adjacent encoded words.
      run += sep + t.text;
    } else {
      flush();
      out += sep + t.text;
    }
  }
  flush();
  return out;
}

/**
 * An addr-spec from its tokens: the local part's value (quoted strings unquoted, atoms and dots
 * as written) quoted again unless it is a dot-atom, so `"kim"@x` reads `kim@x` and `john..doe@x`
 * or `.dot@x` read as `"john..doe"@x` and `".dot"@x`.
 */
function joinAddress(tokens: Token[]): string {
  const parts = tokens.filter((t) => t.kind !== 'comment');
  let at = -1;
  for (let i = parts.length - 1; i >= 0; i--) {
    const t = parts[i] as Token;
    if (t.kind === 'special' && t.text === '@') {
      at = i;
      break;
    }
  }
  const text = (ts: Token[]): string => ts.map((t) => t.text).join('');
  if (at === -1) {
    // No domain: a bare local part (or a Notes name); keep quoting where it was needed.
    return parts.map((t) => (t.kind === 'quoted' ? quoteLocalPart(t.text) : t.text)).join('');
  }
  const local = text(parts.slice(0, at));
  const domain = text(parts.slice(at + 1));
  return `${quoteLocalPart(local)}@${domain}`;
}

/** Parses an address list (To, Cc, From, Reply-To, ...), already unfolded. */
export function parseAddressList(text: string, options: AddressListOptions = {}): AddressList {
  const decodeQuoted = options.decodeQuoted ?? true;
  const { tokens, clean: tokClean } = tokenize(text);
  let clean = tokClean;
  const out: NamedAddress[] = [];
  const entries: (NamedAddress | Group)[] = [];
  let members: NamedAddress[] = [];
  let phrase: Token[] = [];
  let angle: Token[] | undefined;
  let inAngle = false;
  let group: string | undefined;
  let comment = '';

  const push = (m: NamedAddress): void => {
    out.push(m);
    if (group === undefined) entries.push(m);
    else members.push(m);
  };
  const finish = (): void => {
    if (angle !== undefined) {
      let addrTokens = angle;
      // Obsolete source route: drop everything up to the colon.
      const colon = addrTokens.findIndex((t) => t.kind === 'special' && t.text === ':');
      if (colon !== -1) addrTokens = addrTokens.slice(colon + 1);
      const name = joinPhrase(phrase, decodeQuoted);
      push(withGroup({ name, address: joinAddress(addrTokens) }, group));
    } else if (phrase.some((t) => t.kind !== 'comment')) {
      const address = joinAddress(phrase);
      if (!address.includes('@')) clean = false;
      push(withGroup({ name: decodeEncodedWords(comment.trim()), address }, group));
    }
    phrase = [];
    angle = undefined;
    comment = '';
  };

  for (const t of tokens) {
    if (inAngle) {
      if (t.kind === 'special' && t.text === '>') inAngle = false;
      else if (t.kind !== 'comment') (angle as Token[]).push(t);
      continue;
    }
    if (t.kind === 'comment') {
      if (comment === '') comment = t.text;
      continue;
    }
    if (t.kind === 'special') {
      if (t.text === '<') {
        if (angle !== undefined) clean = false;
        angle = [];
        inAngle = true;
        continue;
      }
      if (t.text === ',') {
        finish();
        continue;
      }
      if (t.text === ':' && group === undefined && angle === undefined) {
        group = joinPhrase(phrase, decodeQuoted);
        phrase = [];
        members = [];
        continue;
      }
      if (t.text === ';' && group !== undefined) {
        finish();
        entries.push({ group, members });
        group = undefined;
        members = [];
        continue;
      }
      if (t.text === '>') {
        clean = false;
        continue;
      }
    }
    if (angle !== undefined) {
      // Text after the angle address: not allowed; keep it in the name.
      clean = false;
    }
    phrase.push(t);
  }
  if (inAngle || group !== undefined) clean = false;
  finish();
  // A group left open at the end of the list still counts as a group (with a clean=false).
  if (group !== undefined) entries.push({ group, members });
  return { mailboxes: out, entries, clean };
}

function withGroup(m: { name: string; address: string }, group: string | undefined): NamedAddress {
  return group === undefined ? m : { ...m, group };
}

/**
 * A display name as a phrase: atoms as they are, anything else (and anything that could be read
 * as an RFC 2047 encoded word) as a quoted string.
 */
export function formatPhrase(name: string): string {
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name) && !name.includes('=?')
    ? name
    : `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** Formats a mailbox for a header or a Notes text item: `"Name" <local@domain>` or the bare address. */
export function formatMailbox(m: Pick<NamedAddress, 'name' | 'address'>): string {
  if (m.name === '') return m.address;
  return `${formatPhrase(m.name)} <${m.address}>`;
}

/** Formats a group for a Notes text item: `Name: a@x, "B" <b@y>;` (`undisclosed-recipients:;` when empty). */
export function formatGroup(g: Group): string {
  return `${formatPhrase(g.group)}:${g.members.length === 0 ? '' : ' '}${g.members.map(formatMailbox).join(', ')};`;
}

/** True for a group entry of {@link AddressList.entries}. */
export function isGroup(entry: NamedAddress | Group): entry is Group {
  return 'members' in entry;
}
