/**
 * Address lists (RFC 5322 3.4): mailboxes, groups, quoted display names, comments, obsolete
 * routes (`<@a,@b:user@x>`), and RFC 2047 encoded words in display names. Tolerant: it always
 * returns what it could read and says whether the list was clean.
 */

import { decodeEncodedWords } from '../entity/header-text.js';

/** One mailbox. */
export interface Mailbox {
  /** Display name, decoded ("" when there is none). */
  readonly name: string;
  /** The addr-spec (`local@domain`), "" for a mailbox that had none. */
  readonly address: string;
  /** The group the mailbox was listed in, if any. */
  readonly group?: string;
}

/** Result of reading an address list. */
export interface AddressList {
  readonly mailboxes: Mailbox[];
  /** False when something in the list did not follow the grammar. */
  readonly clean: boolean;
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

function joinPhrase(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    if (out !== '' && t.space) out += ' ';
    out += t.text;
  }
  return out;
}

function joinAddress(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) if (t.kind !== 'comment') out += t.kind === 'quoted' ? quoteLocal(t.text) : t.text;
  return out;
}

function quoteLocal(text: string): string {
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Parses an address list (To, Cc, From, Reply-To, ...), already unfolded. */
export function parseAddressList(text: string): AddressList {
  const { tokens, clean: tokClean } = tokenize(text);
  let clean = tokClean;
  const out: Mailbox[] = [];
  let phrase: Token[] = [];
  let angle: Token[] | undefined;
  let inAngle = false;
  let group: string | undefined;
  let comment = '';

  const finish = (): void => {
    if (angle !== undefined) {
      let addrTokens = angle;
      // Obsolete source route: drop everything up to the colon.
      const colon = addrTokens.findIndex((t) => t.kind === 'special' && t.text === ':');
      if (colon !== -1) addrTokens = addrTokens.slice(colon + 1);
      const name = decodeEncodedWords(joinPhrase(phrase));
      out.push(withGroup({ name, address: joinAddress(addrTokens) }, group));
    } else if (phrase.some((t) => t.kind !== 'comment')) {
      const address = joinAddress(phrase);
      if (!address.includes('@')) clean = false;
      out.push(withGroup({ name: decodeEncodedWords(comment.trim()), address }, group));
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
        group = decodeEncodedWords(joinPhrase(phrase));
        phrase = [];
        continue;
      }
      if (t.text === ';' && group !== undefined) {
        finish();
        group = undefined;
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
  return { mailboxes: out, clean };
}

function withGroup(m: { name: string; address: string }, group: string | undefined): Mailbox {
  return group === undefined ? m : { ...m, group };
}

/** Formats a mailbox for a header or a Notes text item: `"Name" <local@domain>` or the bare address. */
export function formatMailbox(m: Pick<Mailbox, 'name' | 'address'>): string {
  if (m.name === '') return m.address;
  const name = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(m.name)
    ? m.name
    : `"${m.name.replace(/(["\\])/g, '\\$1')}"`;
  return `${name} <${m.address}>`;
}
