/**
 * What one recipient may see of the others. The envelope lists every recipient, Bcc ones
 * included; a copy in a mail file must not. Domino removes the `Recipients` item at delivery,
 * and a blind-copy recipient is never visible to the others: each copy keeps `BlindCopyTo` only
 * when it is a blind copy, and then names only its own recipient. The `Bcc` header fields of the
 * message itself (a client may send them, RFC 5322 3.6.3) are removed from every stored copy.
 */
import type { StoredItem } from './note-json.js';

/** The end of the header block (index of the empty line's first octet), or -1. */
function headerEnd(raw: Buffer): number {
  // No header fields at all: the message starts with the empty line.
  if (raw[0] === 10 || (raw[0] === 13 && raw[1] === 10)) return 0;
  for (let i = raw.indexOf(10); i >= 0 && i + 1 < raw.length; i = raw.indexOf(10, i + 1)) {
    const next = raw[i + 1];
    if (next === 10) return i + 1;
    if (next === 13 && raw[i + 2] === 10) return i + 1;
  }
  return -1;
}

/** Field names are compared case-insensitively (RFC 5322 1.2.2). */
function isBccLine(raw: Buffer, start: number): boolean {
  return (
    start + 4 <= raw.length &&
    (raw[start]! | 0x20) === 0x62 &&
    (raw[start + 1]! | 0x20) === 0x63 &&
    (raw[start + 2]! | 0x20) === 0x63 &&
    (raw[start + 3] === 0x3a || raw[start + 3] === 0x20 || raw[start + 3] === 0x09)
  );
}

/**
 * The message without its top-level `Bcc` header fields (with their folded lines); the same
 * buffer when it has none. The body and every other octet are left as they are.
 */
export function withoutBccHeader(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const limit = end < 0 ? raw.length : end;
  const keep: Buffer[] = [];
  let kept = 0;
  let dropping = false;
  let changed = false;
  for (let start = 0; start < limit; ) {
    const lf = raw.indexOf(10, start);
    const next = lf < 0 || lf >= limit ? limit : lf + 1;
    const folded = raw[start] === 0x20 || raw[start] === 0x09;
    if (!folded) dropping = isBccLine(raw, start);
    if (dropping) {
      changed = true;
      if (kept < start) keep.push(raw.subarray(kept, start));
      kept = next;
    }
    start = next;
  }
  if (!changed) return raw;
  keep.push(raw.subarray(kept));
  return Buffer.concat(keep);
}

/** The Body item's root part without its Bcc headers (the MIME part keeps the message's header list). */
function bodyWithoutBcc(item: StoredItem): StoredItem {
  const part = item.value as { path?: unknown; headers?: unknown } | null;
  if (item.type !== 'mimePart' || part === null || typeof part !== 'object' || part.path !== '') return item;
  if (!Array.isArray(part.headers)) return item;
  const headers = (part.headers as { name?: unknown }[]).filter(
    (h) => typeof h.name !== 'string' || h.name.toLowerCase() !== 'bcc',
  );
  return headers.length === part.headers.length ? item : { ...item, value: { ...part, headers } };
}

/**
 * The items one mail file may hold: no `Recipients`; `BlindCopyTo` only on a blind copy, naming
 * only `own` (the envelope recipients delivered into this mail file that were blind copies).
 */
export function itemsForCopy(items: readonly StoredItem[], ownBlind: readonly string[]): StoredItem[] {
  const out: StoredItem[] = [];
  for (const item of items) {
    if (item.name === 'Recipients') continue;
    if (item.name === 'BlindCopyTo') {
      if (ownBlind.length > 0) out.push({ ...item, value: [...ownBlind] });
      continue;
    }
    out.push(item.name === 'Body' ? bodyWithoutBcc(item) : item);
  }
  return out;
}

/**
 * The envelope recipients among `own` that are blind copies: listed in the itemizer's
 * `BlindCopyTo` (envelope recipients in neither To nor Cc, plus the Bcc header's).
 */
export function blindOnes(own: readonly string[], blindCopyTo: readonly string[]): string[] {
  const blind = blindCopyTo.map((b) => b.toLowerCase());
  return own.filter((r) => {
    const a = r.toLowerCase();
    return blind.some((b) => b === a || b.includes(`<${a}>`));
  });
}
