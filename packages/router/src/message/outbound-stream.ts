/**
 * A queued message as a stream for the transfer agent, without its Bcc fields: the header block
 * is collected (up to its blank line), rewritten, and sent; the body follows chunk by chunk as
 * the store gives it. Each call of the factory opens the body again (the agent calls it once per
 * host tried), so a large message is never held in memory whole.
 */
import { withoutBcc } from './bcc.js';

/** The header block never grows past this while it is looked for; past it the bytes go as they are. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** The offset just after the blank line ending the header block, or -1 while there is none. */
function blankLineEnd(bytes: Buffer): number {
  if (bytes[0] === 0x0a) return 1;
  if (bytes[0] === 0x0d && bytes[1] === 0x0a) return 2;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
    if (bytes[i + 1] === 0x0a) return i + 2;
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** A factory of fresh streams of `open()`'s bytes with the Bcc fields removed. */
export function bccFreeStream(open: () => AsyncIterable<Uint8Array>): () => AsyncIterable<Uint8Array> {
  return async function* stream(): AsyncIterable<Uint8Array> {
    let head: Buffer | undefined = Buffer.alloc(0);
    for await (const chunk of open()) {
      if (head === undefined) {
        yield chunk;
        continue;
      }
      head = Buffer.concat([head, chunk]);
      const end = blankLineEnd(head);
      if (end === -1 && head.length < MAX_HEADER_BYTES) continue;
      const cut = end === -1 ? head.length : end;
      yield withoutBcc(head.subarray(0, cut));
      if (cut < head.length) yield head.subarray(cut);
      head = undefined;
    }
    if (head !== undefined && head.length > 0) yield withoutBcc(head);
  };
}
