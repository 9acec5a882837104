/**
 * The document of items: Domino's model of a message. A {@link Note} is an ordered list of typed,
 * named items; names may repeat (Domino keeps one `Body` item per MIME part and one `Received`
 * item per header), and the order is the order of the message.
 */

import type { Defect } from '../defects.js';

/** One header field as it appeared, decoded for reading and kept raw for writing back. */
export interface HeaderField {
  /** Field name as written. */
  readonly name: string;
  /** Unfolded value with RFC 2047 words decoded. */
  readonly value: string;
  /** The value as it came (folding kept, undecoded), for an exact write-back. */
  readonly raw: string;
}

/** A MIME entity of the body, stored like Domino's TYPE_MIME_PART `Body` items (one per part, in tree order). */
export interface MimePart {
  /** Dotted path in the tree: "" is the message, "1.2" the second child of the first part. */
  readonly path: string;
  /** The part's own header fields, in order. */
  readonly headers: HeaderField[];
  /** Lower-case media type (`text/plain`); RFC 2045's default when missing or broken. */
  readonly mediaType: string;
  /** Content-Type parameters (RFC 2231 decoded). */
  readonly params: Readonly<Record<string, string>>;
  /** Content-Disposition value (`inline`, `attachment`) if any. */
  readonly disposition?: string;
  /** Content-Transfer-Encoding as declared, lower case ("" when absent). */
  readonly transferEncoding: string;
  /** For multiparts: the boundary. */
  readonly boundary?: string;
  /** For multiparts: preamble and epilogue bytes. */
  readonly preamble?: Buffer;
  readonly epilogue?: Buffer;
  /** Decoded body bytes of a leaf (absent when streamed to an attachment consumer or for containers). */
  readonly content?: Buffer;
  /** For text leaves that are not attachments: the content decoded to text. */
  readonly text?: string;
  /**
   * The charset used to decode `text` (the declared one when it was known, else the one detected
   * or the fallback); compare {@link MimePart.declaredCharset}.
   */
  readonly charset?: string;
  /** The `charset` parameter exactly as the part declared it (absent when it declared none). */
  readonly declaredCharset?: string;
  /**
   * The file name the part declared (Content-Disposition `filename`, else Content-Type `name`;
   * RFC 2231 and RFC 2047 decoded). {@link MimePart.attachment} is the unique `$FILE` name made from it.
   */
  readonly fileName?: string;
  /** The Content-ID header as written, angle brackets included (`<logo@example.com>`). */
  readonly contentId?: string;
  /** Decoded size in bytes. */
  readonly size: number;
  /** For attachments: the name of the `$FILE` item that holds it (the file name). */
  readonly attachment?: string;
}

/** A file attachment (Domino's `$FILE` item). */
export interface Attachment {
  /** File name (unique within the note). */
  readonly fileName: string;
  /** Media type. */
  readonly mediaType: string;
  /** Decoded size in bytes. */
  readonly size: number;
  /** The bytes, unless they were streamed to a consumer. */
  readonly content?: Buffer;
  /** True when the bytes went to an attachment consumer instead of the note. */
  readonly streamed: boolean;
  /** Path of the MIME part it came from ("" when it came from somewhere else, e.g. TNEF). */
  readonly part: string;
  /** Content-ID without angle brackets, if any. */
  readonly contentId?: string;
  /**
   * Where the builder reads the bytes of an attachment the note does not hold (`content` absent),
   * when it builds with `output: 'stream'`: called once per build. {@link composeNote} sets it for
   * attachments given as streams; a stream can be read once, so such a note builds once.
   */
  readonly open?: () => AsyncIterable<Uint8Array>;
}

/** The item types of a note (Domino's TYPE_TEXT, TYPE_TEXT_LIST, TYPE_TIME, TYPE_NUMBER, TYPE_RFC822_TEXT, TYPE_MIME_PART, $FILE). */
export type Item =
  | { readonly name: string; readonly type: 'text'; readonly value: string }
  | { readonly name: string; readonly type: 'textList'; readonly value: readonly string[] }
  | { readonly name: string; readonly type: 'dateTime'; readonly value: Date }
  | { readonly name: string; readonly type: 'number'; readonly value: number }
  | { readonly name: string; readonly type: 'rfc822Text'; readonly value: HeaderField }
  | { readonly name: string; readonly type: 'mimePart'; readonly value: MimePart }
  | { readonly name: string; readonly type: 'attachment'; readonly value: Attachment };

/** The type names of {@link Item}. */
export type ItemType = Item['type'];

/** Compares item names the way Domino does: case-insensitively. */
function same(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** A document of items with the defects met while making it. */
export class Note {
  /** The items, in order. */
  readonly items: Item[] = [];
  /** Defects recorded while parsing (empty for a clean message or a note built in code). */
  readonly defects: Defect[] = [];

  /** Appends an item. */
  add(item: Item): this {
    this.items.push(item);
    return this;
  }

  /** Replaces every item of that name by one item (appended where the first one was, or at the end). */
  set(item: Item): this {
    const at = this.items.findIndex((i) => same(i.name, item.name));
    const kept = this.items.filter((i) => !same(i.name, item.name));
    this.items.length = 0;
    this.items.push(...kept);
    this.items.splice(at === -1 ? this.items.length : at, 0, item);
    return this;
  }

  /** Removes every item of that name. */
  remove(name: string): this {
    const kept = this.items.filter((i) => !same(i.name, name));
    this.items.length = 0;
    this.items.push(...kept);
    return this;
  }

  /** The first item of that name. */
  get(name: string): Item | undefined {
    return this.items.find((i) => same(i.name, name));
  }

  /** Every item of that name, in order. */
  getAll(name: string): Item[] {
    return this.items.filter((i) => same(i.name, name));
  }

  /** True when an item of that name exists. */
  has(name: string): boolean {
    return this.items.some((i) => same(i.name, name));
  }

  /** The value of a text-like item as text (text, the first entry of a text list, an RFC 822 text's decoded value, a number). */
  text(name: string): string | undefined {
    const item = this.get(name);
    if (item === undefined) return undefined;
    switch (item.type) {
      case 'text':
        return item.value;
      case 'textList':
        return item.value[0];
      case 'rfc822Text':
        return item.value.value;
      case 'number':
        return String(item.value);
      case 'dateTime':
        return item.value.toISOString();
      default:
        return undefined;
    }
  }

  /** The values of a text-list item (a text item gives a one-entry list). */
  textList(name: string): string[] {
    const item = this.get(name);
    if (item === undefined) return [];
    if (item.type === 'textList') return [...item.value];
    const t = this.text(name);
    return t === undefined ? [] : [t];
  }

  /** The body's MIME parts in tree order. */
  parts(): MimePart[] {
    return this.items.flatMap((i) => (i.type === 'mimePart' ? [i.value] : []));
  }

  /** The attachments. */
  attachments(): Attachment[] {
    return this.items.flatMap((i) => (i.type === 'attachment' ? [i.value] : []));
  }
}
