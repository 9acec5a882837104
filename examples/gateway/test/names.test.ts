import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mailFileFolder } from '../src/mail-store.js';
import { hopFolderName, mailFileSegments } from '../src/names.js';

describe('folder names from directory data', () => {
  it('a mail file path becomes folders under the data directory', () => {
    assert.deepEqual(mailFileSegments('mail/jdoe.nsf'), ['mail', 'jdoe.nsf']);
    assert.deepEqual(mailFileSegments('mail\\jdoe.nsf'), ['mail', 'jdoe.nsf']);
    assert.equal(mailFileFolder('/data', 'mail/jdoe.nsf'), join('/data', 'mailfiles', 'mail', 'jdoe.nsf'));
  });

  it('never climbs out of the data directory', () => {
    for (const hostile of ['../../etc/passwd', '/etc/passwd', 'mail/../../x', '..', '', '.\\..\\x']) {
      const folder = mailFileFolder('/data', hostile);
      assert.ok(folder.startsWith(join('/data', 'mailfiles')), `${hostile} -> ${folder}`);
      assert.ok(!folder.split('/').includes('..'), folder);
    }
  });

  it('next hops become one folder name', () => {
    assert.equal(hopFolderName('CN=Mail2/O=Acme'), 'Mail2_Acme');
    assert.equal(hopFolderName('Mail2/Acme'), 'Mail2_Acme');
    assert.equal(hopFolderName('mx.partner.example'), 'mx.partner.example');
    assert.equal(hopFolderName('../x'), '__x');
    assert.equal(hopFolderName(''), '_');
    assert.ok(!hopFolderName('..').startsWith('.'));
  });
});
