// What the builder must never do (issue 12, issue 13 section 5): let content split a part, base64
// a forwarded message, drop an attachment, a group, an author or a quoted local part, write LF text
// as =0A, or let a literal "=?...?=" display name be decoded by readers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildMessage, type MimePart, Note, parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

const clock = { now: () => Date.parse('2026-01-02T03:04:05Z') };

/** A random source giving these byte strings in turn (then zeros). */
function scripted(...values: Buffer[]): (n: number) => Buffer {
  let i = 0;
  return (n) => {
    const v = values[i++];
    return v === undefined ? Buffer.alloc(n) : Buffer.concat([v, Buffer.alloc(n)]).subarray(0, n);
  };
}

function code(err: unknown): string {
  return (err as { code?: string }).code ?? String(err);
}

function head(msg: Buffer): string {
  const text = msg.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n') + 2);
}

function mixedWithText(text: string): Note {
  const n = new Note().add({ name: 'From', type: 'text', value: 'a@example.com' });
  n.add({
    name: 'Body',
    type: 'mimePart',
    value: { path: '', headers: [], mediaType: 'multipart/mixed', params: {}, transferEncoding: '', size: 0 },
  });
  const content = Buffer.from(text, 'utf8');
  n.add({
    name: 'Body',
    type: 'mimePart',
    value: {
      path: '1',
      headers: [],
      mediaType: 'text/plain',
      params: { charset: 'us-ascii' },
      transferEncoding: '7bit',
      size: content.length,
      content,
      text,
      charset: 'us-ascii',
    },
  });
  return n;
}

describe('boundaries', () => {
  it('are random: two builds of the same note use different boundaries', () => {
    const note = mixedWithText('hello\r\n');
    const b = (m: Buffer): string => /boundary="?([^";\r]+)/.exec(m.toString('latin1'))?.[1] ?? '';
    assert.notEqual(b(buildMessage(note, { clock })), b(buildMessage(note, { clock })));
  });

  it('never occur in the content they enclose: a colliding candidate is replaced', async () => {
    const first = Buffer.alloc(15, 1);
    const predicted = `=_mr_${first.toString('base64url')}`;
    // A crafted text part holding the delimiter and an attacker's html part after it.
    const evil = `Hi\r\n--${predicted}\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n`;
    const out = buildMessage(mixedWithText(evil), {
      clock,
      randomBytes: scripted(first, Buffer.alloc(15, 2)),
    });
    assert.doesNotMatch(out.toString('latin1'), new RegExp(`boundary="?${predicted}`));
    const back = await parseMessage(out);
    assert.deepEqual(
      back.parts().map((p) => p.mediaType),
      ['multipart/mixed', 'text/plain'],
    );
    assert.equal(back.parts()[1]?.text, evil);
  });

  it('cannot be predicted from the message: a delimiter derived from Message-ID, Subject and part count stays text', async () => {
    // The builder once derived its boundary from these; a sender could write it into a part.
    const note = mixedWithText('placeholder')
      .add({ name: '$MessageID', type: 'text', value: '<victim@example.com>' })
      .add({ name: 'Subject', type: 'text', value: 'Invoice' });
    const seed = createHash('sha256').update('<victim@example.com>\nInvoice\n2').digest('hex');
    const predicted = `=_mr_${createHash('sha256').update(`${seed}/1`).digest('hex').slice(0, 24)}_1`;
    const evil = `Hi\r\n--${predicted}\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n`;
    const part = note.parts()[1] as MimePart;
    note.items.splice(
      note.items.findIndex((i) => i.type === 'mimePart' && i.value === part),
      1,
      {
        name: 'Body',
        type: 'mimePart',
        value: { ...part, content: Buffer.from(evil), text: evil, size: evil.length },
      },
    );
    const back = await parseMessage(buildMessage(note, { clock }));
    assert.deepEqual(
      back.parts().map((p) => p.mediaType),
      ['multipart/mixed', 'text/plain'],
    );
  });

  it('a crafted inbound message rebuilt gains no part', async () => {
    const inbound = crlf(
      'From: x@example.com',
      'Content-Type: multipart/mixed; boundary=b1',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      '--=_mr_AAAAAAAAAAAAAAAAAAAA',
      'Content-Type: text/html',
      '',
      '<b>injected</b>',
      '--b1--',
      '',
    );
    const note = await parseMessage(inbound);
    const back = await parseMessage(
      buildMessage(note, { clock, randomBytes: scripted(Buffer.alloc(15), Buffer.alloc(15, 7)) }),
    );
    assert.deepEqual(
      back.parts().map((p) => p.mediaType),
      note.parts().map((p) => p.mediaType),
    );
  });
});

