// decodeTnef against every file in fixtures/tnef: attachment names, sizes and SHA-256 must match
// the listing Debian's `tnef` made (EXPECTED.json), the body files too, and the damaged files
// must give recorded defects, never a throw or a hang.
//
// How the reference was made matters: `tnef -K --overwrite -C DIR` writes files into a folder,
// so of two attachments with the same name only the last survives, and an embedded object is
// written whole (its 16-byte IID first). The comparison applies the same rules to our list.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildMessage, decodeTnef, parseMessage, type TnefMessage, tnefCalendar } from '@mailroute/itemizer';
import { fixturesRoot } from './fixtures.js';

interface RefFile {
  name: string;
  size: number;
  sha256: string;
}
interface RefRun {
  rc: number;
  files?: RefFile[];
}
interface Expected {
  tnef_list_strict: RefRun;
  tnef_extract_K: RefRun;
  tnef_body_ALL_K?: RefRun;
  ytnef_extract?: RefRun;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Names in EXPECTED.json show raw non-UTF-8 bytes as \xNN; TNEF names are CP1252. */
function refName(name: string): string {
  const bytes = Buffer.from(
    name.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  );
  return new TextDecoder('windows-1252').decode(bytes);
}

/** Our attachments as `tnef --overwrite` would leave them in a folder: last of each name wins. */
function asFolder(msg: TnefMessage): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const a of msg.attachments) out.set(a.fileName, a.data);
  return out;
}

/** Reference names that `tnef` invents (it names a nameless attachment after its temp file). */
const GENERATED_NAMES = new Set(['tnef-tmp']);
/** Body files where `tnef` and we differ on purpose. */
const BODY_DIFFERENCES: Record<string, string> = {
  'invalid-checksum.tnef':
    'the RTF attribute has a bad checksum: tnef drops it (0 bytes), we decode it and record tnef-checksum and tnef-rtf',
};
const DAMAGE = new Set(['tnef-checksum', 'tnef-truncated', 'tnef-invalid']);

const dir = fixturesRoot === undefined ? undefined : join(fixturesRoot, 'tnef');

describe('TNEF fixtures against EXPECTED.json', {
  skip: dir === undefined ? 'fixtures folder absent' : false,
}, () => {
  const expected = JSON.parse(readFileSync(join(dir as string, 'EXPECTED.json'), 'utf8')) as Record<
    string,
    Expected
  >;
  for (const [file, exp] of Object.entries(expected)) {
    it(file, () => {
      const bytes = readFileSync(join(dir as string, 'files', file));
      const started = Date.now();
      const msg = decodeTnef(bytes);
      assert.ok(Date.now() - started < 2000, 'decodes in bounded time');
      const damage = msg.defects.filter((d) => DAMAGE.has(d.code));
      if (exp.tnef_list_strict.rc !== 0) {
        assert.ok(
          damage.length > 0,
          `tnef rejects it (rc ${exp.tnef_list_strict.rc}); we must record a defect`,
        );
      } else {
        assert.deepEqual(damage, [], 'tnef accepts it; no damage defect');
      }
      if (exp.tnef_extract_K.rc === 0) {
        const ours = asFolder(msg);
        const ref = exp.tnef_extract_K.files ?? [];
        assert.equal(ours.size, ref.length, `attachment count: ours ${[...ours.keys()].join(', ')}`);
        for (const r of ref) {
          if (GENERATED_NAMES.has(r.name)) {
            assert.ok(
              [...ours.values()].some((d) => d.length === r.size && sha(d) === r.sha256),
              `unnamed ${r.name}`,
            );
            continue;
          }
          const data = ours.get(refName(r.name));
          assert.ok(data !== undefined, `attachment ${refName(r.name)} present`);
          assert.equal(data.length, r.size, `${r.name} size`);
          assert.equal(sha(data), r.sha256, `${r.name} sha256`);
        }
      }
      // ytnef is the second, independent reference: same bytes (its names replace spaces).
      const y = exp.ytnef_extract?.files ?? [];
      if (exp.ytnef_extract?.rc === 0 && y.length > 0) {
        const ourHashes = new Set(msg.attachments.map((a) => sha(a.data)));
        // ytnef also derives calendar.ics from an IPM.Appointment; that is not an attachment.
        for (const r of y.filter((f) => f.name !== 'calendar.ics'))
          assert.ok(ourHashes.has(r.sha256), `ytnef's ${r.name} bytes present`);
      }
      if (BODY_DIFFERENCES[file] === undefined) {
        for (const body of exp.tnef_body_ALL_K?.rc === 0 ? (exp.tnef_body_ALL_K.files ?? []) : []) {
          if (body.name === 'BODY.rtf')
            assert.equal(sha(msg.bodyRtf ?? Buffer.alloc(0)), body.sha256, 'decompressed RTF body');
          if (body.name === 'BODY.html')
            assert.equal(sha(msg.bodyHtml ?? Buffer.alloc(0)), body.sha256, 'HTML body');
          if (body.name === 'BODY.txt') assert.ok((msg.bodyText ?? '').length > 0, 'text body present');
        }
      }
    });
  }
});

describe('TNEF appointment as iCalendar', {
  skip: dir === undefined ? 'fixtures folder absent' : false,
}, () => {
  it('triples.tnef gives the event ytnef derives (reference-output/triples.ytnef-calendar.ics)', () => {
    const ics = tnefCalendar(decodeTnef(readFileSync(join(dir as string, 'files', 'triples.tnef')))) ?? '';
    const reference = readFileSync(
      join(dir as string, 'reference-output', 'triples.ytnef-calendar.ics'),
      'utf8',
    );
    const field = (text: string, name: string): string | undefined =>
      new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, 'm').exec(text)?.[1]?.trim().toLowerCase();
    for (const name of ['DTSTART', 'DTEND', 'SUMMARY', 'LOCATION', 'ORGANIZER', 'METHOD']) {
      assert.equal(field(ics, name), field(reference, name), name);
    }
  });
  it('gives nothing for a message that is not an appointment', () => {
    assert.equal(
      tnefCalendar(decodeTnef(readFileSync(join(dir as string, 'files', 'one-file.tnef')))),
      undefined,
    );
  });
});

describe('TNEF conversion of every fixture inside a message', {
  skip: dir === undefined ? 'fixtures folder absent' : false,
}, () => {
  it('converts (or keeps a damaged winmail.dat), and the note survives building', async () => {
    for (const file of Object.keys(
      JSON.parse(readFileSync(join(dir as string, 'EXPECTED.json'), 'utf8')) as object,
    )) {
      const bytes = readFileSync(join(dir as string, 'files', file));
      const b64 = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
      const message = Buffer.from(
        `From: a@b.c\r\nContent-Type: multipart/mixed; boundary=t\r\n\r\n--t\r\nContent-Type: text/plain\r\n\r\nsee\r\n--t\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--t--\r\n`,
      );
      const note = await parseMessage(message, { tnef: { enableConversion: true, attachRtf: true } });
      const msg = decodeTnef(bytes);
      const damaged =
        !msg.valid || msg.defects.some((d) => d.code === 'tnef-invalid' || d.code === 'tnef-truncated');
      assert.equal(
        note.attachments().some((a) => a.fileName === 'winmail.dat'),
        damaged,
        `${file}: winmail.dat kept only when damaged`,
      );
      const again = await parseMessage(buildMessage(note, { clock: { now: () => 0 } }));
      const list = (n: typeof note): string[] =>
        n.attachments().map((a) => `${a.fileName} ${a.size} ${a.content ? sha(a.content) : '-'}`);
      assert.deepEqual(list(again), list(note), file);
    }
  });
});
