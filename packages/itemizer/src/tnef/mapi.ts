/**
 * MAPI property lists inside TNEF attributes (MS-OXTNEF 2.1.3.5): attMsgProps and attAttachment
 * carry a count, then per property its type and id, a name for named properties, and the
 * value(s), each padded to 4 bytes. Every read is bounds-checked.
 */

/** A property value: numbers, bigints, strings, bytes; multi-valued properties give arrays. */
export type MapiValue = number | bigint | boolean | string | Buffer | Date;

/** One MAPI property. */
export interface MapiProperty {
  /** Property id (e.g. 0x3707 PR_ATTACH_LONG_FILENAME). */
  readonly id: number;
  /** Property type (e.g. 0x001f PT_UNICODE), without the multi-value flag. */
  readonly type: number;
  /** Named property: its GUID (hex) and numeric id or string name. */
  readonly named?: { readonly guid: string; readonly id?: number; readonly name?: string };
  readonly values: MapiValue[];
}

/** Property types (MS-OXCDATA 2.11.1). */
export const PT = {
  I2: 0x0002,
  LONG: 0x0003,
  R4: 0x0004,
  DOUBLE: 0x0005,
  CURRENCY: 0x0006,
  APPTIME: 0x0007,
  ERROR: 0x000a,
  BOOLEAN: 0x000b,
  OBJECT: 0x000d,
  I8: 0x0014,
  STRING8: 0x001e,
  UNICODE: 0x001f,
  SYSTIME: 0x0040,
  CLSID: 0x0048,
  BINARY: 0x0102,
} as const;

const MV_FLAG = 0x1000;

/** Thrown internally when a property list runs past its attribute. */
export class TnefBoundsError extends Error {}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length)
      throw new TnefBoundsError('MAPI property list runs past its attribute');
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  pad(): void {
    const r = this.pos % 4;
    if (r !== 0) this.pos = Math.min(this.buf.length, this.pos + 4 - r);
  }
}

function filetimeToDate(lo: number, hi: number): Date {
  const ticks = hi * 4294967296 + lo; // 100 ns since 1601-01-01
  return new Date(ticks / 10000 - 11644473600000);
}

function readValue(r: Reader, type: number, decode8: (b: Buffer) => string): MapiValue {
  switch (type) {
    case PT.I2: {
      const v = r.bytes(4).readInt16LE(0);
      return v;
    }
    case PT.LONG:
    case PT.ERROR:
      return r.bytes(4).readInt32LE(0);
    case PT.BOOLEAN:
      return r.bytes(4).readUInt16LE(0) !== 0;
    case PT.R4:
      return r.bytes(4).readFloatLE(0);
    case PT.DOUBLE:
    case PT.APPTIME:
      return r.bytes(8).readDoubleLE(0);
    case PT.CURRENCY:
    case PT.I8:
      return r.bytes(8).readBigInt64LE(0);
    case PT.SYSTIME: {
      const b = r.bytes(8);
      return filetimeToDate(b.readUInt32LE(0), b.readUInt32LE(4));
    }
    case PT.CLSID:
      return Buffer.from(r.bytes(16));
    case PT.STRING8:
    case PT.UNICODE:
    case PT.BINARY:
    case PT.OBJECT: {
      const len = r.u32();
      const data = r.bytes(len);
      r.pad();
      if (type === PT.UNICODE) return data.toString('utf16le').replace(/\0+$/, '');
      if (type === PT.STRING8) return decode8(data).replace(/\0+$/, '');
      return data;
    }
    default:
      throw new TnefBoundsError(`unknown MAPI property type 0x${type.toString(16)}`);
  }
}

const VARIABLE = new Set<number>([PT.STRING8, PT.UNICODE, PT.BINARY, PT.OBJECT]);

/** Reads a property list; throws {@link TnefBoundsError} when it is cut short or malformed. */
export function readMapiProperties(buf: Buffer, decode8: (b: Buffer) => string): MapiProperty[] {
  return readList(new Reader(buf), decode8);
}

/** Reads attRecipTable (MS-OXTNEF 2.1.3.4): a row count, then one property list per recipient. */
export function readRecipientTable(buf: Buffer, decode8: (b: Buffer) => string): MapiProperty[][] {
  const r = new Reader(buf);
  const rows = r.u32();
  if (rows > buf.length / 4) throw new TnefBoundsError('recipient count larger than the attribute');
  const out: MapiProperty[][] = [];
  for (let i = 0; i < rows; i++) out.push(readList(r, decode8));
  return out;
}

function readList(r: Reader, decode8: (b: Buffer) => string): MapiProperty[] {
  const buf = r.buf;
  const count = r.u32();
  // Each property takes at least 8 bytes: a count larger than that is a lie (oom.tnef).
  if (count > buf.length / 4) throw new TnefBoundsError('MAPI property count larger than the attribute');
  const props: MapiProperty[] = [];
  for (let i = 0; i < count; i++) {
    const fullType = r.u16();
    const id = r.u16();
    let named: MapiProperty['named'];
    if (id >= 0x8000) {
      const guid = r.bytes(16).toString('hex');
      const kind = r.u32();
      if (kind === 0) named = { guid, id: r.u32() };
      else {
        const len = r.u32();
        const name = r.bytes(len).toString('utf16le').replace(/\0+$/, '');
        r.pad();
        named = { guid, name };
      }
    }
    const type = fullType & ~MV_FLAG;
    const multi = (fullType & MV_FLAG) !== 0 || VARIABLE.has(type);
    const n = multi ? r.u32() : 1;
    if (n > (buf.length - r.pos) / 4 + 1)
      throw new TnefBoundsError('MAPI value count larger than the attribute');
    const values: MapiValue[] = [];
    for (let k = 0; k < n; k++) values.push(readValue(r, type, decode8));
    props.push(named === undefined ? { id, type, values } : { id, type, named, values });
  }
  return props;
}

/** The first value of a property by id. */
export function prop(props: readonly MapiProperty[], id: number): MapiValue | undefined {
  return props.find((p) => p.id === id && p.named === undefined)?.values[0];
}
