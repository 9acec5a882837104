/**
 * The default {@link MailFiles}: each mail file is a folder; a delivery writes the raw copy
 * (`<queueId>.eml`) and the document of items (`<queueId>.json`: the itemizer's items, then
 * `DeliveredDate`, with the `Recipients` item removed and the folders it is in). Each file is
 * written to a temporary name, flushed, renamed into place, and the folder flushed, so a crash
 * leaves the old state or the new, and a repeated delivery replaces the same two files.
 * The layout is the gateway's mail-store layout, so its tools read both.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { failed, ok, type Result } from '@mailroute/envelope';
import { type Note, type ParseOptions, parseMessage } from '@mailroute/itemizer';
import { syncPath, writeFileDurably } from '../durable-files.js';
import type { LocalDelivery, MailFiles } from './mail-files.js';

/** The safe path segments of a mail file name: `..`, empty parts and odd characters never climb out. */
export function mailFileSegments(mailFile: string): string[] {
  const segments = mailFile
    .split(/[\\/]+/)
    .map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_'))
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .slice(0, 8);
  return segments.length > 0 ? segments : ['_'];
}

/** A value as JSON: bytes become base64, dates ISO 8601. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

/** The document stored beside the raw copy. */
export interface StoredMailDocument {
  readonly id: string;
  readonly mailFile: string;
  readonly owner: string;
  readonly recipients: readonly string[];
  readonly folders: readonly string[];
  readonly raw: string;
  readonly items: readonly { readonly name: string; readonly type: string; readonly value: unknown }[];
}

/** Options of {@link createFolderMailFiles}. */
export interface FolderMailFilesOptions {
  /**
   * How the itemizer reads a delivered copy: TNEF conversion (notes.ini `TNEFEnableConversion`,
   * `TNEFKeepAttachment`, `TNEFAttachRTF`), limits, the fallback charset. The envelope is the
   * delivery's own.
   */
  readonly parse?: Omit<ParseOptions, 'envelope'>;
}

/** The items of a delivered document: Domino's items at delivery. */
export async function deliveredNote(
  delivery: LocalDelivery,
  parse: Omit<ParseOptions, 'envelope'> = {},
): Promise<Note> {
  const note = await parseMessage(delivery.message, {
    ...parse,
    envelope: { mailFrom: delivery.mailFrom, recipients: delivery.recipients },
  });
  // Domino's router removes the envelope list at delivery; BlindCopyTo keeps what the copy shows.
  note.remove('Recipients');
  note.set({ name: 'DeliveredDate', type: 'dateTime', value: new Date(delivery.deliveredMs) });
  return note;
}

/** Mail files as folders under `root`. */
export function createFolderMailFiles(root: string, options: FolderMailFilesOptions = {}): MailFiles {
  const known = new Set<string>();
  return {
    async deliver(delivery: LocalDelivery): Promise<Result<void>> {
      const folder = join(root, ...mailFileSegments(delivery.mailFile));
      const id = delivery.queueId.replace(/[^A-Za-z0-9._-]/g, '_');
      try {
        if (!known.has(folder)) {
          await mkdir(folder, { recursive: true, mode: 0o700 });
          await syncPath(root).catch(() => {});
          known.add(folder);
        }
        const note = await deliveredNote(delivery, options.parse);
        const doc: StoredMailDocument = {
          id,
          mailFile: delivery.mailFile,
          owner: delivery.owner,
          recipients: delivery.recipients,
          folders: delivery.folders,
          raw: `${id}.eml`,
          items: note.items.map((i) => ({ name: i.name, type: i.type, value: plain(i.value) })),
        };
        // The raw copy first: the document points at it.
        await writeFileDurably(join(folder, `${id}.eml`), delivery.message);
        await writeFileDurably(join(folder, `${id}.json`), `${JSON.stringify(doc)}\n`);
        await syncPath(folder);
        return ok(undefined);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const permanent = code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR';
        return failed({
          code: 'ROUTER_MAIL_FILE_WRITE',
          message: `Could not write to mail file ${delivery.mailFile}: ${String((error as Error).message ?? error)}`,
          temporary: !permanent,
        });
      }
    },
  };
}
