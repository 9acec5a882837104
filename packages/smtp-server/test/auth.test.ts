/** AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5; offered only under TLS by default; secrets never logged. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { PasswordCredentials } from '../src/backend.js';
import { decodeSasl, parseCramMd5, parsePlain } from '../src/sasl.js';
import { RecordingBackend, startSession } from './harness.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function authBackend(seen: PasswordCredentials[] = []): RecordingBackend {
  const b = new RecordingBackend();
  b.extra = {
    auth: (c) => {
      seen.push(c);
      return c.username === 'alice' && c.password === 's3cret';
    },
    authCramMd5: (user, challenge, digest) =>
      user === 'alice' && createHmac('md5', 's3cret').update(challenge).digest('hex') === digest,
  };
  return b;
}

async function tlsSession(b = authBackend(), options = {}) {
  return startSession({ ...options }, b, { listener: 'submission', secure: true });
}

describe('AUTH advertising', () => {
  it('not offered without TLS; 538 if tried', async () => {
    const h = await startSession({}, authBackend());
    await h.send('EHLO c\r\nAUTH PLAIN\r\n');
    const out = h.take();
    assert.ok(!out.includes('AUTH '));
    assert.match(out, /538 5\.7\.11 Encryption required for requested authentication mechanism\r\n$/);
  });
  it('offered under TLS when the backend can check passwords (by shape)', async () => {
    const h = await startSession({}, authBackend(), { secure: true });
    h.session.setTls({ version: 'TLSv1.3', cipher: 'X', servername: undefined });
    await h.send('EHLO c\r\n');
    assert.match(h.take(), /250-AUTH PLAIN LOGIN CRAM-MD5\r\n/);
  });
  it('never offered when the backend session has no auth method', async () => {
    const h = await startSession({ allowInsecureAuth: true });
    await h.send('EHLO c\r\nAUTH PLAIN\r\n');
    const out = h.take();
    assert.ok(!out.includes('AUTH'));
    assert.match(out, /502 5\.5\.1 /);
  });
});

describe('AUTH exchanges', () => {
  const opts = { allowInsecureAuth: true };
  it('PLAIN with an initial response', async () => {
    const seen: PasswordCredentials[] = [];
    const h = await tlsSession(authBackend(seen), opts);
    await h.send(`EHLO c\r\nAUTH PLAIN ${b64('\0alice\0s3cret')}\r\nMAIL FROM:<alice@example.org>\r\n`);
    assert.match(h.take(), /235 2\.7\.0 Authentication successful\r\n250 2\.1\.0 Sender OK\r\n$/);
    assert.deepEqual(seen[0], {
      mechanism: 'PLAIN',
      username: 'alice',
      password: 's3cret',
      authorizationId: undefined,
    });
    assert.equal(h.stats.snapshot().authSuccesses, 1);
  });
  it('PLAIN after an empty challenge; wrong password gets 535', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send(`EHLO c\r\nAUTH PLAIN\r\n`);
    assert.match(h.take(), /334 \r\n$/);
    await h.send(`${b64('\0alice\0wrong')}\r\n`);
    assert.equal(h.take(), '535 5.7.8 Authentication credentials invalid\r\n');
    assert.equal(h.stats.snapshot().authFailures, 1);
  });
  it('LOGIN', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\nAUTH LOGIN\r\n');
    assert.match(h.take(), /334 VXNlcm5hbWU6\r\n$/);
    await h.send(`${b64('alice')}\r\n`);
    assert.equal(h.take(), '334 UGFzc3dvcmQ6\r\n');
    await h.send(`${b64('s3cret')}\r\n`);
    assert.equal(h.take(), '235 2.7.0 Authentication successful\r\n');
  });
  it('CRAM-MD5', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\nAUTH CRAM-MD5\r\n');
    const challenge = decodeSasl(/334 (\S+)\r\n$/.exec(h.take())?.[1] ?? '') ?? '';
    assert.match(challenge, /^<ID\d+\.\d+@mx\.example\.com>$/);
    const digest = createHmac('md5', 's3cret').update(challenge).digest('hex');
    await h.send(`${b64(`alice ${digest}`)}\r\n`);
    assert.equal(h.take(), '235 2.7.0 Authentication successful\r\n');
  });
  it('cancel, bad base64, unknown mechanism, twice', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN !!!\r\nAUTH XOAUTH9\r\n');
    assert.match(
      h.take(),
      /334 VXNlcm5hbWU6\r\n501 5\.7\.0 Authentication cancelled\r\n501 5\.5\.4 Syntax error in parameters or arguments: expected AUTH.*\r\n504 5\.5\.4 Unrecognized authentication type\r\n$/,
    );
    await h.send(`AUTH PLAIN ${b64('\0alice\0s3cret')}\r\nAUTH PLAIN ${b64('\0alice\0s3cret')}\r\n`);
    assert.match(h.take(), /235 .*\r\n503 5\.5\.1 Already authenticated\r\n$/);
  });
  it('Domino default: a failed authentication ends the session after its 535', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\n');
    h.take();
    await h.send(`AUTH PLAIN ${b64('\0alice\0guess')}\r\nNOOP\r\n`);
    assert.equal(h.take(), '535 5.7.8 Authentication credentials invalid\r\n');
    assert.ok(h.session.closed);
    assert.ok(h.transport.ended);
  });
  it('a cancelled or unsupported AUTH is not a failed authentication: the session goes on', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\nAUTH LOGIN\r\n*\r\nAUTH XOAUTH9\r\nNOOP\r\n');
    assert.match(h.take(), /501 5\.7\.0 .*\r\n504 .*\r\n250 2\.0\.0 OK\r\n$/);
    assert.ok(!h.session.closed);
  });
  it('closeAfterAuthFailure false: the client may try again', async () => {
    const h = await tlsSession(undefined, { ...opts, closeAfterAuthFailure: false });
    await h.send(`EHLO c\r\nAUTH PLAIN ${b64('\0alice\0guess')}\r\nAUTH PLAIN ${b64('\0alice\0s3cret')}\r\n`);
    assert.match(h.take(), /535 5\.7\.8 .*\r\n235 2\.7\.0 /);
    assert.ok(!h.session.closed);
  });
  it('brute force runs into the error limit: 421 and close', async () => {
    const h = await tlsSession(undefined, { ...opts, errorLimit: 3, closeAfterAuthFailure: false });
    await h.send('EHLO c\r\n');
    h.take();
    for (let i = 0; i < 4; i++) await h.send(`AUTH PLAIN ${b64(`\0alice\0guess${i}`)}\r\n`);
    assert.equal(
      h.take(),
      '535 5.7.8 Authentication credentials invalid\r\n'.repeat(4) +
        '421 4.7.0 Too many errors, closing transmission channel\r\n',
    );
    assert.ok(h.session.closed);
  });
  it('secrets never appear in the protocol log, even at SMTPDebug=3 and SMTPDebugIO=4', async () => {
    const h = await tlsSession(undefined, { ...opts, debug: 3, debugIo: 4 });
    const plain = b64('\0alice\0s3cret');
    await h.send(`EHLO c\r\nAUTH PLAIN ${plain}\r\n`);
    const l = await tlsSession(undefined, { ...opts, debug: 3, debugIo: 4 });
    await l.send(`EHLO c\r\nAUTH LOGIN\r\n${b64('alice')}\r\n${b64('s3cret')}\r\n`);
    assert.match(l.take(), /235 2\.7\.0/);
    const log = h.logger.text() + l.logger.text();
    assert.ok(log.includes('AUTH PLAIN ********'));
    for (const secret of [plain, b64('s3cret'), 's3cret']) assert.ok(!log.includes(secret), secret);
  });
  it('a submission listener requires AUTH before MAIL', async () => {
    const h = await tlsSession(undefined, opts);
    await h.send('EHLO c\r\nMAIL FROM:<a@b.org>\r\n');
    assert.match(h.take(), /530 5\.7\.0 Authentication required\r\n$/);
  });
});

describe('SASL parsing', () => {
  it('PLAIN fields, malformed messages', () => {
    assert.deepEqual(parsePlain('z\0u\0p'), { authorizationId: 'z', username: 'u', password: 'p' });
    assert.equal(parsePlain('u\0p'), undefined);
    assert.equal(parsePlain('\0\0p'), undefined);
    assert.equal(parsePlain('\0u\0p\0x'), undefined);
  });
  it('strict base64', () => {
    assert.equal(decodeSasl('YQ=='), 'a');
    assert.equal(decodeSasl('YQ'), undefined);
    assert.equal(decodeSasl('Y Q=='), undefined);
    assert.equal(decodeSasl('='), '');
  });
  it('CRAM-MD5 response', () => {
    assert.deepEqual(parseCramMd5(`bob ${'a'.repeat(32)}`), { username: 'bob', digest: 'a'.repeat(32) });
    assert.equal(parseCramMd5('bob xyz'), undefined);
    assert.equal(parseCramMd5(` ${'a'.repeat(32)}`), undefined);
  });
});
