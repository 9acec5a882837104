import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResolver, createStaticTransport } from '@mailroute/dns';
import { seededRandomSource } from '@mailroute/envelope';
import {
  checkSpf,
  headerFromDomain,
  parseAuthenticationResults,
  parseDmarcRecord,
  parseMacroString,
  parseSpfRecord,
  removeOwnAuthenticationResults,
} from '../src/index.js';

const pieces = [
  'v=spf1',
  ' ',
  ' ',
  'a',
  'mx',
  'ptr',
  'all',
  'include:',
  'exists:',
  'ip4:',
  'ip6:',
  'redirect=',
  'exp=',
  '-',
  '+',
  '~',
  '?',
  ':',
  '/',
  '//',
  '24',
  '0',
  '128',
  '33',
  '192.0.2.1',
  '2001:db8::',
  'example.com',
  '.',
  '%{d}',
  '%{ir}',
  '%{l1r-}',
  '%%',
  '%_',
  '%-',
  '%{',
  '}',
  '%',
  'x=y',
  '\u00e9',
  '\t',
  '=',
  'fuzz.example',
];

function randomRecord(rand: () => number): string {
  let s = rand() < 0.8 ? 'v=spf1 ' : '';
  const n = Math.floor(rand() * 14);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rand() * pieces.length)];
  return s;
}

describe('fuzz: the SPF record parser (seeded, bounded)', () => {
  it('5000 random records parse or are refused, never throw', () => {
    const rand = seededRandomSource(7208);
    for (let i = 0; i < 5000; i++) {
      const text = randomRecord(rand);
      const r = parseSpfRecord(text);
      if (!r.ok) assert.equal(typeof r.error, 'string');
      parseMacroString(text);
      parseMacroString(text, true);
    }
  });

  it('300 random records evaluate to one of the seven results, never reject', async () => {
    const rand = seededRandomSource(4408);
    const results = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);
    for (let i = 0; i < 300; i++) {
      const text = randomRecord(rand);
      const resolver = createResolver({
        transport: createStaticTransport({
          'fuzz.example': { TXT: [text] },
          'example.com': {
            TXT: [randomRecord(rand)],
            A: ['192.0.2.1'],
            MX: [{ preference: 1, exchange: 'fuzz.example' }],
          },
        }),
        retryCount: 1,
        retryBaseWaitMs: 20,
      });
      const v = await checkSpf(
        { ip: rand() < 0.5 ? '192.0.2.1' : '2001:db8::1', mailFrom: 'u@fuzz.example', helo: 'h.example' },
        { resolver },
      );
      assert.ok(results.has(v.result), `${JSON.stringify(text)} gave ${v.result}`);
    }
  });
});

const arPieces = [
  'example.org',
  ' ',
  ';',
  '=',
  '/',
  '.',
  '(',
  ')',
  '"',
  '\\',
  'spf',
  'pass',
  'smtp.mailfrom',
  'none',
  '1',
  '\r\n\t',
  'reason',
  'a@b.c',
];

describe('fuzz: the Authentication-Results parser and remover (seeded, bounded)', () => {
  it('5000 random fields parse or are refused with AUTHRES_SYNTAX, never throw', () => {
    const rand = seededRandomSource(8601);
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const n = Math.floor(rand() * 20);
      for (let j = 0; j < n; j++) text += arPieces[Math.floor(rand() * arPieces.length)];
      const r = parseAuthenticationResults(text);
      if (!r.ok) assert.equal(r.reason.code, 'AUTHRES_SYNTAX');
      const block = `Authentication-Results:${text}\r\nSubject: x\r\n\r\n`;
      const removed = removeOwnAuthenticationResults(block, 'example.org');
      assert.ok(removed.headers.endsWith('Subject: x\r\n\r\n'));
    }
  });
});

const dmarcPieces = [
  'v=DMARC1',
  ';',
  ' ',
  'p=',
  'sp=',
  'none',
  'reject',
  'quarantine',
  'pct=',
  '50',
  '101',
  'rua=',
  'mailto:a@b.c',
  ',',
  'adkim=',
  'aspf=',
  'r',
  's',
  '=',
  'x',
  '<',
  '>',
  '@',
  '"',
  '(',
  ')',
  ':',
];

describe('fuzz: the DMARC record and From parsers (seeded, bounded)', () => {
  it('5000 random records and From values parse or are refused, never throw', () => {
    const rand = seededRandomSource(7489);
    for (let i = 0; i < 5000; i++) {
      let text = rand() < 0.7 ? 'v=DMARC1;' : '';
      const n = Math.floor(rand() * 16);
      for (let j = 0; j < n; j++) text += dmarcPieces[Math.floor(rand() * dmarcPieces.length)];
      const r = parseDmarcRecord(text);
      if (r.ok) assert.ok(r.record.pct >= 0 && r.record.pct <= 100);
      const from = headerFromDomain(text);
      if (!from.ok) assert.equal(from.reason.code, 'DMARC_FROM');
    }
  });
});
