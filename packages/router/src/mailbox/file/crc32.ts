/**
 * CRC-32 (the zlib/PNG polynomial) for journal frames: Node's native `zlib.crc32` where it exists
 * (Node 20.15 and later), else a table-driven one here, so the package still loads on an older
 * Node 20 (a named import of a missing builtin export would fail the whole module graph).
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;

/** The portable CRC-32, byte at a time over a 256-entry table. */
export function tableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of `data`, continuing from `value` (the CRC of what came before). */
export const crc32: Crc32 = native ? (data, value = 0) => native(data, value) : tableCrc32;
