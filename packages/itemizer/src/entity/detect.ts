/**
 * Charset guessing for text that declares none and is neither UTF-8 nor ISO-2022-JP (Domino's
 * "character set auto-detection"). Deliberately conservative: Western text, where 8-bit bytes are
 * few and stand alone, keeps the fallback charset; only text whose 8-bit bytes are many and look
 * like a double-byte or Cyrillic script is re-read, by the candidate that decodes cleanly into
 * the most characters of its own script.
 */

import iconv from 'iconv-lite';

/** A double-byte candidate and the script that must make up a share of its non-ASCII text. */
interface Candidate {
  readonly charset: string;
  /** Code point ranges that tell this language apart. */
  readonly distinct: readonly (readonly [number, number])[];
  /** Share of the non-ASCII characters that must fall in `distinct`. */
  readonly minShare: number;
}

const HAN: [number, number] = [0x4e00, 0x9fff];
const KANA: [number, number] = [0x3040, 0x30ff];
const HANGUL: [number, number] = [0xac00, 0xd7af];
const CJK_PUNCT: [number, number] = [0x3000, 0x303f];
const FULLWIDTH: [number, number] = [0xff00, 0xffef];

// Order matters: GBK decodes Shift_JIS and EUC-KR bytes "cleanly" into Han characters, so the
// languages with a script of their own (kana, Hangul) are tried first.
const DOUBLE_BYTE: readonly (readonly Candidate[])[] = [
  [
    { charset: 'shift_jis', distinct: [KANA], minShare: 0.15 },
    { charset: 'euc-jp', distinct: [KANA], minShare: 0.15 },
  ],
  [{ charset: 'euc-kr', distinct: [HANGUL], minShare: 0.5 }],
  [
    { charset: 'gbk', distinct: [HAN, CJK_PUNCT, FULLWIDTH], minShare: 0.9 },
    { charset: 'big5', distinct: [HAN, CJK_PUNCT, FULLWIDTH], minShare: 0.9 },
  ],
];

function inRanges(cp: number, ranges: Candidate['distinct']): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** Shape of the 8-bit bytes: their share of the text and the share of runs longer than one byte. */
function highByteShape(buf: Buffer): { share: number; multiRuns: number; meanRun: number } {
  let high = 0;
  let runs = 0;
  let multi = 0;
  let run = 0;
  for (let i = 0; i <= buf.length; i++) {
    const c = i < buf.length ? (buf[i] as number) : 0;
    if (c >= 0x80) {
      high++;
      run++;
    } else if (run > 0) {
      runs++;
      if (run > 1) multi++;
      run = 0;
    }
  }
  return {
    share: high / Math.max(1, buf.length),
    multiRuns: runs === 0 ? 0 : multi / runs,
    meanRun: runs === 0 ? 0 : high / runs,
  };
}

/** Share of the non-ASCII characters in the candidate's script; -1 when the decode is not clean. */
function share(buf: Buffer, c: Candidate): number {
  const text = iconv.decode(buf, c.charset);
  let inScript = 0;
  let nonAscii = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0xfffd) return -1;
    if (cp < 0x80) continue;
    nonAscii++;
    if (inRanges(cp, c.distinct)) inScript++;
  }
  return inScript / Math.max(1, nonAscii);
}

function scoreDoubleByte(buf: Buffer): string | undefined {
  for (const group of DOUBLE_BYTE) {
    let best: { charset: string; score: number } | undefined;
    for (const c of group) {
      const score = share(buf, c);
      if (score >= c.minShare && (best === undefined || score > best.score))
        best = { charset: c.charset, score };
    }
    if (best !== undefined) return best.charset;
  }
  return undefined;
}

/** Cyrillic: KOI8-R puts lower case at 0xC0-0xDF, windows-1251 at 0xE0-0xFF; running text is mostly lower case. */
function scoreCyrillic(buf: Buffer): string {
  let c0 = 0;
  let e0 = 0;
  for (const b of buf) {
    if (b >= 0xc0 && b <= 0xdf) c0++;
    else if (b >= 0xe0) e0++;
  }
  return c0 > e0 ? 'koi8-r' : 'windows-1251';
}

/** Fewest 8-bit bytes worth a guess. */
const MIN_EVIDENCE = 16;

/** Guesses the charset of 8-bit text that is not UTF-8; `fallback` when nothing fits well. */
export function guessCharset(buf: Buffer, fallback: string): string {
  const shape = highByteShape(buf);
  // Western European text: 8-bit bytes are a few percent of it (accents), never a third. And a
  // few 8-bit bytes are no evidence at all ("Grüße" decodes as two clean GBK characters).
  if (shape.share < 0.3 || shape.share * buf.length < MIN_EVIDENCE) return fallback;
  // Double-byte charsets: trail bytes may be ASCII, so runs say little; a clean decode into
  // the charset's own script does.
  const dbcs = scoreDoubleByte(buf);
  if (dbcs !== undefined) return dbcs;
  // Whole words of 8-bit letters separated by ASCII spaces: a single-byte Cyrillic charset.
  if (shape.multiRuns >= 0.6 && shape.meanRun >= 3) return scoreCyrillic(buf);
  return fallback;
}