describe('forwarded messages (message/rfc822)', () => {
  const inner = crlf(
    'From: inner@example.com',
    'Subject: inner',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße: the body of the inner message is 8-bit',
    '',
  );

  it('an attachment that came base64-encoded goes out 8bit, never base64 (RFC 2046 5.2.1)', async () => {
    const msg = crlf(
      'From: x@example.com',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      'Content-Type: message/rfc822; name=fwd.eml',
      'Content-Disposition: attachment; filename=fwd.eml',
      'Content-Transfer-Encoding: base64',
      '',
      inner.toString('base64'),
      '--b--',
      '',
    );
    const out = buildMessage(await parseMessage(msg), { clock });
    const text = out.toString('latin1');
    const part = text.slice(text.indexOf('Content-Type: message/rfc822'));
    assert.match(part, /^Content-Transfer-Encoding: 8bit\r$/m);
    assert.doesNotMatch(part.slice(0, part.indexOf('\r\n\r\n')), /base64/);
    assert.match(part, /Content-Disposition: attachment; filename=fwd\.eml/);
    const back = await parseMessage(out);
    assert.equal(back.parts().find((p) => p.mediaType === 'message/rfc822')?.disposition, 'attachment');
  });

  it('a parsed embedded message keeps its Content-Disposition and its MIME-Version', async () => {
    const msg = crlf(
      'From: x@example.com',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'fwd',
      '--b',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="Re: hello.eml"',
      '',
      inner.toString('latin1'),
      '--b--',
      '',
    );
    const out = buildMessage(await parseMessage(msg), { clock }).toString('latin1');
    assert.match(
      out,
      /Content-Type: message\/rfc822\r\nContent-Disposition: attachment;\s+filename="Re: hello\.eml"\r\n\r\nFrom: inner@example\.com/,
    );
    const embedded = out.slice(out.indexOf('From: inner@example.com'));
    assert.match(embedded.slice(0, embedded.indexOf('\r\n\r\n')), /^MIME-Version: 1\.0\r$/m);
  });

  it('refuses a forwarded message with a line over 998 octets instead of base64-encoding it', () => {
    const n = mixedWithText('x\r\n');
    const long = Buffer.from(`Subject: x\r\n\r\n${'a'.repeat(1200)}\r\n`);
    n.add({
      name: 'Body',
      type: 'mimePart',
      value: {
        path: '2',
        headers: [],
        mediaType: 'message/rfc822',
        params: {},
        transferEncoding: '',
        size: long.length,
        content: long,
      },
    });
    assert.throws(
      () => buildMessage(n, { clock }),
      (e) => code(e) === 'ITEMIZER_UNWRITABLE_CONTENT',
    );
  });
});

