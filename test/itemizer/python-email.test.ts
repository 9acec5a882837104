// Every message in fixtures/mime parses without throwing, and its decoded parts match what an
// independent parser (Debian's Python `email` package) finds: same tree of content types, same
// SHA-256 of every leaf's decoded payload. Where the two parsers legitimately differ on broken
// input, the file is listed in KNOWN_DIFFERENCES with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseMessage } from '@mailroute/itemizer';
import { fixturesRoot, mimeFixtureFiles } from './fixtures.js';

const PYTHON = '/usr/bin/python3';
const helper = fileURLToPath(new URL('../python-email.py', import.meta.url));

interface PyPart {
  type: string;
  multipart: boolean;
  sha256?: string;
  sha256_lf?: string;
  size?: number;
}

/** Files where Python's reading differs from ours for a reason we accept (path suffix -> reason). */
const BAD_BASE64 =
  'base64 body with characters outside the alphabet or a stray last character: Python returns the undecoded body, we decode what is valid and record invalid-base64';
const NO_SEMICOLON =
  'Content-Type without ";" before name=: Python keeps the whole string as the type, we read the leading media type and record a defect';
const NO_BOUNDARY =
  'multipart without a usable boundary: Python keeps the declared type on a text payload, we read it as text/plain (RFC 2045 default) with a defect';
const UNTERMINATED =
  'last part without a close delimiter: Python drops the final line break, we keep the bytes up to the end of input';
const SAME_BOUNDARY =
  "nested multipart reusing its parent's boundary: we match the innermost open boundary first, Python reads it differently";
const KNOWN_DIFFERENCES: Record<string, string> = {
  'mail__mime-bad-content-transfer-encoding.raw': BAD_BASE64,
  'parts__extra-base64-character.raw': BAD_BASE64,
  'mail__mime-bad-content-type.raw': NO_SEMICOLON,
  'mail__mime-blank-media-name.raw': NO_SEMICOLON,
  'mail__multipart-wo-boundary.raw': NO_BOUNDARY,
  'python-email/msg_25.txt': NO_BOUNDARY,
  'python-email/msg_41.txt': NO_BOUNDARY,
  'parts__ctype-invalid-characters.raw':
    'Content-Type "text/plain>": Python keeps the invalid string as the type, we read text/plain',
  'parts__badboundary.raw': UNTERMINATED,
  'parts__multimixed-no-closing-boundary.raw': UNTERMINATED,
  'hunnysoft/m0021.txt':
    'boundary parameter folded inside its quoted string: we unfold it (RFC 5322 2.2.3) and find the 4 parts; Python keeps the line break and finds none',
  'python-email/msg_15.txt': SAME_BOUNDARY,
  'python-email/msg_39.txt': SAME_BOUNDARY,
  'mailparser/nested.eml':
    'quoted-printable line holding only a space: RFC 2045 6.7 rule 3 says decoders delete trailing white space of an encoded line, and we do; Python keeps it',
  'python-email/msg_37.txt':
    'empty body parts between adjacent delimiters: RFC 2046 allows them and we keep them, Python drops them',
};

const pythonReason = !existsSync(PYTHON) ? `${PYTHON} not found` : undefined;
const skip =
  fixturesRoot === undefined ? 'fixtures folder absent' : process.env.CI ? false : (pythonReason ?? false);

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('MIME fixtures against Python email', { skip }, () => {
  const files = mimeFixtureFiles().filter((f) => !/(MANIFEST|README)\./.test(f));
  it('finds the fixture files', () => assert.ok(files.length > 200));
  it('parses every file and matches the reference tree and payloads', async () => {
    const reference = JSON.parse(
      execFileSync(PYTHON, [helper, ...files], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8'),
    ) as Record<string, PyPart[]>;
    const mismatches: string[] = [];
    for (const file of files) {
      const note = await parseMessage(readFileSync(file));
      const ours = note.parts();
      const py = reference[file] ?? [];
      const problems: string[] = [];
      if (ours.length !== py.length) problems.push(`part count ${ours.length} vs python ${py.length}`);
      for (let i = 0; i < Math.min(ours.length, py.length); i++) {
        const a = ours[i];
        const b = py[i] as PyPart;
        if (a === undefined) continue;
        if (a.mediaType !== b.type) problems.push(`part ${a.path}: ${a.mediaType} vs ${b.type}`);
        if (b.sha256 !== undefined && a.content !== undefined) {
          const same =
            sha(a.content) === b.sha256 ||
            sha(Buffer.from(a.content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')) === b.sha256_lf;
          if (!same)
            problems.push(
              `part ${a.path} (${a.mediaType}): payload ${a.content.length} bytes vs python ${b.size}`,
            );
        }
      }
      const known = Object.keys(KNOWN_DIFFERENCES).find((k) => file.endsWith(k));
      if (problems.length > 0 && known === undefined) mismatches.push(`${file}: ${problems.join('; ')}`);
    }
    assert.deepEqual(mismatches, []);
  });
});
