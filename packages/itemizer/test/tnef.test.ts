// TNEF (MS-OXTNEF), compressed RTF (MS-OXRTFCP) and Domino's TNEF switches, on streams built here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTnef, parseMessage } from '../src/index.js';
import { decompressRtf } from '../src/tnef/rtf.js';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

function attribute(level: number, id: number, data: Buffer, badChecksum = false): Buffer {
  let sum = 0;
  for (const x of data) sum += x;
  return Buffer.concat([
    Buffer.from([level]),
    u32(id),
    u32(data.length),
    data,
    u16((sum + (badChecksum ? 1 : 0)) & 0xffff),
  ]);
}

type Prop = { type: number; id: number; value: Buffer };
function props(list: Prop[]): Buffer {
  const parts = [u32(list.length)];
  for (const p of list) {
    parts.push(u16(p.type), u16(p.id));
    if ([0x1e, 0x1f, 0x102, 0x0d].includes(p.type)) parts.push(u32(1), u32(p.value.length), pad4(p.value));
    else parts.push(pad4(p.value));
  }
  return Buffer.concat(parts);
}
const unicode = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf16le');
const string8 = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc(data: Buffer): number {
  let c = 0;
  for (const x of data) c = ((CRC_TABLE[(c ^ x) & 0xff] as number) ^ (c >>> 8)) >>> 0;
  return c;
}
function lzfu(body: Buffer, rawSize: number): Buffer {
  return Buffer.concat([
    u32(body.length + 12),
    u32(rawSize),
    Buffer.from('LZFu', 'latin1'),
    u32(crc(body)),
    body,
  ]);
}

/** "{\rtf1" from the preloaded dictionary, four literals, then the end marker. */
const RTF_STREAM = lzfu(
  Buffer.from([0x21, 0x00, 0x04, 0x20, 0x68, 0x69, 0x7d, (217 << 4) >> 8, (217 << 4) & 0xff]),
  10,
);

function tnef(options: { badChecksum?: boolean; truncate?: number } = {}): Buffer {
  const stream = Buffer.concat([
    u32(0x223e9f78),
    u16(0x0001),
    attribute(1, 0x00089006, u32(0x00010000)),
    attribute(1, 0x00078008, string8('IPM.Microsoft Mail.Note')),
    attribute(
      1,
      0x00069003,
      props([
        { type: 0x1e, id: 0x1000, value: string8('Plain body') },
        { type: 0x102, id: 0x1009, value: RTF_STREAM },
      ]),
      options.badChecksum,
    ),
    attribute(2, 0x00069002, Buffer.alloc(14)),
    attribute(2, 0x00018010, string8('GROSSE~1.TXT')),
    attribute(2, 0x0006800f, Buffer.from('attachment one')),
    attribute(
      2,
      0x00069005,
      props([
        { type: 0x1f, id: 0x3707, value: unicode('Größe.txt') },
        { type: 0x1e, id: 0x370e, value: string8('text/plain') },
        { type: 0x03, id: 0x3705, value: u32(1) },
      ]),
    ),
    attribute(2, 0x00069002, Buffer.alloc(14)),
    attribute(2, 0x00018010, string8('d\xf6c.bin')),
    attribute(2, 0x0006800f, Buffer.from([1, 2, 3])),
  ]);
  return options.truncate === undefined ? stream : stream.subarray(0, stream.length - options.truncate);
}

describe('decodeTnef', () => {
  it('reads attachments with long Unicode names, MIME tags, CP1252 titles, and the bodies', () => {
    const msg = decodeTnef(tnef());
    assert.equal(msg.valid, true);
    assert.deepEqual(msg.defects, []);
    assert.equal(msg.messageClass, 'IPM.Microsoft Mail.Note');
    assert.deepEqual(
      msg.attachments.map((a) => [a.fileName, a.mediaType, a.data.toString('latin1')]),
      [
        ['Größe.txt', 'text/plain', 'attachment one'],
        ['döc.bin', undefined, '\x01\x02\x03'],
      ],
    );
    assert.equal(msg.bodyText, 'Plain body');
    assert.equal(msg.bodyRtf?.toString('latin1'), '{\\rtf1 hi}');
  });

  it('records a bad attribute checksum and still decodes', () => {
    const msg = decodeTnef(tnef({ badChecksum: true }));
    assert.deepEqual(
      msg.defects.map((d) => d.code),
      ['tnef-checksum'],
    );
    assert.equal(msg.attachments.length, 2);
    assert.equal(decodeTnef(tnef({ badChecksum: true }), { verifyChecksums: false }).defects.length, 0);
  });

  it('records truncation and keeps what was read', () => {
    const msg = decodeTnef(tnef({ truncate: 4 }));
    assert.deepEqual(
      msg.defects.map((d) => d.code),
      ['tnef-truncated'],
    );
    assert.equal(msg.attachments.length, 2);
  });

  it('rejects a stream without the signature', () => {
    const msg = decodeTnef(Buffer.from('not tnef at all'));
    assert.equal(msg.valid, false);
    assert.deepEqual(
      msg.defects.map((d) => d.code),
      ['tnef-invalid'],
    );
  });

  it('bounds lying property counts (no huge allocation)', () => {
    const lie = Buffer.concat([
      u32(0x223e9f78),
      u16(1),
      attribute(1, 0x00069003, Buffer.concat([u32(0x7fffffff), u32(0)])),
    ]);
    assert.deepEqual(
      decodeTnef(lie).defects.map((d) => d.code),
      ['tnef-truncated'],
    );
  });
});

