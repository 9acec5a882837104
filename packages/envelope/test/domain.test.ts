import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIPv6, parseAddressLiteral, parseDomain, parseIPv4, parseIPv6, parseIp } from '../src/index.js';

function ascii(text: string, options = {}) {
  const r = parseDomain(text, options);
  return r.ok ? r.value.ascii : `!${r.reason.problem}`;
}

describe('parseDomain', () => {
  it('accepts RFC 5321 domains and lowercases them', () => {
    assert.equal(ascii('example.com'), 'example.com');
    assert.equal(ascii('Mail.EXAMPLE.com'), 'mail.example.com');
    assert.equal(ascii('a-b.c0.example'), 'a-b.c0.example');
    assert.equal(ascii('localhost'), 'localhost');
    assert.equal(ascii('123.example'), '123.example');
  });
  it('refuses empty labels, hyphens at label ends and other characters', () => {
    for (const bad of [
      '',
      '.example.com',
      'example.com.',
      'a..b',
      '-a.example',
      'a-.example',
      'a_b.example',
      'a b',
      'a@b',
      'ex!ample.com',
    ]) {
      const r = parseDomain(bad);
      assert.equal(r.ok, false, bad);
    }
  });
  it('accepts underscores only when asked (HELO names)', () => {
    assert.equal(ascii('host_1.example', { allowUnderscore: true }), 'host_1.example');
  });
  it('enforces 63-octet labels and 253-octet names', () => {
    assert.equal(ascii(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`);
    assert.equal(ascii(`${'a'.repeat(64)}.example`), '!label-too-long');
    const name253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    assert.equal(name253.length, 253);
    assert.equal(ascii(name253), name253);
    assert.equal(ascii(`${name253}e`), '!too-long');
  });
  it('converts U-labels to A-labels with UTS #46 and keeps both forms', () => {
    const r = parseDomain('BÜCHER.example', { allowUtf8: true });
    assert.ok(r.ok);
    assert.equal(r.value.ascii, 'xn--bcher-kva.example'); // not xn--BCHER-2pa (the punycode package's answer)
    assert.equal(r.value.unicode, 'bücher.example');
  });
  it('maps full-width letters and ideographic full stops', () => {
    assert.equal(ascii('ｅｘａｍｐｌｅ。com', { allowUtf8: true }), 'example.com');
  });
  it('refuses U-labels outside SMTPUTF8', () => {
    assert.equal(ascii('bücher.example'), '!non-ascii');
  });
  it('decodes A-labels to their U-label form and refuses broken Punycode', () => {
    const r = parseDomain('XN--BCHER-KVA.example');
    assert.ok(r.ok);
    assert.equal(r.value.unicode, 'bücher.example');
    assert.equal(ascii('xn--zz.example'), '!idn-invalid');
  });
  it('refuses an IDN whose A-label form is too long', () => {
    assert.equal(ascii(`${'ü'.repeat(60)}.example`, { allowUtf8: true }), '!label-too-long');
  });
  it('refuses absurdly long input without converting it', () => {
    assert.equal(ascii('ü'.repeat(100_000), { allowUtf8: true }), '!too-long');
  });
});

describe('address literals', () => {
  it('parses IPv4 and IPv6 literals to canonical form (RFC 5321 4.1.3)', () => {
    const v4 = parseAddressLiteral('[192.0.2.1]');
    assert.ok(v4.ok && v4.value.kind === 'literal');
    assert.equal(v4.value.ip, '192.0.2.1');
    const v6 = parseDomain('[IPv6:2001:DB8:0:0:0:0:0:1]');
    assert.ok(v6.ok && v6.value.kind === 'literal');
    assert.equal(v6.value.family, 6);
    assert.equal(v6.value.ip, '2001:db8::1');
    assert.equal(v6.value.ascii, '[IPv6:2001:db8::1]');
  });
  it('accepts leading zeros in an IPv4 literal (RFC 5321 Snum = 1*3DIGIT) and reports the canonical form', () => {
    for (const [written, ip] of [
      ['[192.000.002.010]', '192.0.2.10'],
      ['[192.0.2.01]', '192.0.2.1'],
      ['[010.001.000.255]', '10.1.0.255'],
    ]) {
      const r = parseDomain(written!);
      assert.ok(r.ok && r.value.kind === 'literal', written);
      assert.equal(r.value.ip, ip);
      assert.equal(r.value.ascii, `[${ip}]`);
      assert.equal(r.value.family, 4);
    }
    // Outside literals a leading zero stays ambiguous (octal in some parsers) and is refused.
    assert.equal(parseIPv4('192.000.002.010'), undefined);
    assert.equal(parseIPv4('192.000.002.010', { leadingZeros: true }), 0xc000020a);
  });
  it('reports an IPv4-mapped IPv6 literal by its IPv4 address', () => {
    const r = parseDomain('[IPv6:::ffff:192.0.2.7]');
    assert.ok(r.ok && r.value.kind === 'literal');
    assert.equal(r.value.ip, '192.0.2.7');
  });
  it('refuses malformed literals and unknown tags', () => {
    for (const bad of [
      '[]',
      '[192.0.2]',
      '[192.0.2.256]',
      '[192.0.2.0001]',
      '[192.000.002.256]',
      '[IPv6:1::2::3]',
      '[IPv6:fe80::1%eth0]',
      '[x:1]',
      '[192.0.2.1',
      '192.0.2.1]',
    ]) {
      assert.equal(parseDomain(bad).ok, false, bad);
    }
    const tag = parseDomain('[tag:content]');
    assert.ok(!tag.ok && tag.reason.problem === 'literal-tag');
  });
});

describe('IP text', () => {
  it('parses strict dotted quads', () => {
    assert.equal(parseIPv4('0.0.0.0'), 0);
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    for (const bad of [
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '01.2.3.4',
      '1..2.3',
      ' 1.2.3.4',
      '1.2.3.4 ',
      'a.b.c.d',
    ]) {
      assert.equal(parseIPv4(bad), undefined, bad);
    }
  });
  it('parses IPv6 forms and formats them per RFC 5952', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [input, canonical] of cases) {
      const g = parseIPv6(input);
      assert.ok(g, input);
      assert.equal(formatIPv6(g), canonical, input);
    }
  });
  it('refuses malformed IPv6', () => {
    for (const bad of [
      ':',
      ':1',
      '1:',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '1:::2',
      '::1.2.3',
      '1.2.3.4::',
    ]) {
      assert.equal(parseIPv6(bad), undefined, bad);
    }
  });
  it('parseIp treats IPv4-mapped IPv6 as IPv4', () => {
    assert.deepEqual(parseIp('::ffff:10.0.0.1'), { family: 4, address: '10.0.0.1' });
    assert.deepEqual(parseIp('2001:db8::1'), { family: 6, address: '2001:db8::1' });
    assert.equal(parseIp('nonsense'), undefined);
  });
});
