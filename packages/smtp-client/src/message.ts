/**
 * The outbound message as a source of bytes: a fresh stream for each attempt, in bounded slices,
 * and what the transfer must know before MAIL FROM (its size, whether it has 8-bit octets).
 */
import { isAscii } from 'node:buffer';
import type { OutboundMessage } from './types.js';

/** Largest slice handed to the encoder at once, so a message in memory is never copied whole. */
const SLICE = 256 * 1024;

/** A fresh stream of the message's octets. */
export function openMessage(message: OutboundMessage): AsyncIterable<Uint8Array> {
  if (typeof message === 'function') return message();
  const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return slices(bytes);
}

async function* slices(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += SLICE)
    yield bytes.subarray(i, Math.min(i + SLICE, bytes.byteLength));
}

/** The message's bytes when it is held in memory (bytes or text), else undefined. */
export function messageBytes(message: OutboundMessage): Uint8Array | undefined {
  if (typeof message === 'function') return undefined;
  return typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
}

/** What a scan of the message found. */
export interface MessageFacts {
  /** Octets, when known (always for bytes and text; for a stream only when it was scanned). */
  readonly sizeBytes: number | undefined;
  /** True when an octet above 127 occurs; undefined when not scanned. */
  readonly eightBit: boolean | undefined;
}

/** True when any octet is above 127. */
export function hasEightBit(bytes: Uint8Array): boolean {
  // Node's native check (vectorised) instead of a loop over every octet of every transfer.
  return !isAscii(bytes);
}

/**
 * Size and 8-bit content. A stream is read once more only when `scanStream` is set (the body type
 * was not given): one extra pass, in bounded memory, instead of guessing.
 */
export async function inspectMessage(message: OutboundMessage, scanStream: boolean): Promise<MessageFacts> {
  const bytes = messageBytes(message);
  if (bytes !== undefined)
    return { sizeBytes: bytes.byteLength, eightBit: scanStream ? hasEightBit(bytes) : undefined };
  if (!scanStream) return { sizeBytes: undefined, eightBit: undefined };
  let size = 0;
  let eightBit = false;
  for await (const chunk of openMessage(message)) {
    size += chunk.byteLength;
    if (!eightBit && hasEightBit(chunk)) eightBit = true;
  }
  return { sizeBytes: size, eightBit };
}

/** True when the text has a character outside ASCII (an SMTPUTF8 address). */
export function isNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return true;
  return false;
}

/**
 * Line ends to CRLF without dot-stuffing, for BDAT (RFC 3030 sends the octets as they are, so
 * a 7bit/8bitmime message must already be canonical; bare CR and LF are completed here).
 */
export function createCrlfNormalizer(): { push(chunk: Uint8Array): Buffer; end(): Buffer } {
  let afterCr = false;
  return {
    push(chunk) {
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let pieces: Buffer[] | undefined;
      let from = 0;
      for (let i = 0; i < buf.length; i++) {
        const c = buf[i];
        if (afterCr) {
          afterCr = false;
          if (c === 10) continue;
          pieces ??= [];
          pieces.push(buf.subarray(from, i), LF);
          from = i;
        }
        if (c === 13) afterCr = true;
        else if (c === 10) {
          pieces ??= [];
          pieces.push(buf.subarray(from, i), CRLF);
          from = i + 1;
        }
      }
      if (pieces === undefined) return buf;
      pieces.push(buf.subarray(from));
      return Buffer.concat(pieces);
    },
    end() {
      return afterCr ? LF : EMPTY;
    },
  };
}

const LF = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * True when `bytes` can go after DATA as they are: every line ends in CRLF (no bare CR or LF) and
 * no line starts with a dot, so dot-stuffing would change nothing. Two native `indexOf` scans
 * per line instead of a loop over every octet; the DATA writer then skips the encoder's copy.
 */
export function needsNoStuffing(bytes: Uint8Array): boolean {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > 0 && buf[0] === 46) return false;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (i === 0 || buf[i - 1] !== 13) return false;
    if (i + 1 < buf.length && buf[i + 1] === 46) return false;
  }
  for (let i = buf.indexOf(13); i >= 0; i = buf.indexOf(13, i + 1)) {
    if (i + 1 >= buf.length || buf[i + 1] !== 10) return false;
  }
  return true;
}