describe('compressed RTF', () => {
  it('decompresses references into the preloaded dictionary and literals', () => {
    assert.deepEqual(decompressRtf(RTF_STREAM), { rtf: Buffer.from('{\\rtf1 hi}', 'latin1') });
  });
  it('reports a CRC mismatch', () => {
    const bad = Buffer.from(RTF_STREAM);
    bad[12] = (bad[12] as number) ^ 1;
    assert.equal(decompressRtf(bad).problem, 'compressed RTF CRC mismatch');
  });
  it('passes MELA (uncompressed) through and rejects short input', () => {
    const mela = Buffer.concat([
      u32(12 + 5),
      u32(5),
      Buffer.from('MELA', 'latin1'),
      u32(0),
      Buffer.from('{\\rtf'),
    ]);
    assert.equal(decompressRtf(mela).rtf.toString(), '{\\rtf');
    assert.ok(decompressRtf(Buffer.alloc(3)).problem);
  });
});

function mimeWith(tnefBytes: Buffer, rootType = 'multipart/mixed'): Buffer {
  const b64 = tnefBytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `From: a@b.c\r\nContent-Type: ${rootType}; boundary=t\r\n\r\n--t\r\nContent-Type: text/plain\r\n\r\nsee winmail\r\n--t\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--t--\r\n`,
  );
}

describe('TNEF switches in parseMessage', () => {
  it('TNEFEnableConversion=0 (default): winmail.dat stays an attachment', async () => {
    const note = await parseMessage(mimeWith(tnef()));
    assert.deepEqual(
      note.attachments().map((a) => a.fileName),
      ['winmail.dat'],
    );
  });

  it('TNEFEnableConversion=1 replaces winmail.dat by its attachments and body', async () => {
    const note = await parseMessage(mimeWith(tnef()), { tnef: { enableConversion: true } });
    assert.deepEqual(
      note.attachments().map((a) => [a.fileName, a.mediaType, a.size]),
      [
        ['Größe.txt', 'text/plain', 14],
        ['döc.bin', 'application/octet-stream', 3],
      ],
    );
    assert.ok(note.parts().some((p) => p.text === 'Plain body'));
    assert.ok(!note.parts().some((p) => p.attachment === 'winmail.dat'));
  });

  it('TNEFKeepAttachment=1 keeps winmail.dat too; TNEFAttachRTF=1 adds message_body.rtf', async () => {
    const note = await parseMessage(mimeWith(tnef()), {
      tnef: { enableConversion: true, keepAttachment: true, attachRtf: true },
    });
    assert.deepEqual(
      note.attachments().map((a) => a.fileName),
      ['winmail.dat', 'Größe.txt', 'döc.bin', 'message_body.rtf'],
    );
    assert.equal(note.attachments()[3]?.content?.toString('latin1'), '{\\rtf1 hi}');
  });

  it('TNEFBreakSMIME=0 leaves TNEF in signed mail alone; 1 converts and marks the signature broken', async () => {
    const signed = mimeWith(tnef(), 'multipart/signed; protocol="application/pkcs7-signature"');
    const untouched = await parseMessage(signed, { tnef: { enableConversion: true } });
    assert.deepEqual(
      untouched.attachments().map((a) => a.fileName),
      ['winmail.dat'],
    );
    assert.ok(untouched.defects.some((d) => d.code === 'tnef-smime-untouched'));
    const broken = await parseMessage(signed, { tnef: { enableConversion: true, breakSmime: true } });
    assert.equal(broken.attachments().length, 2);
    assert.ok(broken.defects.some((d) => d.code === 'smime-signature-broken'));
  });

  it('keeps a damaged winmail.dat as it came, with a defect', async () => {
    const note = await parseMessage(mimeWith(tnef({ truncate: 4 })), { tnef: { enableConversion: true } });
    assert.deepEqual(
      note.attachments().map((a) => a.fileName),
      ['winmail.dat'],
    );
    assert.ok(note.defects.some((d) => d.code === 'tnef-truncated' && d.part === '2'));
  });
});

