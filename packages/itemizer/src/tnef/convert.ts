/**
 * TNEF conversion inside a parsed note (notes.ini TNEFEnableConversion): each winmail.dat
 * attachment is replaced by the attachments and body it holds. TNEFKeepAttachment keeps the
 * original too, TNEFAttachRTF adds the RTF body as `message_body.rtf`, TNEFBreakSMIME decides
 * about signed mail. A TNEF part that is not TNEF or is cut short is kept as it came, with defects.
 */

import type { DefectLog } from '../defects.js';
import type { Attachment, Item, MimePart, Note } from '../note/note.js';
import { decodeTnef } from './decode.js';
import type { TnefOptions } from './options.js';
import { tnefContent } from './to-parts.js';

/** True for an attachment that is a TNEF stream. */
export function isTnefAttachment(a: Pick<Attachment, 'mediaType' | 'fileName'>): boolean {
  return (
    a.mediaType === 'application/ms-tnef' ||
    a.mediaType === 'application/vnd.ms-tnef' ||
    /^winmail\.dat$/i.test(a.fileName)
  );
}

function siblingPath(path: string, n: number): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? `${path}t${n}` : `${path.slice(0, dot)}.${path.slice(dot + 1)}t${n}`;
}

/** Converts every TNEF attachment of the note in place. */
export function convertTnefParts(note: Note, opts: TnefOptions, defects: DefectLog): void {
  const root = note.parts()[0];
  const signed =
    root !== undefined && /^(multipart\/signed|application\/(x-)?pkcs7-mime)$/.test(root.mediaType);
  const used = new Set(note.attachments().map((a) => a.fileName.toLowerCase()));
  for (const fileItem of note.items.filter((i) => i.type === 'attachment')) {
    if (fileItem.type !== 'attachment') continue;
    const att = fileItem.value;
    if (!isTnefAttachment(att) || att.content === undefined) continue;
    if (signed && !opts.breakSmime) {
      defects.add(
        'tnef-smime-untouched',
        'TNEF inside S/MIME-signed mail left alone (TNEFBreakSMIME=0)',
        att.part,
      );
      continue;
    }
    const msg = decodeTnef(att.content, opts);
    for (const d of msg.defects) defects.add(d.code, d.message, att.part);
    const damaged =
      !msg.valid || msg.defects.some((d) => d.code === 'tnef-invalid' || d.code === 'tnef-truncated');
    if (damaged) continue;
    if (signed)
      defects.add(
        'smime-signature-broken',
        'TNEF converted inside signed mail; the signature no longer verifies',
        '',
      );
    let n = 0;
    const { parts: newParts, files: newFiles } = tnefContent(
      msg,
      () => siblingPath(att.part, ++n),
      used,
      opts.attachRtf,
    );
    const partIndex = note.items.findIndex((i) => i.type === 'mimePart' && i.value.path === att.part);
    const fileIndex = note.items.indexOf(fileItem);
    if (att.part === '' && partIndex !== -1) {
      // The whole message is the winmail.dat: a multipart/mixed root now holds what it carried.
      replaceRoot(note, partIndex, fileIndex, opts.keepAttachment, newParts, newFiles);
      continue;
    }
    // Files come after parts, so splice the later index first.
    if (opts.keepAttachment) {
      note.items.splice(fileIndex + 1, 0, ...newFiles);
      if (partIndex !== -1) note.items.splice(partIndex + 1, 0, ...newParts);
    } else {
      note.items.splice(fileIndex, 1, ...newFiles);
      if (partIndex !== -1) note.items.splice(partIndex, 1, ...newParts);
    }
  }
}

function replaceRoot(
  note: Note,
  partIndex: number,
  fileIndex: number,
  keep: boolean,
  newParts: Item[],
  newFiles: Item[],
): void {
  const rootItem = note.items[partIndex] as Item;
  const fileItem = note.items[fileIndex] as Item;
  if (rootItem.type !== 'mimePart' || fileItem.type !== 'attachment') return;
  const old = rootItem.value;
  const root: MimePart = {
    path: '',
    headers: old.headers.filter((h) => !/^content-/i.test(h.name)),
    mediaType: 'multipart/mixed',
    params: {},
    transferEncoding: '',
    size: 0,
  };
  const moved: MimePart = {
    ...old,
    path: 't0',
    headers: old.headers.filter((h) => /^content-/i.test(h.name)),
  };
  note.items.splice(
    fileIndex,
    1,
    ...(keep ? [{ ...fileItem, value: { ...fileItem.value, part: 't0' } }] : []),
    ...newFiles,
  );
  note.items.splice(
    partIndex,
    1,
    { name: 'Body', type: 'mimePart', value: root },
    ...(keep ? [{ ...rootItem, value: moved }] : []),
    ...newParts,
  );
}
