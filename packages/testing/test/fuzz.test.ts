/**
 * Bounded, seeded fuzz of the kit's parsers: zone declarations, delivery-status text and server
 * replies. Each input gives a value or the kit's typed error, never another exception or a hang.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createFakeZone,
  parseDeliveryReport,
  parseStatusFields,
  ReplyReader,
  seededRandom,
  ZoneDeclarationError,
} from '../src/index.js';

const random = seededRandom(0x20261202);

const VALUES: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  65536,
  1.5,
  Number.NaN,
  '',
  '.',
  'mx.example.com',
  '192.0.2.1',
  '2001:db8::1',
  'a'.repeat(300),
  'TIMEOUT',
  'NXDOMAIN',
  'bogus',
  [],
  [10, 'mx.example.com'],
  [[10, 'mx.example.com']],
  [['x']],
  { A: ['192.0.2.1'] },
  { __proto__: null },
  true,
];
const KEYS = ['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME', 'ttl', 'SRV', '__proto__', 'constructor'];
const NAMES = [
  'example.com',
  'Example.COM.',
  '192.0.2.7',
  '2001:db8::7',
  'bad..name',
  '',
  'x'.repeat(70),
  'ü.example',
  '*.example',
];

function randomEntry(): unknown {
  if (random.chance(0.3)) return random.pick(VALUES);
  const entry: Record<string, unknown> = {};
  for (let k = random.int(0, 3); k > 0; k--) entry[random.pick(KEYS)] = random.pick(VALUES);
  return entry;
}

describe('fuzz (seeded, bounded)', () => {
  it('zone declarations: a zone or a ZoneDeclarationError, 3000 cases', async () => {
    let zones = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const declaration: Record<string, unknown> = {};
      for (let n = random.int(0, 4); n > 0; n--) declaration[random.pick(NAMES)] = randomEntry();
      try {
        const zone = createFakeZone(declaration as never);
        zones++;
        // Whatever was accepted answers every question without throwing.
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error('timed out')), 2); // TIMEOUT names hang until aborted
        const answer = await zone
          .query(
            {
              name: random.pick(NAMES) || 'example.com',
              type: random.pick(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME'] as const),
            },
            { signal: controller.signal, attempt: 0 },
          )
          .catch((e: unknown) => e);
        clearTimeout(timer);
        assert.ok(answer !== undefined);
      } catch (error) {
        assert.ok(error instanceof ZoneDeclarationError, `case ${i}: ${String(error)}`);
        assert.ok(error.problems.length > 0);
        refused++;
      }
    }
    assert.ok(zones > 100 && refused > 100, `both outcomes exercised (${zones} zones, ${refused} refused)`);
  });

  it('delivery-status text and reports: fields or a typed error, 2000 cases', async () => {
    const pieces = [
      'Action: failed',
      'Status: 5.1.1',
      'Final-Recipient: rfc822; a@b',
      '  folded',
      '',
      ':',
      'X',
      '\t',
      'Reporting-MTA: dns; x',
      '\r',
    ];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: random.int(0, 12) }, () =>
        random.chance(0.1) ? random.bytes(random.int(0, 20)).toString('latin1') : random.pick(pieces),
      ).join(random.pick(['\r\n', '\n']));
      const blocks = parseStatusFields(text);
      assert.ok(Array.isArray(blocks));
      if (i % 20 === 0) {
        const raw = `Content-Type: multipart/report; boundary=z\r\n\r\n--z\r\nContent-Type: message/delivery-status\r\n\r\n${text}\r\n--z--\r\n`;
        const report = await parseDeliveryReport(
          random.chance(0.5) ? raw : random.bytes(random.int(0, 200)),
        ).catch((e: { code?: string }) => e);
        assert.ok('recipients' in report || report.code === 'TESTING_NOT_A_DSN', `case ${i}`);
      }
    }
  });

  it('server replies: replies or an Error with a reason, 3000 cases, memory bounded', () => {
    const pieces = ['250', '250-', '250 ', '550 5.1.1 no', '220 hi', '2', '999 x', '\r\n', '\n', 'text'];
    for (let i = 0; i < 3000; i++) {
      const reader = new ReplyReader();
      const text = Array.from({ length: random.int(1, 10) }, () => random.pick(pieces)).join('');
      try {
        reader.feed(text);
        for (const reply of reader.take()) assert.ok(reply.code >= 200 && reply.code <= 599);
      } catch (error) {
        assert.ok(error instanceof Error && /reply/.test(error.message), `case ${i}: ${String(error)}`);
      }
    }
    const endless = new ReplyReader();
    assert.throws(() => {
      for (let i = 0; i < 1000; i++) endless.feed('250-more\r\n');
    }, /more than 200 lines/);
    assert.throws(() => new ReplyReader().feed('2'.repeat(70 * 1024)), /without end/);
  });
});