describe('a message that is only a winmail.dat', () => {
  const whole = (): Buffer =>
    Buffer.from(
      `From: a@b.c\r\nSubject: s\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n${tnef().toString('base64')}\r\n`,
    );
  it('gets a multipart/mixed root holding the converted parts', async () => {
    const note = await parseMessage(whole(), { tnef: { enableConversion: true, keepAttachment: true } });
    assert.deepEqual(
      note.parts().map((p) => [p.path, p.mediaType]),
      [
        ['', 'multipart/mixed'],
        ['t0', 'application/ms-tnef'],
        ['t1', 'text/plain'],
        ['t2', 'text/plain'],
        ['t3', 'application/octet-stream'],
      ],
    );
    assert.deepEqual(
      note.attachments().map((a) => [a.fileName, a.part]),
      [
        ['winmail.dat', 't0'],
        ['Größe.txt', 't2'],
        ['döc.bin', 't3'],
      ],
    );
    assert.equal(note.text('Subject'), 's');
  });
});

describe('a TNEF appointment', () => {
  const filetime = (d: Date): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE((BigInt(d.getTime()) + 11644473600000n) * 10000n);
    return b;
  };
  const appointment = Buffer.concat([
    u32(0x223e9f78),
    u16(1),
    attribute(1, 0x00078008, string8('IPM.Appointment')),
    attribute(
      1,
      0x00069003,
      props([
        { type: 0x1e, id: 0x0037, value: string8('Budget, Q3') },
        { type: 0x40, id: 0x0060, value: filetime(new Date('2026-05-01T09:00:00Z')) },
        { type: 0x40, id: 0x0061, value: filetime(new Date('2026-05-01T10:30:00Z')) },
        { type: 0x1e, id: 0x0065, value: string8('chair@example.com') },
      ]),
    ),
    attribute(
      1,
      0x00069004,
      Buffer.concat([
        u32(1),
        props([
          { type: 0x1f, id: 0x3001, value: unicode('Bob') },
          { type: 0x1e, id: 0x39fe, value: string8('bob@example.com') },
          { type: 0x03, id: 0x0c15, value: u32(1) },
        ]),
      ]),
    ),
  ]);
  it('reads the recipient table', () => {
    assert.deepEqual(decodeTnef(appointment).recipients, [
      { name: 'Bob', address: 'bob@example.com', type: 1 },
    ]);
  });
  it('becomes a text/calendar part when converted', async () => {
    const note = await parseMessage(mimeWith(appointment), { tnef: { enableConversion: true } });
    const cal = note.parts().find((p) => p.mediaType === 'text/calendar');
    assert.equal(cal?.params.method, 'REQUEST');
    assert.match(
      cal?.text ?? '',
      /DTSTART:20260501T090000Z\r\nDTEND:20260501T103000Z\r\nSUMMARY:Budget\\, Q3\r\n/,
    );
    assert.match(cal?.text ?? '', /ORGANIZER:mailto:chair@example\.com/);
    assert.match(cal?.text ?? '', /ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:bob@example\.com/);
  });
});

describe('an embedded message in TNEF', () => {
  const IID_IMESSAGE = Buffer.from('0703020000000000c000000000000046', 'hex');
  const outer = Buffer.concat([
    u32(0x223e9f78),
    u16(1),
    attribute(1, 0x00078008, string8('IPM.Microsoft Mail.Note')),
    attribute(1, 0x00069003, props([{ type: 0x1e, id: 0x1000, value: string8('outer body') }])),
    attribute(2, 0x00069002, Buffer.alloc(14)),
    attribute(
      2,
      0x00069005,
      props([
        { type: 0x03, id: 0x3705, value: u32(5) },
        { type: 0x0d, id: 0x3701, value: Buffer.concat([IID_IMESSAGE, tnef()]) },
      ]),
    ),
  ]);

  it('is decoded recursively', () => {
    const msg = decodeTnef(outer);
    assert.deepEqual(msg.defects, []);
    const embedded = msg.attachments[0]?.embedded;
    assert.equal(embedded?.bodyText, 'Plain body');
    assert.deepEqual(
      embedded?.attachments.map((a) => a.fileName),
      ['Größe.txt', 'döc.bin'],
    );
    assert.equal(msg.attachments[0]?.data.length, 16 + tnef().length, 'the object is kept whole');
  });

  it('becomes a message/rfc822 part on conversion, and survives building', async () => {
    const { buildMessage } = await import('../src/index.js');
    const note = await parseMessage(mimeWith(outer), { tnef: { enableConversion: true } });
    assert.deepEqual(
      note.parts().map((p) => [p.path, p.mediaType]),
      [
        ['', 'multipart/mixed'],
        ['1', 'text/plain'],
        ['2t1', 'text/plain'],
        ['2t2', 'message/rfc822'],
        ['2t2.1', 'multipart/mixed'],
        ['2t2.1.1', 'text/plain'],
        ['2t2.1.2', 'text/plain'],
        ['2t2.1.3', 'application/octet-stream'],
      ],
    );
    const again = await parseMessage(buildMessage(note, { clock: { now: () => 0 } }));
    assert.deepEqual(
      again.parts().map((p) => p.mediaType),
      note.parts().map((p) => p.mediaType),
    );
    assert.deepEqual(
      again.attachments().map((a) => a.fileName),
      ['Größe.txt', 'döc.bin'],
    );
    assert.equal(again.parts()[5]?.text, 'Plain body');
  });
});
