/**
 * A Note as JSON: the stored form of a delivered document. Items keep their names, types and
 * order; bytes (MIME part content, attachments) become base64 and dates ISO 8601 text, so the
 * document can be read back by any JSON reader.
 */
import type { Item, Note } from '@mailroute/itemizer';

/** One item of a stored document. */
export interface StoredItem {
  readonly name: string;
  readonly type: Item['type'];
  readonly value: unknown;
}

/** Plain JSON for a value that may hold Buffers and Dates. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return { base64: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

/** The items of a note as JSON values, in order. */
export function noteItems(note: Note): StoredItem[] {
  return note.items.map((item) => ({ name: item.name, type: item.type, value: plain(item.value) }));
}
