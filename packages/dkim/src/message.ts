import { asciiLower, type RawHeaderField } from './canonical/header.js';

/** Raised when a header block exceeds the configured bound; a message, not a crash. */
export class HeaderTooLargeError extends Error {
  constructor(limit: number) {
    super(`header block larger than ${limit} bytes`);
    this.name = 'HeaderTooLargeError';
  }
}

/**
 * Splits a message arriving in chunks into its header fields and its body. The header block is
 * buffered (bounded by `maxHeaderBytes`, because an endless header would otherwise grow memory
 * without limit); body bytes are handed straight through.
 */
export class MessageSplitter {
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #tail: Buffer = EMPTY;
  #headers: RawHeaderField[] | undefined;

  constructor(maxHeaderBytes: number) {
    this.#max = maxHeaderBytes;
  }

  /** The header fields, in message order, once the header block has ended. */
  get headers(): RawHeaderField[] | undefined {
    return this.#headers;
  }

  /** Feeds a chunk; returns the part of it that belongs to the body (empty while in the header). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#headers) return chunk;
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Search only the new bytes, plus the last three kept ones (an empty line may straddle chunks),
    // so a header dripping in byte by byte costs linear, not quadratic, time.
    const tail = this.#tail;
    const probe = tail.length === 0 ? view : Buffer.concat([tail, view]);
    const probeAt = this.#pendingLength - tail.length; // message offset of probe[0]
    const end = findHeaderEnd(probe, probeAt === 0);
    if (end === undefined) {
      if (this.#pendingLength + view.length > this.#max) throw new HeaderTooLargeError(this.#max);
      // Keep a copy: the caller may reuse its buffer for the next chunk.
      this.#pending.push(Buffer.from(view));
      this.#pendingLength += view.length;
      this.#tail = Buffer.from(probe.subarray(Math.max(0, probe.length - 3)));
      return new Uint8Array(0);
    }
    const headerEnd = probeAt + end.headerEnd;
    if (headerEnd > this.#max) throw new HeaderTooLargeError(this.#max);
    // Common case: the whole header block is in the first chunk, and nothing was copied or kept.
    const all = this.#pendingLength === 0 ? view : Buffer.concat([...this.#pending, view]);
    this.#headers = parseHeaderBlock(all.toString('latin1', 0, headerEnd));
    this.#pending = [];
    this.#pendingLength = 0;
    this.#tail = EMPTY;
    return all.subarray(probeAt + end.bodyStart);
  }

  /** Ends the input: a message with no empty line is all header and an empty body. */
  end(): RawHeaderField[] {
    if (!this.#headers) {
      const all = Buffer.concat(this.#pending);
      this.#headers = parseHeaderBlock(all.toString('latin1'));
      this.#pending = [];
    }
    return this.#headers;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Finds the empty line ending the header block in `buf`: headerEnd excludes the last field's line
 * end. `atStart` says buf begins the message, where an empty first line means no header fields.
 */
function findHeaderEnd(buf: Buffer, atStart: boolean): { headerEnd: number; bodyStart: number } | undefined {
  if (atStart) {
    if (buf[0] === 0x0a) return { headerEnd: 0, bodyStart: 1 };
    if (buf[0] === 0x0d && buf[1] === 0x0a) return { headerEnd: 0, bodyStart: 2 };
  }
  let i = buf.indexOf(0x0a);
  while (i !== -1) {
    const next = buf[i + 1];
    if (next === 0x0a) return { headerEnd: i + 1, bodyStart: i + 2 };
    if (next === 0x0d && buf[i + 2] === 0x0a) return { headerEnd: i + 1, bodyStart: i + 3 };
    i = buf.indexOf(0x0a, i + 1);
  }
  return undefined;
}

/**
 * Parses a header block (latin1 text) into fields. Continuation lines join the field above with
 * CRLF. A line that is neither a field nor a continuation (no colon) is dropped: it cannot be
 * selected by name, so it cannot be signed.
 */
export function parseHeaderBlock(text: string): RawHeaderField[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const fields: RawHeaderField[] = [];
  let current: string | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      const name = current.slice(0, colon).replace(/[ \t]+$/, '');
      if (name.length > 0 && !/[ \t]/.test(name)) fields.push({ name, key: asciiLower(name), raw: current });
    }
    current = undefined;
  };
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== undefined) {
      current += `\r\n${line}`;
    } else {
      flush();
      current = line;
    }
  }
  flush();
  return fields;
}

/** Turns any message input into an async sequence of chunks. */
export async function* chunksOf(
  message: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (typeof message === 'string') yield Buffer.from(message, 'utf8');
  else if (message instanceof Uint8Array) yield message;
  else yield* message;
}
