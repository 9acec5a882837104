// messageBodies: the text/plain and text/html bodies a reader shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageBodies, parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

describe('messageBodies', () => {
  it('takes the last alternative of each kind and the start part of multipart/related', async () => {
    const note = await parseMessage(
      crlf(
        'From: a@example.com',
        'Content-Type: multipart/mixed; boundary=m',
        '',
        '--m',
        'Content-Type: multipart/alternative; boundary=a',
        '',
        '--a',
        'Content-Type: text/plain',
        '',
        'plain one',
        '--a',
        'Content-Type: text/plain',
        '',
        'plain two',
        '--a',
        'Content-Type: multipart/related; boundary=r; start="<main@x>"',
        '',
        '--r',
        'Content-Type: text/html',
        'Content-ID: <other@x>',
        '',
        '<p>not the start</p>',
        '--r',
        'Content-Type: text/html',
        'Content-ID: <main@x>',
        '',
        '<p>start</p>',
        '--r--',
        '--a--',
        '--m',
        'Content-Type: text/plain; name=notes.txt',
        'Content-Disposition: attachment',
        '',
        'an attachment',
        '--m--',
        '',
      ),
    );
    const { text, html } = messageBodies(note);
    assert.equal(text?.text, 'plain two');
    assert.equal(html?.text, '<p>start</p>');
  });

  it('takes the first inline text in multipart/mixed, never an attachment or an embedded message', async () => {
    const note = await parseMessage(
      crlf(
        'From: a@example.com',
        'Content-Type: multipart/mixed; boundary=m',
        '',
        '--m',
        'Content-Type: message/rfc822',
        '',
        'Subject: inner',
        '',
        'inner body',
        '--m',
        'Content-Type: text/plain; name=a.txt',
        'Content-Disposition: attachment; filename=a.txt',
        '',
        'file',
        '--m',
        'Content-Type: text/plain',
        '',
        'the body',
        '--m--',
        '',
      ),
    );
    assert.equal(messageBodies(note).text?.text, 'the body');
    assert.equal(messageBodies(note).html, undefined);
    assert.deepEqual(messageBodies([]), {});
  });
});
