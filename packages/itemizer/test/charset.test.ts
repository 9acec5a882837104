// Charsets with iconv-lite / libmime, auto-detection, RFC 2047 and RFC 2231 and RFC 6532 headers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { decodeText } from '../src/entity/charset.js';
import { parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

const opts = { autoDetect: true, fallback: 'windows-1252' };

describe('charset decoding', () => {
  it('decodes windows-1252 0x80-0x9F as the real characters (not C1 controls)', () => {
    assert.equal(
      decodeText(Buffer.from([0x80, 0x93, 0x94, 0x9f]), 'windows-1252', opts).text,
      '\u20ac\u201c\u201d\u0178',
    );
  });

  for (const [charset, text] of [
    ['koi8-r', 'Привет'],
    ['gbk', '中文邮件'],
    ['gb2312', '中文'],
    ['big5', '中文'],
    ['iso-8859-2', 'Łódź'],
    ['windows-1251', 'Привет'],
    ['shift_jis', 'テスト'],
  ] as const) {
    it(`decodes ${charset}`, () => {
      assert.equal(decodeText(iconv.encode(text, charset), charset, opts).text, text);
    });
  }

  it('decodes ISO-2022-JP', () => {
    const bytes = Buffer.from('\x1b$B$F$9$H\x1b(B', 'latin1');
    assert.equal(decodeText(bytes, 'iso-2022-jp', opts).text, 'てすと');
  });

  it('auto-detects UTF-8, ISO-2022-JP, and falls back to windows-1252', () => {
    assert.deepEqual(
      [
        decodeText(Buffer.from('grüße'), undefined, opts),
        decodeText(Buffer.from('\x1b$B$F$9$H\x1b(B', 'latin1'), undefined, opts),
        decodeText(Buffer.from([0x67, 0x72, 0xfc, 0xdf, 0x65]), undefined, opts),
      ].map((d) => [d.text, d.charset, d.problem]),
      [
        ['grüße', 'utf-8', 'undeclared-8bit'],
        ['てすと', 'iso-2022-jp', 'undeclared-8bit'],
        ['grüße', 'windows-1252', 'undeclared-8bit'],
      ],
    );
  });

  it('rejects an unknown fallbackCharset option', async () => {
    await assert.rejects(parseMessage(Buffer.from('x'), { fallbackCharset: 'no-such' }), RangeError);
    const note = await parseMessage(Buffer.from('Subject: x\r\n\r\n\xc1\xc2', 'latin1'), {
      fallbackCharset: 'koi8-r',
    });
    assert.equal(note.parts()[0]?.text, 'аб');
  });

  for (const [charset, text] of [
    ['gbk', '中文邮件的自动检测应该能够识别简体中文文本，这是一段比较长的测试文字。'],
    ['big5', '顏氏家訓，北齊顏之推撰，卷第七音辭雜藝終制。'],
    ['shift_jis', 'これは日本語のテキストです。文字コードを自動的に判定します。'],
    ['euc-jp', 'これは日本語のテキストです。文字コードを自動的に判定します。'],
    ['euc-kr', '이것은 한국어 텍스트입니다. 문자 인코딩을 자동으로 감지합니다.'],
    ['koi8-r', 'Это русский текст в кодировке КОИ-8, его нужно распознать автоматически.'],
    ['windows-1251', 'Это русский текст в кодировке Windows, его нужно распознать.'],
    ['windows-1252', 'Grüße aus Köln, größere Äpfel für Jürgen, naïve café à la carte déjà vu.'],
  ] as const) {
    it(`auto-detects undeclared ${charset}`, () => {
      const d = decodeText(iconv.encode(text, charset), undefined, opts);
      assert.deepEqual([d.charset, d.text], [charset, text]);
    });
  }

  it('does not guess when auto-detection is off', () => {
    assert.equal(
      decodeText(Buffer.from([0xfc]), undefined, { autoDetect: false, fallback: 'windows-1252' }).charset,
      'utf-8',
    );
  });

  it('reports an unknown charset and decodes as detected', () => {
    const d = decodeText(Buffer.from('plain'), 'x-no-such-charset', opts);
    assert.equal(d.problem, 'unknown-charset');
    assert.equal(d.text, 'plain');
  });

  it('treats 8-bit bytes under a declared US-ASCII as undeclared', () => {
    assert.equal(decodeText(Buffer.from('é'), 'us-ascii', opts).problem, 'undeclared-8bit');
  });
});

describe('header decoding', () => {
  it('decodes RFC 2047 words in unstructured headers and display names', async () => {
    const note = await parseMessage(
      crlf(
        'Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr=F6sche?= =?utf-8?B?4oKs?=',
        'To: =?utf-8?Q?M=C3=BCller=2C_Heinz?= <mueller@example.com>',
        '',
        '',
      ),
    );
    assert.equal(note.text('Subject'), 'Die Hasen und die Frösche€');
    assert.deepEqual(note.textList('SendTo'), ['"Müller, Heinz" <mueller@example.com>']);
  });

  it('unfolds folded headers', async () => {
    const note = await parseMessage(crlf('Subject: a long', '  folded\tsubject', '', ''));
    assert.equal(note.text('Subject'), 'a long  folded\tsubject');
  });

  it('reads raw UTF-8 headers (RFC 6532) and undeclared 8-bit headers', async () => {
    const utf8 = await parseMessage(crlf('Subject: Grüße', '', ''));
    assert.equal(utf8.text('Subject'), 'Grüße');
    assert.deepEqual(
      utf8.defects.filter((d) => d.code === 'undeclared-8bit'),
      [],
    );
    const latin = await parseMessage(Buffer.from('Subject: Gr\xfc\xdfe\r\n\r\n', 'latin1'));
    assert.equal(latin.text('Subject'), 'Grüße');
    assert.ok(latin.defects.some((d) => d.code === 'undeclared-8bit'));
  });

  it('joins RFC 2231 continuations with charsets in file names', async () => {
    const note = await parseMessage(
      crlf(
        'Content-Type: application/pdf',
        "Content-Disposition: attachment; filename*0*=utf-8''%C3%A4rger; filename*1=lich.pdf",
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERg==',
      ),
    );
    assert.equal(note.attachments()[0]?.fileName, 'ärgerlich.pdf');
    assert.equal(note.attachments()[0]?.content?.toString(), '%PDF');
  });

  it('takes a text body charset from the Content-Type', async () => {
    const note = await parseMessage(
      Buffer.concat([
        crlf('Content-Type: text/plain; charset=koi8-r', '', ''),
        iconv.encode('Привет', 'koi8-r'),
      ]),
    );
    assert.equal(note.parts()[0]?.text, 'Привет');
    assert.equal(note.parts()[0]?.charset, 'koi8-r');
  });
});
