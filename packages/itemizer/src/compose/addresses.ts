/**
 * Address options of the fields-level builder, checked and turned into the text-list entries a
 * note holds (`"Name" <local@domain>`, groups as `Team: a@x, b@y;`). Anything that is not one
 * clean mailbox is refused with a typed error; nothing is guessed.
 */

import { domainToASCII } from 'node:url';
import { ItemizerError } from '../errors.js';
import {
  formatGroup,
  formatMailbox,
  type Group,
  type NamedAddress,
  parseAddressList,
  quoteLocalPart,
} from '../mail/address.js';
import type { AddressInput, AddressListInput, GroupInput } from './fields.js';

const LITERAL = { decodeQuoted: false } as const;

function invalid(field: string, what: string, why: string): ItemizerError {
  return new ItemizerError('ITEMIZER_INVALID_ADDRESS', `${field}: "${what}" ${why}`);
}

const DOMAIN_LITERAL = /^\[[\x21-\x5a\x5e-\x7e]+\]$/;
const DOT_ATOM_DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** One mailbox, checked: one addr-spec, an ASCII local part, a host name (IDN to A-labels) or literal. */
export function mailboxOf(field: string, input: AddressInput): NamedAddress {
  if (
    typeof input !== 'string' &&
    (typeof input !== 'object' || input === null || typeof input.address !== 'string')
  )
    throw invalid(field, String(input), 'is not an address (a string or { name, address })');
  const text = typeof input === 'string' ? input : input.address;
  if (/[\r\n\0]/.test(text) || (typeof input !== 'string' && /[\r\n\0]/.test(input.name ?? '')))
    throw invalid(field, text, 'holds a line break');
  let local: string;
  let domain: string;
  let name: string;
  if (typeof input === 'string') {
    // Exactly one "@" outside quoted strings and comments: "a@x b@y" is two addresses glued
    // together, which the tolerant parser would read as one odd local part.
    const bare = text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\((?:[^()\\]|\\.)*\)/g, '');
    if ((bare.match(/@/g) ?? []).length !== 1) throw invalid(field, text, 'is not one mailbox');
    const list = parseAddressList(text, LITERAL);
    const box = list.mailboxes[0];
    if (!list.clean || list.entries.length !== 1 || box === undefined || box.group !== undefined)
      throw invalid(field, text, 'is not one mailbox');
    const at = box.address.lastIndexOf('@');
    if (at <= 0) throw invalid(field, text, 'has no local part and domain');
    local = box.address.slice(0, at);
    domain = box.address.slice(at + 1);
    name = box.name;
  } else {
    // The two halves are taken as they are: the local part is the text before the last "@"
    // (quoted on the wire when it is not a dot-atom), nothing is parsed out of it.
    const at = text.lastIndexOf('@');
    if (at <= 0) throw invalid(field, text, 'has no local part and domain');
    const raw = text.slice(0, at);
    const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
    local = quoteLocalPart(quoted === null ? raw : (quoted[1] as string).replace(/\\(.)/g, '$1'));
    domain = text.slice(at + 1);
    name = input.name ?? '';
    if (typeof name !== 'string') throw invalid(field, text, 'has a name that is not a string');
  }
  // No SMTPUTF8 here: a non-ASCII local part cannot be written in a header
  // without RFC 6532, which this builder does not produce.
  if (!/^[\x20-\x7e]+$/.test(local))
    throw invalid(field, text, 'has a non-ASCII local part (SMTPUTF8 is not written)');
  if (!DOMAIN_LITERAL.test(domain)) {
    const ascii = domainToASCII(domain);
    if (ascii === '' || !DOT_ATOM_DOMAIN.test(ascii)) throw invalid(field, text, 'has no valid domain');
    domain = ascii;
  }
  const address = `${local}@${domain}`;
  // No path is longer than 256 octets with its brackets (RFC 5321 4.5.3.1.3).
  if (address.length > 254) throw invalid(field, text, 'is longer than 254 characters');
  return { name, address };
}

function isGroupInput(x: AddressInput | GroupInput): x is GroupInput {
  return typeof x === 'object' && x !== null && 'group' in x;
}

/** The entries of an address option; groups allowed unless `mailboxesOnly` (From). */
export function addressEntries(
  field: string,
  input: AddressListInput | undefined,
  mailboxesOnly: boolean,
): (NamedAddress | Group)[] {
  if (input === undefined) return [];
  const list = (Array.isArray(input) ? input : [input]) as readonly (AddressInput | GroupInput)[];
  return list.flatMap((x): (NamedAddress | Group)[] => {
    if (isGroupInput(x)) {
      if (mailboxesOnly) throw invalid(field, x.group, 'is a group; this field takes mailboxes only');
      if (typeof x.group !== 'string' || x.group.trim() === '' || /[\r\n\0]/.test(x.group))
        throw invalid(field, String(x.group), 'is not a group name');
      if (x.members !== undefined && !Array.isArray(x.members))
        throw invalid(field, x.group, 'has members that are not a list');
      return [{ group: x.group, members: (x.members ?? []).map((m) => mailboxOf(field, m)) }];
    }
    // A string may hold a list ("a@x, b@y") as nodemailer accepts; each must be a clean mailbox.
    if (typeof x === 'string') {
      const parsed = parseAddressList(x, LITERAL);
      if (parsed.entries.length > 1 || parsed.entries.some((e) => 'members' in e)) {
        return parsed.entries.map((e) => {
          if ('members' in e) {
            if (mailboxesOnly) throw invalid(field, x, 'holds a group; this field takes mailboxes only');
            return { group: e.group, members: e.members.map((m) => mailboxOf(field, formatMailbox(m))) };
          }
          return mailboxOf(field, formatMailbox(e));
        });
      }
    }
    return [mailboxOf(field, x)];
  });
}

/** The text-list entries of a note item for these entries. */
export function entryTexts(entries: readonly (NamedAddress | Group)[]): string[] {
  return entries.map((e) => ('members' in e ? formatGroup(e) : formatMailbox(e)));
}
