import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createFolderMailFiles, mailFileSegments } from '../src/delivery/folder-mail-files.js';
import { INBOX_FOLDER } from '../src/delivery/mail-files.js';
import { bccViewFor } from '../src/message/bcc.js';
import { message } from './helpers.js';

describe('folder mail files (the default MailFiles)', () => {
  it('writes the copy and a document with DeliveredDate, ($Inbox), no Recipients item, own Bcc only', async () => {
    const root = await mkdtemp(join(tmpdir(), 'router-mailfiles-'));
    try {
      const files = createFolderMailFiles(root);
      const raw = message({ To: 'jane@acme.example', Bcc: 'john@acme.example, bob@acme.example' });
      const delivery = {
        queueId: 'Q1',
        mailFile: 'mail/john.nsf',
        owner: 'CN=John Roe/O=Acme',
        recipients: ['john@acme.example'],
        mailFrom: 'sender@elsewhere.example',
        message: bccViewFor(raw, ['john@acme.example']),
        deliveredMs: Date.UTC(2026, 11, 1, 9),
        folders: [INBOX_FOLDER],
      };
      const result = await files.deliver(delivery);
      assert.ok(result.ok);
      // Delivering again after a crash replaces the copy: still one pair of files.
      assert.ok((await files.deliver(delivery)).ok);
      const folder = join(root, 'mail', 'john.nsf');
      assert.deepEqual((await readdir(folder)).sort(), ['Q1.eml', 'Q1.json']);
      const doc = JSON.parse(await readFile(join(folder, 'Q1.json'), 'utf8')) as {
        folders: string[];
        items: { name: string; value: unknown }[];
      };
      assert.deepEqual(doc.folders, ['($Inbox)']);
      const names = doc.items.map((i) => i.name);
      assert.ok(!names.includes('Recipients'), 'the Recipients item is removed at delivery');
      assert.equal(doc.items.find((i) => i.name === 'DeliveredDate')?.value, '2026-12-01T09:00:00.000Z');
      assert.deepEqual(doc.items.find((i) => i.name === 'BlindCopyTo')?.value, ['john@acme.example']);
      const eml = await readFile(join(folder, 'Q1.eml'), 'utf8');
      assert.doesNotMatch(eml, /bob@/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a mail file name never climbs out of the root', () => {
    assert.deepEqual(mailFileSegments('../../etc/passwd'), ['etc', 'passwd']);
    assert.deepEqual(mailFileSegments('mail\\..\\x y.nsf'), ['mail', 'x_y.nsf']);
    assert.deepEqual(mailFileSegments(''), ['_']);
  });

  it('a write that cannot happen is a failed Result, not a throw', async () => {
    const root = await mkdtemp(join(tmpdir(), 'router-mailfiles-'));
    // A file where a folder should be: every write below it fails with ENOTDIR.
    await writeFile(join(root, 'file'), 'x');
    const files = createFolderMailFiles(join(root, 'file'));
    const r = await files.deliver({
      queueId: 'Q',
      mailFile: 'mail/x.nsf',
      owner: 'X',
      recipients: ['x@y'],
      mailFrom: '',
      message: message(),
      deliveredMs: 0,
      folders: [INBOX_FOLDER],
    });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason.temporary, false);
    await rm(root, { recursive: true, force: true });
  });
});
