/**
 * Writes the body: the note's MIME parts (its `Body` items) as a MIME tree, or a text part
 * made from a plain `Body` text item. Produces chunks, so a large attachment is encoded slice
 * by slice into a stream.
 */

import { createHash } from 'node:crypto';
import { encodeText } from '../entity/charset.js';
import type { Attachment, MimePart, Note } from '../note/note.js';
import { chooseEncoding, encodeBase64Lines, encodeQuotedPrintable } from './encode.js';
import { isFieldName, rawField, structuredField } from './headers.js';
import type { BuildOptions } from './options.js';

interface Node {
  part: MimePart;
  children: Node[];
}

function parentPath(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? '' : path.slice(0, dot);
}

/** Rebuilds the tree from the parts' paths; parts without a parent hang under a synthetic multipart/mixed root. */
export function partTree(parts: readonly MimePart[]): Node | undefined {
  if (parts.length === 0) return undefined;
  const nodes: Node[] = parts.map((part) => ({ part, children: [] }));
  const byPath = new Map<string, Node>();
  for (const node of nodes) if (!byPath.has(node.part.path)) byPath.set(node.part.path, node);
  const root = byPath.get('');
  const orphans: Node[] = [];
  for (const node of nodes) {
    if (node === root) continue;
    const parent = node.part.path === '' ? undefined : byPath.get(parentPath(node.part.path));
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else orphans.push(node);
  }
  if (root !== undefined && orphans.length === 0) return root;
  const mixed: MimePart = {
    path: '',
    headers: [],
    mediaType: 'multipart/mixed',
    params: {},
    transferEncoding: '',
    size: 0,
  };
  return { part: mixed, children: root === undefined ? orphans : [root, ...orphans] };
}

const OWN_HEADERS = new Set([
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'mime-version',
]);

/** Context shared while writing one message. */
export interface WriteContext {
  readonly note: Note;
  readonly options: BuildOptions;
  readonly seed: string;
  boundaries: number;
}

function boundaryFor(ctx: WriteContext): string {
  ctx.boundaries++;
  // "=_" never occurs in base64 or quoted-printable output; a 7bit part would have to contain
  // this SHA-256-derived string at the start of a line to collide.
  const h = createHash('sha256').update(`${ctx.seed}/${ctx.boundaries}`).digest('hex').slice(0, 24);
  return `=_mr_${h}_${ctx.boundaries}`;
}

function attachmentBytes(ctx: WriteContext, part: MimePart): Buffer {
  if (part.content !== undefined) return part.content;
  const file = ctx.note.attachments().find((a) => a.fileName === part.attachment) as Attachment | undefined;
  const bytes = file?.content ?? (file === undefined ? undefined : ctx.options.loadAttachment?.(file));
  if (bytes === undefined) {
    throw new Error(
      `itemizer: no bytes for attachment "${part.attachment ?? part.path}" (it was streamed; pass loadAttachment)`,
    );
  }
  return bytes;
}

function leafBytes(ctx: WriteContext, part: MimePart): { bytes: Buffer; charset?: string } {
  if (part.attachment !== undefined) return { bytes: attachmentBytes(ctx, part) };
  if (part.content !== undefined)
    return part.charset !== undefined
      ? { bytes: part.content, charset: part.params.charset ?? part.charset }
      : { bytes: part.content };
  if (part.text !== undefined) return { bytes: encodeText(part.text, 'utf-8'), charset: 'utf-8' };
  return { bytes: Buffer.alloc(0) };
}

function* otherHeaders(part: MimePart): Generator<string> {
  for (const h of part.headers) {
    const lower = h.name.toLowerCase();
    if (OWN_HEADERS.has(lower) || !isFieldName(h.name)) continue;
    yield rawField(h.name, h.raw, h.value);
  }
}

/** Writes one entity; for the root only its Content-* headers (the rest come from the items). */
export function* writeEntity(ctx: WriteContext, node: Node, isRoot: boolean): Generator<string | Buffer> {
  const part = node.part;
  const head: string[] = [];
  if (!isRoot) head.push(...otherHeaders(part));
  else head.push(...[...otherHeaders(part)].filter((h) => /^content-/i.test(h)));
  const params: Record<string, string> = { ...part.params };
  delete params.boundary;
  if (
    (part.mediaType === 'message/rfc822' || part.mediaType === 'message/global') &&
    part.attachment === undefined
  ) {
    head.push(structuredField('Content-Type', part.mediaType, params));
    yield `${head.join('')}\r\n`;
    // The nested message: all its own headers, then its body.
    for (const child of node.children) yield* writeEntity(ctx, child, false);
    return;
  }
  if (
    node.children.length > 0 ||
    (part.mediaType.startsWith('multipart/') && part.attachment === undefined)
  ) {
    const boundary = boundaryFor(ctx);
    const type = part.mediaType.startsWith('multipart/') ? part.mediaType : 'multipart/mixed';
    head.push(structuredField('Content-Type', type, { ...params, boundary }));
    yield `${head.join('')}\r\n`;
    for (const child of node.children) {
      yield `--${boundary}\r\n`;
      yield* writeEntity(ctx, child, false);
      yield '\r\n';
    }
    yield `--${boundary}--\r\n`;
    return;
  }
  const { bytes, charset } = leafBytes(ctx, part);
  // A container kept unparsed (over the depth limit) goes out as opaque bytes.
  const mediaType = part.mediaType.startsWith('multipart/') ? 'application/octet-stream' : part.mediaType;
  const isText = part.mediaType.startsWith('text/') && part.attachment === undefined;
  if (charset !== undefined && isText) params.charset = charset;
  if (part.attachment !== undefined) params.name = part.attachment;
  head.push(structuredField('Content-Type', mediaType, params));
  if (part.attachment !== undefined || part.disposition !== undefined) {
    const disp = part.disposition ?? 'attachment';
    head.push(
      structuredField(
        'Content-Disposition',
        disp,
        part.attachment === undefined ? {} : { filename: part.attachment },
      ),
    );
  }
  const encoding = chooseEncoding(bytes, isText);
  head.push(`Content-Transfer-Encoding: ${encoding}\r\n`);
  yield `${head.join('')}\r\n`;
  if (encoding === 'base64') yield* encodeBase64Lines(bytes);
  else if (encoding === 'quoted-printable') yield encodeQuotedPrintable(bytes);
  else yield bytes;
}
