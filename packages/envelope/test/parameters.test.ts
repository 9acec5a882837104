import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeXtext, parseMailParameters, parseRcptParameters } from '../src/index.js';
import { decodeUtf8AddrXtext, decodeXtext } from '../src/xtext.js';

function mailParams(text: string, ext = {}) {
  const r = parseMailParameters(text, ext);
  assert.ok(r.ok, r.ok ? '' : r.reason.reply.toString());
  return r.value;
}
function mailRefusal(text: string, ext = {}) {
  const r = parseMailParameters(text, ext);
  assert.equal(r.ok, false, text);
  if (r.ok) throw new Error('unreachable');
  return `${r.reason.reply.code} ${r.reason.reply.enhanced}`;
}

describe('xtext (RFC 3461 4)', () => {
  it('decodes +XX and plain characters', () => {
    assert.equal(decodeXtext('e+3Dmc2@example.com'), 'e=mc2@example.com');
    assert.equal(decodeXtext('QQ314159'), 'QQ314159');
    assert.equal(decodeXtext('a+2Bb'), 'a+b');
  });
  it('refuses lowercase hex, a lone +, raw = and controls', () => {
    for (const bad of ['a+2b', 'a+', 'a+2', 'a=b', 'a b', 'a\x01'])
      assert.equal(decodeXtext(bad), undefined, bad);
  });
  it('round-trips encodeXtext, UTF-8 included', () => {
    for (const s of ['plain', 'e=mc2', 'a+b c', 'jöran@example.com', '\u{1F600}'])
      assert.equal(decodeXtext(encodeXtext(s)), s);
  });
  it('decodes utf-8-addr-xtext (RFC 6533)', () => {
    assert.equal(decodeUtf8AddrXtext('j\\x{F6}ran@example.com'), 'jöran@example.com');
    assert.equal(decodeUtf8AddrXtext('a\\x{D800}b'), undefined);
    assert.equal(decodeUtf8AddrXtext('a\\b'), undefined);
  });
});

describe('MAIL parameters', () => {
  it('parses SIZE (RFC 1870 example)', () => {
    assert.equal(mailParams(' SIZE=500000').size, 500000);
  });
  it('parses BODY, SMTPUTF8, RET, ENVID and AUTH case-insensitively (RFC 3461, RFC 4954 examples)', () => {
    const p = mailParams(' body=8bitmime smtputf8 RET=HDRS ENVID=QQ314159 AUTH=e+3Dmc2@example.com');
    assert.equal(p.body, '8BITMIME');
    assert.equal(p.smtputf8, true);
    assert.equal(p.ret, 'HDRS');
    assert.equal(p.envid, 'QQ314159');
    assert.equal(p.auth, 'e=mc2@example.com');
    assert.equal(mailParams(' AUTH=<>').auth, '<>');
  });
  it('gives 501 for bad values', () => {
    for (const t of [
      ' SIZE=abc',
      ' SIZE=-1',
      ' SIZE=1234567890123456',
      ' BODY=9BIT',
      ' RET=ALL',
      ' ENVID=a=b',
      ` ENVID=${'x'.repeat(101)}`,
      ' SMTPUTF8=yes',
      ' SIZE=',
      ' =1',
      ' SI_ZE=1',
      ' SIZE',
    ]) {
      assert.equal(mailRefusal(t), '501 5.5.4', t);
    }
  });
  it('gives 501 for a duplicated parameter', () => {
    assert.equal(mailRefusal(' SIZE=1 size=2'), '501 5.5.4');
  });
  it('gives 555 for an unknown parameter (RFC 5321 4.1.1.11)', () => {
    assert.equal(mailRefusal(' XFOO=1'), '555 5.5.4');
  });
  it('gives 555 for a parameter of an extension that is off', () => {
    assert.equal(mailRefusal(' SIZE=1', { size: false }), '555 5.5.4');
    assert.equal(mailRefusal(' RET=FULL', { dsn: false }), '555 5.5.4');
    assert.equal(mailRefusal(' SMTPUTF8', { smtputf8: false }), '555 5.5.4');
    assert.equal(mailRefusal(' AUTH=<>', { auth: false }), '555 5.5.4');
  });
  it('gives 504 for BODY=BINARYMIME without CHUNKING', () => {
    assert.equal(mailRefusal(' BODY=BINARYMIME', { binaryMime: false }), '504 5.5.4');
  });
  it('refuses 8-bit values unless SMTPUTF8 is present', () => {
    assert.equal(mailRefusal(' ENVID=ö'), '553 5.6.7');
  });
});

describe('RCPT parameters', () => {
  it('parses NOTIFY and ORCPT (RFC 3461 example)', () => {
    const r = parseRcptParameters(' NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Dana@Ivory.example.com');
    assert.ok(r.ok);
    assert.deepEqual(r.value.notify, ['SUCCESS', 'FAILURE']);
    assert.deepEqual(r.value.orcpt, { type: 'rfc822', address: 'Dana@Ivory.example.com' });
  });
  it('parses NOTIFY=NEVER and refuses NEVER combined or repeated conditions', () => {
    const r = parseRcptParameters(' NOTIFY=never');
    assert.ok(r.ok && r.value.notify === 'NEVER');
    for (const bad of [' NOTIFY=NEVER,SUCCESS', ' NOTIFY=SUCCESS,SUCCESS', ' NOTIFY=SOMETIMES', ' NOTIFY=']) {
      assert.equal(parseRcptParameters(bad).ok, false, bad);
    }
  });
  it('decodes an xtext ORCPT and a utf-8 ORCPT', () => {
    const a = parseRcptParameters(' ORCPT=rfc822;a+2Bb@example.com');
    assert.ok(a.ok && a.value.orcpt?.address === 'a+b@example.com');
    const b = parseRcptParameters(' ORCPT=utf-8;j\\x{F6}ran@example.com');
    assert.ok(b.ok && b.value.orcpt?.address === 'jöran@example.com');
  });
  it('refuses malformed ORCPT values', () => {
    for (const bad of [
      ' ORCPT=rfc822',
      ' ORCPT=;x',
      ' ORCPT=rfc822;',
      ' ORCPT=rf c822;x',
      ` ORCPT=rfc822;${'x'.repeat(600)}`,
    ]) {
      assert.equal(parseRcptParameters(bad).ok, false, bad);
    }
  });
  it('gives 555 for MAIL-only or unknown parameters on RCPT', () => {
    const r = parseRcptParameters(' SIZE=1');
    assert.ok(!r.ok && r.reason.reply.code === 555);
  });
});
