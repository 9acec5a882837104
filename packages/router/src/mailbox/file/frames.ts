/**
 * The journal's frames. A frame is one durable state change: a 16-byte header (magic, length of
 * the JSON meta, length of the body bytes, CRC-32 of both), the meta as UTF-8 JSON, then the bytes
 * of the small message bodies the change brings (an enqueue's body, a settlement's reports).
 *
 * A crash can leave the last frame half written; {@link readFrame} tells such a torn tail apart
 * from a whole frame by the lengths and the CRC, and recovery cuts it off.
 */
import { crc32 } from './crc32.js';

/** "MBOX": the first four bytes of every frame. */
export const FRAME_MAGIC = 0x4d424f58;
/** The header: magic, meta length, body length, CRC-32 (all big-endian u32). */
export const FRAME_HEADER_BYTES = 16;
/** The largest meta a frame may carry: a bound for reading damaged files. */
export const MAX_FRAME_META_BYTES = 64 * 1024 * 1024;

/** A frame ready to write: its buffers in order, and where its body bytes start. */
export interface EncodedFrame {
  readonly buffers: readonly Uint8Array[];
  readonly bytes: number;
  /** Offset of the first body byte from the start of the frame. */
  readonly bodyStart: number;
}

/** Encodes one frame; `bodies` follow the meta back to back. */
export function encodeFrame(meta: unknown, bodies: readonly Uint8Array[]): EncodedFrame {
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  if (metaBytes.length > MAX_FRAME_META_BYTES) throw new RangeError('frame meta too large');
  let bodyBytes = 0;
  let crc = crc32(metaBytes);
  for (const b of bodies) {
    bodyBytes += b.byteLength;
    crc = crc32(b, crc);
  }
  if (bodyBytes > 0xffffffff) throw new RangeError('frame body too large');
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(FRAME_MAGIC, 0);
  header.writeUInt32BE(metaBytes.length, 4);
  header.writeUInt32BE(bodyBytes, 8);
  header.writeUInt32BE(crc, 12);
  return {
    buffers: [header, metaBytes, ...bodies],
    bytes: FRAME_HEADER_BYTES + metaBytes.length + bodyBytes,
    bodyStart: FRAME_HEADER_BYTES + metaBytes.length,
  };
}

/** What {@link readFrame} found at an offset. */
export type FrameRead =
  | { readonly kind: 'frame'; readonly meta: unknown; readonly bodyStart: number; readonly end: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'torn'; readonly why: string };

/** Random access to a journal segment (a file, or a buffer in tests). */
export interface FrameSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/**
 * Reads the frame at `offset`: a whole frame, the clean end of the segment, or a torn or damaged
 * frame (bad magic, lengths past the end, CRC mismatch, meta that is not JSON).
 */
export async function readFrame(source: FrameSource, offset: number): Promise<FrameRead> {
  if (offset === source.size) return { kind: 'end' };
  if (offset + FRAME_HEADER_BYTES > source.size) return { kind: 'torn', why: 'short header' };
  const header = await source.read(offset, FRAME_HEADER_BYTES);
  if (header.readUInt32BE(0) !== FRAME_MAGIC) return { kind: 'torn', why: 'bad magic' };
  const metaLength = header.readUInt32BE(4);
  const bodyLength = header.readUInt32BE(8);
  if (metaLength > MAX_FRAME_META_BYTES) return { kind: 'torn', why: 'meta length out of range' };
  const end = offset + FRAME_HEADER_BYTES + metaLength + bodyLength;
  if (end > source.size) return { kind: 'torn', why: 'frame runs past the end' };
  const metaBytes = await source.read(offset + FRAME_HEADER_BYTES, metaLength);
  let crc = crc32(metaBytes);
  // The body is checked in slices, so a frame with large inline bodies needs no large buffer.
  const slice = 1024 * 1024;
  for (let at = 0; at < bodyLength; at += slice) {
    const part = await source.read(
      offset + FRAME_HEADER_BYTES + metaLength + at,
      Math.min(slice, bodyLength - at),
    );
    crc = crc32(part, crc);
  }
  if (crc !== header.readUInt32BE(12)) return { kind: 'torn', why: 'CRC mismatch' };
  let meta: unknown;
  try {
    meta = JSON.parse(metaBytes.toString('utf8'));
  } catch {
    return { kind: 'torn', why: 'meta is not JSON' };
  }
  return { kind: 'frame', meta, bodyStart: offset + FRAME_HEADER_BYTES + metaLength, end };
}

/** A {@link FrameSource} over bytes in memory. */
export function bufferSource(bytes: Buffer): FrameSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}