describe('validation of assembled notes', () => {
  it('refuses a $FILE item when the note has no MIME parts (it used to be dropped)', () => {
    const n = new Note()
      .add({ name: 'From', type: 'text', value: 'a@example.com' })
      .add({ name: 'Body', type: 'text', value: 'see attachment' })
      .add({
        name: '$FILE',
        type: 'attachment',
        value: {
          fileName: 'a.pdf',
          mediaType: 'application/pdf',
          size: 1,
          content: Buffer.from('x'),
          streamed: false,
          part: '',
        },
      });
    assert.throws(
      () => buildMessage(n, { clock }),
      (e) => code(e) === 'ITEMIZER_UNLINKED_ATTACHMENT',
    );
    assert.throws(
      () => buildMessage(n, { clock, output: 'stream' }),
      (e) => code(e) === 'ITEMIZER_UNLINKED_ATTACHMENT',
    );
  });

  it('refuses a $FILE item no part refers to, and a part naming a $FILE that does not exist', () => {
    const n = mixedWithText('x');
    n.add({
      name: '$FILE',
      type: 'attachment',
      value: {
        fileName: 'a.pdf',
        mediaType: 'application/pdf',
        size: 1,
        content: Buffer.from('x'),
        streamed: false,
        part: '2',
      },
    });
    n.add({
      name: 'Body',
      type: 'mimePart',
      value: {
        path: '2',
        headers: [],
        mediaType: 'application/pdf',
        params: {},
        transferEncoding: '',
        size: 1,
        attachment: 'b.pdf',
      },
    });
    assert.throws(
      () => buildMessage(n, { clock }),
      (e) => code(e) === 'ITEMIZER_MISSING_ATTACHMENT',
    );
    const fixed = mixedWithText('x');
    fixed.add(n.items.find((i) => i.name === '$FILE') as never);
    assert.throws(
      () => buildMessage(fixed, { clock }),
      (e) => code(e) === 'ITEMIZER_UNLINKED_ATTACHMENT',
    );
  });

  it('refuses part records that are not a tree', () => {
    const dup = mixedWithText('x');
    dup.add({ name: 'Body', type: 'mimePart', value: { ...(dup.parts()[1] as MimePart) } });
    assert.throws(
      () => buildMessage(dup, { clock }),
      (e) => code(e) === 'ITEMIZER_INVALID_PART',
    );
    const underLeaf = mixedWithText('x');
    underLeaf.add({
      name: 'Body',
      type: 'mimePart',
      value: { ...(underLeaf.parts()[1] as MimePart), path: '1.1' },
    });
    assert.throws(
      () => buildMessage(underLeaf, { clock }),
      (e) => code(e) === 'ITEMIZER_INVALID_PART',
    );
    const badPath = mixedWithText('x');
    badPath.add({
      name: 'Body',
      type: 'mimePart',
      value: { ...(badPath.parts()[1] as MimePart), path: '2..1' },
    });
    assert.throws(
      () => buildMessage(badPath, { clock }),
      (e) => code(e) === 'ITEMIZER_INVALID_PART',
    );
  });
});

