/**
 * The bodies a reader shows: the text/plain and text/html parts of a message, chosen the way mail
 * readers (and Python's `get_body`) choose them. In multipart/alternative the last alternative of
 * a kind wins (alternatives go from plainest to richest, RFC 2046 5.1.4); in multipart/related
 * only the start part counts (its `start` parameter, else the first part, RFC 2387); in other
 * multiparts the first one found wins. Attachments and embedded messages are never the body.
 */

import { type PartNode, partTree } from '../build/validate.js';
import type { MimePart, Note } from './note.js';

/** The text/plain and text/html parts a reader would show (either may be absent). */
export interface MessageBodies {
  readonly text?: MimePart;
  readonly html?: MimePart;
}

function find(node: PartNode, type: 'text/plain' | 'text/html'): MimePart | undefined {
  const part = node.part;
  if (node.children.length === 0) {
    if (part.attachment !== undefined || part.disposition === 'attachment') return undefined;
    return part.mediaType === type ? part : undefined;
  }
  if (part.mediaType.startsWith('message/')) return undefined;
  if (part.mediaType === 'multipart/alternative') {
    for (let i = node.children.length - 1; i >= 0; i--) {
      const hit = find(node.children[i] as PartNode, type);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (part.mediaType === 'multipart/related') {
    const start = part.params.start;
    const root =
      (start === undefined ? undefined : node.children.find((c) => c.part.contentId === start)) ??
      node.children[0];
    return root === undefined ? undefined : find(root, type);
  }
  for (const child of node.children) {
    const hit = find(child, type);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The text and html bodies of a note's MIME parts (or of a list of parts in tree order). */
export function messageBodies(source: Note | readonly MimePart[]): MessageBodies {
  const parts = Array.isArray(source) ? (source as readonly MimePart[]) : (source as Note).parts();
  let tree: PartNode | undefined;
  try {
    tree = partTree(parts);
  } catch {
    // Part records that are not a tree: read them in order, leaves only.
    tree = {
      part: {
        path: '',
        headers: [],
        mediaType: 'multipart/mixed',
        params: {},
        transferEncoding: '',
        size: 0,
      },
      children: parts
        .filter((p) => !p.mediaType.startsWith('multipart/'))
        .map((p) => ({ part: p, children: [] })),
    };
  }
  if (tree === undefined) return {};
  const text = find(tree, 'text/plain');
  const html = find(tree, 'text/html');
  return { ...(text === undefined ? {} : { text }), ...(html === undefined ? {} : { html }) };
}
