import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { decodeHeader, decodeMessage, encodeQuery, encodeResponse } from '../src/wire-entry.js';

const q = { name: 'example.com', type: 'MX' } as const;

describe('wire codec', () => {
  it('encodes a query with RD, one question and an EDNS OPT record', () => {
    const b = Buffer.from(encodeQuery(0x1234, { name: 'Example.COM.', type: 'TXT' }));
    assert.equal(b.readUInt16BE(0), 0x1234);
    assert.equal(b.readUInt16BE(2), 0x0100);
    assert.equal(b.readUInt16BE(4), 1);
    assert.equal(b.readUInt16BE(10), 1);
    // 7 Example 3 COM 0, then type 16 class 1
    assert.deepEqual([...b.subarray(12, 25)], [7, ...Buffer.from('Example'), 3, ...Buffer.from('COM'), 0]);
    assert.equal(b.readUInt16BE(25), 16);
    assert.equal(b.readUInt16BE(27), 1);
    assert.equal(b.readUInt16BE(b.length - 8), 1232); // advertised UDP size
  });

  it('round-trips every record type through encodeResponse and decodeMessage', () => {
    const answers = [
      { type: 'MX', name: 'example.com', ttl: 300, preference: 10, exchange: 'mx1.example.com' },
      { type: 'MX', name: 'example.com', ttl: 300, preference: 0, exchange: '' },
      { type: 'A', name: 'example.com', ttl: 60, address: '192.0.2.1' },
      { type: 'AAAA', name: 'example.com', ttl: 60, address: '2001:db8::1' },
      { type: 'AAAA', name: 'example.com', ttl: 60, address: '2001:db8:0:1:0:0:0:1' },
      { type: 'TXT', name: 'example.com', ttl: 5, strings: ['v=spf1 ', 'include:x -all', 'é'] },
      { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 5, target: 'host.example' },
      { type: 'CNAME', name: 'www.example.com', ttl: 7, target: 'example.com' },
    ] as const;
    const decoded = decodeMessage(encodeResponse(7, q, { answers }));
    assert.ok(decoded.ok);
    assert.equal(decoded.value.id, 7);
    assert.equal(decoded.value.qr, true);
    assert.deepEqual(decoded.value.question, q);
    const expected = answers.map((a) =>
      a.type === 'AAAA' && a.address === '2001:db8:0:1:0:0:0:1' ? { ...a, address: '2001:db8:0:1::1' } : a,
    );
    assert.deepEqual(decoded.value.answers, expected);
  });

  it('reads rcode and the TC flag from the header', () => {
    const h = decodeHeader(encodeResponse(9, q, { rcode: 3, truncated: true }));
    assert.deepEqual(h, { id: 9, qr: true, aa: true, tc: true, rcode: 3 });
    assert.equal(decodeHeader(new Uint8Array(11)), undefined);
  });

  it('follows backward compression pointers', () => {
    // question example.com at 12; answer owner is a pointer to 12; MX exchange "mx" + pointer to 12
    const head = Buffer.from(encodeResponse(1, q)).subarray(0, 12);
    head.writeUInt16BE(1, 6);
    const qname = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 15, 0, 1]);
    const rr = Buffer.from([0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 7, 0, 5, 2, 0x6d, 0x78, 0xc0, 12]);
    const d = decodeMessage(Buffer.concat([head, qname, rr]));
    assert.ok(d.ok);
    assert.deepEqual(d.value.answers, [
      { type: 'MX', name: 'example.com', ttl: 60, preference: 5, exchange: 'mx.example.com' },
    ]);
  });

  const header = (an: number) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(1, 0);
    h.writeUInt16BE(0x8180, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };

  it('rejects a pointer to itself and a forward pointer (no compression loops)', () => {
    const self = Buffer.concat([header(0), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    const r1 = decodeMessage(self);
    assert.equal(r1.ok, false);
    const forward = Buffer.concat([header(0), Buffer.from([0xc0, 14, 0, 0, 1, 0, 1])]);
    assert.equal(decodeMessage(forward).ok, false);
    // two pointers pointing at each other
    const loop = Buffer.concat([header(0), Buffer.from([1, 0x61, 0xc0, 16, 0xc0, 12, 0, 1, 0, 1])]);
    assert.equal(decodeMessage(loop).ok, false);
  });

  it('rejects names longer than 255 octets, bad label types and overrunning rdata', () => {
    const long = Buffer.concat([
      header(0),
      Buffer.from(
        Array(5)
          .fill([63, ...Buffer.alloc(63, 0x61)])
          .flat(),
      ),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    assert.deepEqual(decodeMessage(long), {
      ok: false,
      reason: { code: 'EBADRESP', message: 'name longer than 255 octets', temporary: false },
    });
    const badLabel = Buffer.concat([header(0), Buffer.from([0x41, 0, 0, 1, 0, 1])]);
    assert.equal(decodeMessage(badLabel).ok, false);
    const good = Buffer.from(
      encodeResponse(1, q, { answers: [{ type: 'A', name: 'example.com', ttl: 1, address: '192.0.2.1' }] }),
    );
    good.writeUInt16BE(200, good.length - 6); // rdlength past the end
    assert.deepEqual(decodeMessage(good), {
      ok: false,
      reason: { code: 'EBADRESP', message: 'rdata runs past the end', temporary: false },
    });
  });

  it('rejects A records whose rdata is not 4 octets and TXT strings that overrun', () => {
    const a = Buffer.from(
      encodeResponse(1, q, { answers: [{ type: 'A', name: 'example.com', ttl: 1, address: '192.0.2.1' }] }),
    );
    const shortA = Buffer.concat([a.subarray(0, a.length - 6), Buffer.from([0, 3, 1, 2, 3])]);
    assert.deepEqual(decodeMessage(shortA), {
      ok: false,
      reason: { code: 'EBADRESP', message: 'A rdata is not 4 octets', temporary: false },
    });
    const t = Buffer.from(
      encodeResponse(1, q, { answers: [{ type: 'TXT', name: 'example.com', ttl: 1, strings: ['ab'] }] }),
    );
    t[t.length - 3] = 9; // string length 9 inside 3 octets of rdata
    assert.deepEqual(decodeMessage(t), {
      ok: false,
      reason: { code: 'EBADRESP', message: 'TXT string runs past rdata', temporary: false },
    });
  });

  it('treats a TTL with the top bit set as 0 (RFC 2181 section 8)', () => {
    const b = Buffer.from(
      encodeResponse(1, q, { answers: [{ type: 'A', name: 'example.com', ttl: 1, address: '192.0.2.1' }] }),
    );
    b.writeUInt32BE(0x80000001, b.length - 10);
    const d = decodeMessage(b);
    assert.ok(d.ok);
    assert.equal(d.value.answers[0]!.ttl, 0);
  });

  it('gives a result, never a throw, for every truncation of a valid answer', () => {
    const full = encodeResponse(3, q, {
      answers: [
        { type: 'MX', name: 'example.com', ttl: 300, preference: 10, exchange: 'mx1.example.com' },
        { type: 'TXT', name: 'example.com', ttl: 5, strings: ['a', 'b'] },
      ],
    });
    for (let n = 0; n < full.length; n++) {
      const r = decodeMessage(full.subarray(0, n));
      assert.equal(r.ok, false, `prefix of ${n} octets must not decode`);
    }
    assert.equal(decodeMessage(full).ok, true);
  });

  it('fuzz: 20000 seeded mutations never throw and stay bounded', () => {
    const rand = prng(0xd15);
    const base = Buffer.from(
      encodeResponse(5, q, {
        answers: [
          { type: 'MX', name: 'example.com', ttl: 300, preference: 10, exchange: 'mx1.example.com' },
          { type: 'AAAA', name: 'example.com', ttl: 60, address: '2001:db8::1' },
          { type: 'TXT', name: 'example.com', ttl: 5, strings: ['hello', 'world'] },
          { type: 'CNAME', name: 'a.example.com', ttl: 5, target: 'b.example.com' },
        ],
      }),
    );
    let ok = 0;
    for (let i = 0; i < 20000; i++) {
      const m = Buffer.from(base);
      const edits = 1 + Math.floor(rand() * 6);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * m.length);
        // bias towards compression-pointer and length bytes, the interesting ones
        m[at] = rand() < 0.3 ? 0xc0 | Math.floor(rand() * 64) : Math.floor(rand() * 256);
      }
      const cut = rand() < 0.2 ? Math.floor(rand() * m.length) : m.length;
      const r = decodeMessage(m.subarray(0, cut));
      if (r.ok) {
        ok++;
        for (const a of r.value.answers) assert.ok(a.name.length <= 255);
      } else assert.equal(r.reason.code, 'EBADRESP');
    }
    assert.ok(ok > 0, 'some mutations should still decode');
  });
});
