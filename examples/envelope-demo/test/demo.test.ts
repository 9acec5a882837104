import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runDemo } from '../src/demo.js';

it('the envelope demo shows refusals, the relay trick, the smuggling attempt kept inside and the Received header', () => {
  const out: string[] = [];
  runDemo((line) => out.push(line));
  const text = out.join('\n');
  assert.match(text, /S: 220 mx\.example\.com ESMTP Service ready/);
  assert.match(text, /S: 553 5\.6\.7 Non-ASCII address requires SMTPUTF8/);
  assert.match(text, /local part "dave@evil\.example", domain example\.com/);
  assert.match(text, /S: 501 5\.1\.3 Bad recipient address syntax/);
  assert.match(text, /S: 500 5\.5\.1 Command unrecognized/);
  assert.match(text, /S: 250 2\.6\.0 Message accepted for delivery, id 4F2A9/);
  assert.match(text, /after the end of data the client sent: "QUIT\\r\\n"/);
  assert.match(text, /^Received: from mail\.example\.org \(mail\.example\.org \[192\.0\.2\.1\]\)$/m);
  assert.match(text, /^\tfor <bob@example\.com>; Sat, 21 Nov 2026 09:00:00 \+0000$/m);
  // The smuggled command stayed inside the message body.
  assert.match(text, /^MAIL FROM:<admin@example\.com>$/m);
  assert.match(text, /^\.a line that starts with a dot$/m);
  assert.match(text, /2 bare line ends normalised/);
  assert.match(text, /an honest client's DATA, encoded: "Subject: hello\\r\\n\\r\\n\.\.a line/);
  assert.match(text, /^S: 250-mx\.example\.com greets mail\.example\.org$/m);
});
