/**
 * `X-Notes-Item` headers: how an item without a standard header travels when the note has
 * `$SMTPKeepNotesItems=1`, and how the receiving side turns it back into the same item.
 *
 * Format (one header per item): `X-Notes-Item: <value>; type=<type>; name=<name>`, where
 * `<value>` is the text (text list entries separated by ", "), and any entry or name that is not
 * plain printable ASCII without `,;"` is written as RFC 2047 B-encoded UTF-8 words (split so a
 * line can fold under 78 characters). `type` is omitted for text.
 */

import libmime from 'libmime';
import { encodeBWords } from '../entity/header-text.js';
import type { Item } from './note.js';

const SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function unsafe(text: string): boolean {
  return !SAFE.test(text) || /[,;"]/.test(text) || text.includes('=?');
}

function encodeEntry(text: string): string {
  if (text === '') return '""';
  return unsafe(text) ? encodeBWords(text) : text;
}

function decodeEntry(text: string): string {
  const t = text.trim();
  if (t === '""') return '';
  return t.includes('=?') ? libmime.decodeWords(t) : t;
}

/** The header value for an item, or `undefined` for types that never travel this way. */
export function encodeNotesItem(item: Item): string | undefined {
  let value: string;
  let type: string | undefined;
  switch (item.type) {
    case 'text':
      value = encodeEntry(item.value);
      break;
    case 'textList':
      value = item.value.map(encodeEntry).join(', ');
      type = 'textlist';
      break;
    case 'dateTime':
      value = item.value.toISOString();
      type = 'datetime';
      break;
    case 'number':
      value = String(item.value);
      type = 'number';
      break;
    default:
      return undefined;
  }
  const name = encodeEntry(item.name);
  return `${value}; ${type === undefined ? '' : `type=${type}; `}name=${name}`;
}

/** Reads an `X-Notes-Item` value (unfolded) back into an item; `undefined` when it is malformed. */
export function decodeNotesItem(headerValue: string): Item | undefined {
  const segments = headerValue.split(';');
  if (segments.length < 2) return undefined;
  const params = new Map<string, string>();
  for (const seg of segments.slice(1)) {
    const eq = seg.indexOf('=');
    if (eq === -1) continue;
    params.set(seg.slice(0, eq).trim().toLowerCase(), seg.slice(eq + 1).trim());
  }
  const rawName = params.get('name');
  if (rawName === undefined || rawName === '') return undefined;
  const name = decodeEntry(rawName.replace(/^"(.*)"$/, '$1'));
  const value = (segments[0] as string).trim();
  switch (params.get('type') ?? 'text') {
    case 'text':
      return { name, type: 'text', value: decodeEntry(value) };
    case 'textlist':
      return { name, type: 'textList', value: value === '' ? [] : value.split(',').map(decodeEntry) };
    case 'datetime': {
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? undefined : { name, type: 'dateTime', value: d };
    }
    case 'number': {
      const n = Number(value);
      return value === '' ? undefined : { name, type: 'number', value: n };
    }
    default:
      return undefined;
  }
}