describe('text and headers', () => {
  it('writes LF text as canonical CRLF text, not quoted-printable =0A (RFC 2046 4.1.1)', async () => {
    const out = buildMessage(mixedWithText('line one\nline two\n'), { clock }).toString('latin1');
    assert.doesNotMatch(out, /=0A/);
    assert.match(out, /Content-Transfer-Encoding: 7bit\r\n\r\nline one\r\nline two\r\n/);
  });

  it('keeps a display name that reads like an encoded word literal (RFC 2047 5(3))', async () => {
    const n = new Note()
      .add({ name: 'From', type: 'text', value: '"=?utf-8?q?The_Boss?=" <boss@example.com>' })
      .add({ name: 'SendTo', type: 'textList', value: ['"=?utf-8?b?QWRtaW4=?=" <a@example.com>'] });
    const out = buildMessage(n, { clock });
    assert.doesNotMatch(head(out), /=\?utf-8\?q\?The_Boss\?=/);
    const back = await parseMessage(out);
    assert.equal(back.text('From'), '"=?utf-8?q?The_Boss?=" <boss@example.com>');
    assert.deepEqual(back.textList('SendTo'), ['"=?utf-8?b?QWRtaW4=?=" <a@example.com>']);
  });

  it('quotes local parts that are not dot-atoms (RFC 5322 3.4.1)', async () => {
    const msg = crlf(
      'From: "john..doe"@example.com',
      'To: ".dot"@example.com, "a b"@example.com, "kim"@example.com',
      '',
      'x',
    );
    const out = buildMessage(await parseMessage(msg), { clock });
    assert.match(head(out), /^From: "john\.\.doe"@example\.com\r$/m);
    assert.match(head(out), /^To: "\.dot"@example\.com, "a b"@example\.com, kim@example\.com\r$/m);
    const n = new Note().add({ name: 'From', type: 'text', value: 'john..doe@example.com' });
    assert.match(head(buildMessage(n, { clock })), /^From: "john\.\.doe"@example\.com\r$/m);
  });

  it('keeps groups: an empty undisclosed-recipients group and a named group with members', async () => {
    const msg = crlf(
      'From: a@example.com',
      'To: undisclosed-recipients:;',
      'Cc: Team: b@example.com, "C D" <c@example.com>;, e@example.com',
      '',
      'x',
    );
    const note = await parseMessage(msg);
    assert.deepEqual(note.textList('SendTo'), ['undisclosed-recipients:;']);
    assert.deepEqual(note.textList('CopyTo'), ['Team: b@example.com, C D <c@example.com>;', 'e@example.com']);
    const out = buildMessage(note, { clock });
    assert.match(head(out), /^To: undisclosed-recipients:;\r$/m);
    assert.match(head(out), /^Cc: Team: b@example\.com, C D <c@example\.com>;, e@example\.com\r$/m);
    const back = await parseMessage(out);
    assert.deepEqual(back.textList('SendTo'), note.textList('SendTo'));
    assert.deepEqual(back.textList('CopyTo'), note.textList('CopyTo'));
  });

  it('keeps every author of a From with several mailboxes, with its Sender', async () => {
    const msg = crlf(
      'From: Ann <ann@example.com>, bob@example.com',
      'Sender: ann@example.com',
      'To: c@example.com',
      '',
      'x',
    );
    const note = await parseMessage(msg);
    const out = buildMessage(note, { clock });
    assert.match(head(out), /^From: Ann <ann@example\.com>, bob@example\.com\r$/m);
    assert.match(head(out), /^Sender: ann@example\.com\r$/m);
    assert.equal((await parseMessage(out)).text('From'), 'Ann <ann@example.com>, bob@example.com');
  });

  it('records a defect for several authors without a Sender, and still writes them all', async () => {
    const note = await parseMessage(crlf('From: ann@example.com, bob@example.com', '', 'x'));
    assert.ok(note.defects.some((d) => d.code === 'missing-header' && /Sender/.test(d.message)));
    assert.match(head(buildMessage(note, { clock })), /^From: ann@example\.com, bob@example\.com\r$/m);
  });

  it('writes one valid Date and one Subject: an unreadable Date and a second Subject are not carried forward', async () => {
    const msg = crlf(
      'From: a@example.com',
      'Date: yesterday at noon',
      'Subject: first',
      'Subject: second',
      '',
      'x',
    );
    const note = await parseMessage(msg);
    const h = head(buildMessage(note, { clock }));
    assert.deepEqual(h.match(/^Date: .*$/gm), ['Date: Fri, 02 Jan 2026 03:04:05 +0000']);
    assert.deepEqual(h.match(/^Subject: .*$/gm), ['Subject: first']);
    // Both stay in the note, as items, for whoever reads it.
    assert.equal(note.getAll('Subject').length, 2);
    assert.equal(note.text('Date'), 'yesterday at noon');
  });
});

describe('MimePart details', () => {
  it('has the declared file name, the declared charset and the Content-ID as written', async () => {
    const msg = crlf(
      'From: a@example.com',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'caf\xe9',
      '--b',
      'Content-Type: image/png; name="logo.png"',
      'Content-ID: <logo@example.com>',
      "Content-Disposition: inline; filename*=utf-8''%C3%BC.png",
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0K',
      '--b--',
      '',
    );
    const parts = (await parseMessage(msg)).parts();
    assert.equal(parts[1]?.declaredCharset, 'us-ascii');
    assert.equal(parts[2]?.fileName, 'ü.png');
    assert.equal(parts[2]?.contentId, '<logo@example.com>');
    assert.equal(parts[2]?.declaredCharset, undefined);
  });
});
