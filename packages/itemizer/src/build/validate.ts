/**
 * Checks a note before anything is written: the MIME part records must form a tree and every
 * `$FILE` item must be reachable from a part (and every part's `$FILE` must exist), or mail would
 * be lost without a word. A note built in code gets a typed error naming what is wrong.
 */

import { ItemizerError } from '../errors.js';
import type { MimePart, Note } from '../note/note.js';
import type { BuildOptions } from './options.js';

/** A MIME part with its children, as the writer walks them. */
export interface PartNode {
  readonly part: MimePart;
  readonly children: PartNode[];
}

/** Dotted segments ("1.2"; TNEF conversion adds segments such as "2t1"). */
const PATH = /^(?:[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?$/;

function parentPath(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? '' : path.slice(0, dot);
}

function isContainer(part: MimePart): boolean {
  return part.mediaType.startsWith('multipart/') || part.mediaType.startsWith('message/');
}

/**
 * Rebuilds the tree from the parts' paths. Parts whose parent is missing hang under a synthetic
 * multipart/mixed root beside the root (nothing is dropped); a repeated path, a malformed path
 * or a part under a leaf is refused.
 */
export function partTree(parts: readonly MimePart[]): PartNode | undefined {
  if (parts.length === 0) return undefined;
  const nodes: PartNode[] = parts.map((part) => ({ part, children: [] }));
  const byPath = new Map<string, PartNode>();
  for (const node of nodes) {
    const path = node.part.path;
    if (typeof path !== 'string' || !PATH.test(path))
      throw new ItemizerError(
        'ITEMIZER_INVALID_PART',
        `MIME part path "${String(path)}" is not a dotted path`,
      );
    if (byPath.has(path))
      throw new ItemizerError('ITEMIZER_INVALID_PART', `two MIME parts have the path "${path}"`);
    byPath.set(path, node);
  }
  const root = byPath.get('');
  const orphans: PartNode[] = [];
  for (const node of nodes) {
    if (node === root) continue;
    const parent = byPath.get(parentPath(node.part.path));
    if (parent === undefined) {
      orphans.push(node);
      continue;
    }
    // A leaf's own bytes would be lost if it were written as a container of its children.
    if (
      !isContainer(parent.part) &&
      (parent.part.content !== undefined ||
        parent.part.attachment !== undefined ||
        parent.part.text !== undefined)
    )
      throw new ItemizerError(
        'ITEMIZER_INVALID_PART',
        `MIME part "${node.part.path}" is under "${parent.part.path}", a ${parent.part.mediaType} leaf with content`,
      );
    parent.children.push(node);
  }
  for (const node of nodes) {
    if (node.part.mediaType.startsWith('message/') && node.children.length > 1)
      throw new ItemizerError(
        'ITEMIZER_INVALID_PART',
        `the ${node.part.mediaType} part "${node.part.path}" has ${node.children.length} children; a message holds one`,
      );
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

/**
 * Checks the links between parts and `$FILE` items, and that every attachment's bytes can be
 * had in this output mode. Throws {@link ItemizerError}.
 */
export function validateNote(note: Note, options: BuildOptions): void {
  const parts = note.parts();
  const files = note.attachments();
  const byName = new Map(files.map((f) => [f.fileName.toLowerCase(), f]));
  const linked = new Set<string>();
  for (const part of parts) {
    if (part.attachment === undefined) continue;
    const file = byName.get(part.attachment.toLowerCase());
    if (file === undefined) {
      if (part.content !== undefined) continue; // the part holds its own bytes
      throw new ItemizerError(
        'ITEMIZER_MISSING_ATTACHMENT',
        `MIME part "${part.path}" refers to the attachment "${part.attachment}", which the note does not have`,
      );
    }
    linked.add(file.fileName.toLowerCase());
    const canStream = options.output === 'stream' && file.open !== undefined;
    if (
      part.content === undefined &&
      file.content === undefined &&
      options.loadAttachment === undefined &&
      !canStream
    )
      throw new ItemizerError(
        'ITEMIZER_MISSING_ATTACHMENT',
        `no bytes for attachment "${part.attachment}" (it was streamed; pass loadAttachment${file.open === undefined ? '' : ", or build with output: 'stream'"})`,
      );
  }
  for (const file of files) {
    if (linked.has(file.fileName.toLowerCase())) continue;
    throw new ItemizerError(
      'ITEMIZER_UNLINKED_ATTACHMENT',
      parts.length === 0
        ? `the attachment "${file.fileName}" has no MIME part and the note has no MIME body: it would be dropped (add Body MIME parts, one naming it in "attachment", or build from fields)`
        : `no MIME part refers to the attachment "${file.fileName}": it would be dropped`,
    );
  }
}
