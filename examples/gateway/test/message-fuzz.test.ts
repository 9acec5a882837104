/**
 * Bounded fuzz: seeded random and broken messages (garbage bytes, broken MIME, bad encodings,
 * a corrupt winmail.dat, missing headers) through the whole backend. Broken mail is the norm:
 * every one must be accepted and stored whole, never answered 451 or left half-written.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestSession } from '@mailroute/smtp-server/testing';
import { seededRandom } from '@mailroute/testing';
import { removeDir, type TestGateway, tempDir, testGateway } from './helpers.js';

let dir: string;
let gw: TestGateway;
before(async () => {
  dir = await tempDir('gateway-fuzz-');
  gw = await testGateway(dir);
});
after(async () => {
  await gw.router.close();
  await removeDir(dir);
});

const seeded = seededRandom(0xfacade);
const random = seeded.next;
const pick = seeded.pick;

function garbage(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(random() * 256));
  return s;
}

const HEADERS = [
  'From: Jane <jane@outside.example>',
  'From: =?utf-8?B?broken',
  'From: ',
  'To: undisclosed-recipients:;',
  'Subject: =?iso-8859-1?Q?caf=E9?=',
  'Date: not a date',
  'Content-Type: multipart/mixed; boundary="b1"',
  'Content-Type: multipart/alternative',
  'Content-Type: application/ms-tnef; name="winmail.dat"',
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: quoted-printable',
  'MIME-Version: 1.0',
  'X-Notes-Item: broken',
  ` X-Continued: ${garbage(5)}`,
];

function randomMessage(): string {
  const lines: string[] = [];
  const count = Math.floor(random() * 8);
  for (let i = 0; i < count; i++)
    lines.push(random() < 0.8 ? pick(HEADERS) : garbage(Math.floor(random() * 60)));
  lines.push('');
  const parts = Math.floor(random() * 4);
  for (let i = 0; i < parts; i++) {
    if (random() < 0.5) lines.push('--b1', pick(HEADERS), '');
    lines.push(
      random() < 0.5
        ? 'eJ8+IhAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNyb3NvZnQ='
        : garbage(Math.floor(random() * 300)),
    );
  }
  if (random() < 0.5) lines.push('--b1--');
  // The client's side of DATA: CRLF line ends are the server's job, dot-stuffing the client's.
  return `${lines.join('\r\n')}\r\n`.replace(/(^|\n)\./g, '$1..');
}

describe('message fuzz through the backend', () => {
  it('200 random broken messages are all accepted, stored whole, with no processing error (seeded)', async () => {
    const s = await createTestSession({ hostname: 'mail1.acme.example' }, gw.backend, {
      connection: { remoteAddress: '127.0.0.1' },
    });
    await s.send('EHLO fuzz.test\r\n');
    for (let i = 0; i < 200; i++) {
      await s.send('MAIL FROM:<fuzz@outside.example>\r\n');
      assert.match(await s.send('RCPT TO:<jane.doe@acme.example>\r\n'), /^250 /);
      assert.match(await s.send('DATA\r\n'), /^354 /);
      const reply = await s.send(`${randomMessage()}.\r\n`);
      assert.match(reply, /^250 2\.6\.0 /, `message ${i}`);
    }
    await s.close();
    await gw.router.router.idle();
    assert.equal(gw.stats.snapshot().processingErrors, 0);
    assert.equal(gw.stats.snapshot().messages, 200);
    const folder = join(dir, 'mailfiles', 'mail', 'jdoe.nsf');
    const files = await readdir(folder);
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 200);
    for (const f of files.filter((x) => x.endsWith('.json'))) {
      const doc = JSON.parse(await readFile(join(folder, f), 'utf8')) as { raw: string; items: unknown[] };
      assert.ok(files.includes(doc.raw));
      assert.ok(doc.items.length > 0);
    }
  });
});
