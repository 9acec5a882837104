/**
 * Writing header fields: RFC 2047 encoded words for non-ASCII text, folding under 78
 * characters, and no header injection: line breaks in item values never reach the output, and a
 * kept raw header is written only when every line break in it is a fold.
 */

import { isNotesName, notesToInternet, parseNotesName } from '@mailroute/envelope/notes-name';
import libmime from 'libmime';
import { encodeBWords } from '../entity/header-text.js';
import { isGroup, type NamedAddress, parseAddressList } from '../mail/address.js';

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** True for a valid RFC 5322 field name. */
export function isFieldName(name: string): boolean {
  return FIELD_NAME.test(name);
}

/** Removes anything that could end a header line. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\0]+/g, ' ');
}

function isAsciiPrintable(text: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(text);
}

/** Folds `Name: value` at white space to lines of at most 76 characters, CRLF-joined. */
export function foldField(name: string, value: string): string {
  const folded = libmime.foldLines(`${name}: ${value}`, 76, false).replace(/\r?\n/g, '\r\n');
  // Never fold right after the colon (a long first token): readers then see a leading space.
  return `${folded.replace(/^([^:\r\n]+):\r\n[ \t]/, '$1: ')}\r\n`;
}

/** An unstructured header (Subject, Comments, X-...): encoded words where needed. */
export function unstructuredField(name: string, text: string): string {
  // Leading and trailing white space is not part of a field body a reader sees (it is unfolded
  // and trimmed); an encoded word must not carry it either.
  const clean = oneLine(text).trim();
  let value: string;
  if (isAsciiPrintable(clean) && !/=\?/.test(clean) && !/\S{900}/.test(clean)) value = clean;
  // Text that looks like encoded words, or holds tokens too long to fold, goes as short B-words.
  else if (/\S{70}/.test(clean) || /=\?/.test(clean)) value = encodeBWords(clean);
  else value = libmime.encodeWords(clean, 'Q', 52, true);
  return foldField(name, value);
}

/** A kept raw header value: written as it came when its line breaks are all folds, else rebuilt from text. */
export function rawField(name: string, raw: string, text: string): string {
  const normalized = raw.replace(/\r?\n/g, '\r\n');
  const foldsOnly = !/\r\n(?![ \t])/.test(normalized) && !/[\r\n\0]/.test(normalized.replace(/\r\n/g, ''));
  if (foldsOnly && normalized.length > 0 && /^[\x00-\x7f]*$/.test(normalized)) {
    const v = normalized.startsWith(' ') || normalized.startsWith('\t') ? normalized.slice(1) : normalized;
    const line = `${name}: ${v}`;
    // Keep the sender's folding unless a line is over 78 characters; then fold again at white space.
    if (line.split('\r\n').every((l) => l.length <= 78)) return `${line}\r\n`;
    return foldField(name, v.replace(/\r\n(?=[ \t])/g, ''));
  }
  return unstructuredField(name, text);
}

function encodeDisplayName(name: string): string {
  if (name === '') return '';
  if (!isAsciiPrintable(name) || name.includes('=?') || /\S{70}/.test(name)) return encodeBWords(name);
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name) ? name : `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** Reads note entries: their text is already decoded, so quoted strings are taken literally. */
const LITERAL = { decodeQuoted: false } as const;

/** One mailbox for a header: `Name <local@domain>` with the name encoded or quoted as needed. */
function mailboxText(box: Pick<NamedAddress, 'name' | 'address'>): string {
  if (box.address === '') return encodeDisplayName(box.name);
  // No path is longer than 256 octets (RFC 5321 4.5.3.1.3): such an "address" cannot be sent.
  if (box.address.length > 254) return '';
  const name = encodeDisplayName(box.name);
  return name === '' ? box.address : `${name} <${box.address}>`;
}

/** A mailbox for a header; a Notes name becomes an Internet address (Domino's conversion). */
export function headerMailbox(entry: string, internetDomain: string | undefined): string {
  return entryTexts(entry, internetDomain)[0] ?? '';
}

/**
 * The header text of one list entry: a Notes name (converted), or what the entry holds read as
 * an address list: mailboxes, and groups written as groups (`Team: a@x, b@y;`,
 * `undisclosed-recipients:;`).
 */
function entryTexts(entry: string, internetDomain: string | undefined): string[] {
  const text = oneLine(entry).trim();
  if (text === '') return [];
  if (isNotesName(text)) {
    if (internetDomain === undefined) return [notesAddrSpec(text)];
    return [mailboxText(notesToInternet(parseNotesName(text), internetDomain))];
  }
  const list = parseAddressList(text, LITERAL);
  if (list.entries.length === 0) return [encodeDisplayName(text)];
  return list.entries.map((e) => {
    if (!isGroup(e)) return mailboxText(e);
    const members = e.members.map(mailboxText).filter((m) => m !== '');
    const phrase = encodeDisplayName(e.group);
    // An encoded word is separated from a special by white space (RFC 2047 5(3)).
    const sep = phrase.endsWith('?=') ? ' :' : ':';
    return `${phrase === '' ? '""' : phrase}${sep}${members.length === 0 ? '' : ' '}${members.join(', ')};`;
  });
}

/** How many mailboxes an entry holds (a Notes name is one). */
export function mailboxCount(entry: string): number {
  const text = oneLine(entry).trim();
  if (text === '') return 0;
  return isNotesName(text) ? 1 : parseAddressList(text, LITERAL).mailboxes.length;
}

/**
 * A Notes name without Internet domain, kept routable the Domino way: the hierarchical name as
 * a quoted local part and the last Domino domain as the domain (`"Daniel Nashed/NashCom/DE"@NashCom`).
 * A name without any domain becomes an empty group named after it, which is valid syntax.
 */
function notesAddrSpec(text: string): string {
  if (text.length > 254) return '';
  const at = text.lastIndexOf('@');
  const quote = (t: string): string => `"${t.replace(/(["\\])/g, '\\$1')}"`;
  if (at === -1) return `${quote(text)}:;`;
  return `${quote(text.slice(0, at))}@${text.slice(at + 1)}`;
}

/** An address-list header from text-list entries (one entry may hold several mailboxes or a group). */
export function addressField(
  name: string,
  entries: readonly string[],
  internetDomain: string | undefined,
): string {
  const texts = entries.flatMap((e) => entryTexts(e, internetDomain)).filter((x) => x !== '');
  return foldField(name, texts.join(', '));
}

/** A structured Content-* header from a value and parameters (RFC 2231 for non-ASCII parameters). */
export function structuredField(
  name: string,
  value: string,
  params: Readonly<Record<string, string>>,
): string {
  const clean: Record<string, string> = {};
  // An empty value would be written `name=`, which is not a value (RFC 2045 5.1): it says
  // nothing, so it is left out.
  for (const [k, v] of Object.entries(params))
    if (/^[a-z0-9._-]+$/i.test(k) && oneLine(v).trim() !== '') clean[k] = oneLine(v);
  return foldField(name, libmime.buildHeaderValue({ value: oneLine(value), params: clean }));
}
