/**
 * Compressed RTF (MS-OXRTFCP): PR_RTF_COMPRESSED holds a 16-byte header (compressed size, raw
 * size, "LZFu" or "MELA", CRC-32) and an LZ77 stream over a 4 KiB ring dictionary preloaded
 * with a fixed RTF prefix.
 */

/** The dictionary preload (MS-OXRTFCP 3.1.3.1), 207 bytes. */
const PRELOAD = Buffer.from(
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx',
  'latin1',
);

const COMPRESSED = 0x75465a4c; // "LZFu"
const UNCOMPRESSED = 0x414c454d; // "MELA"

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC of MS-OXRTFCP 3.1.3.2 (CRC-32 table, initial value 0, no final inversion). */
export function rtfCrc(data: Buffer): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++)
    crc = ((CRC_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8)) >>> 0;
  return crc >>> 0;
}

/** Result of decompressing; `problem` says what was wrong (the output is what could be read). */
export interface RtfResult {
  readonly rtf: Buffer;
  readonly problem?: string;
}

/** Decompresses PR_RTF_COMPRESSED bytes. Never throws; output is capped by what the input can expand to. */
export function decompressRtf(buf: Buffer): RtfResult {
  if (buf.length < 16) return { rtf: Buffer.alloc(0), problem: 'compressed RTF shorter than its header' };
  const compSize = buf.readUInt32LE(0);
  const rawSize = buf.readUInt32LE(4);
  const type = buf.readUInt32LE(8);
  const crc = buf.readUInt32LE(12);
  let problem: string | undefined;
  let end = 4 + compSize;
  if (end > buf.length || end < 16) {
    problem = 'compressed RTF size field exceeds the data';
    end = buf.length;
  }
  if (type === UNCOMPRESSED) {
    return {
      rtf: Buffer.from(buf.subarray(16, Math.min(end, 16 + rawSize))),
      ...(problem ? { problem } : {}),
    };
  }
  if (type !== COMPRESSED) return { rtf: Buffer.alloc(0), problem: 'unknown compressed RTF type' };
  if (problem === undefined && rtfCrc(buf.subarray(16, end)) !== crc) problem = 'compressed RTF CRC mismatch';
  // Each control byte plus 8 references (17 input bytes) yields at most 8 * 17 output bytes.
  const cap = Math.min(rawSize, (end - 16) * 8 + 16);
  const out = Buffer.allocUnsafe(cap);
  let n = 0;
  const dict = new Uint8Array(4096);
  dict.set(PRELOAD);
  let wpos = PRELOAD.length;
  let pos = 16;
  let done = false;
  while (pos < end && !done) {
    const ctrl = buf[pos++] as number;
    for (let bit = 0; bit < 8 && !done; bit++) {
      if (pos >= end) {
        done = true;
        break;
      }
      if (ctrl & (1 << bit)) {
        if (pos + 1 >= end) {
          problem ??= 'compressed RTF ends inside a reference';
          done = true;
          break;
        }
        const ref = ((buf[pos] as number) << 8) | (buf[pos + 1] as number);
        pos += 2;
        const off = ref >> 4;
        const len = (ref & 0xf) + 2;
        if (off === wpos) {
          done = true;
          break;
        }
        for (let i = 0; i < len; i++) {
          const b = dict[(off + i) & 0xfff] as number;
          if (n < cap) out[n++] = b;
          dict[wpos] = b;
          wpos = (wpos + 1) & 0xfff;
        }
      } else {
        const b = buf[pos++] as number;
        if (n < cap) out[n++] = b;
        dict[wpos] = b;
        wpos = (wpos + 1) & 0xfff;
      }
    }
  }
  const rtf = out.subarray(0, n);
  if (n < rawSize && problem === undefined) problem = 'compressed RTF shorter than its declared size';
  return problem === undefined ? { rtf } : { rtf, problem };
}
