import { prng } from '@mailroute/test-support';

// The benchmark corpus: generated, deterministic (seeded PRNG). A mix of plain text,
// multipart/alternative with quoted-printable, attachments from 10 KB to 2 MB (base64), RFC 2047
// encoded-word headers and nested multiparts, as the issue asks.

const WORDS =
  'der die das Grüße Köln mail router domain itemizer message note item body attachment the quick brown fox'.split(
    ' ',
  );

function prose(rnd: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = '';
    while (line.length < 60) line += `${WORDS[Math.floor(rnd() * WORDS.length)]} `;
    lines.push(line.trimEnd());
    size += line.length + 2;
  }
  return lines.join('\r\n');
}

function qp(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function base64Lines(size: number, rnd: () => number): string {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE(Math.floor(rnd() * 0xffffffff), Math.min(i, size - 4));
  return b.toString('base64').replace(/.{76}/g, '$&\r\n');
}

function headers(rnd: () => number, i: number, contentType: string): string {
  return [
    `Received: from mx${i}.example.net (mx${i}.example.net [192.0.2.${i % 250}]) by mail.example.com with ESMTPS id ${i}; Sat, 21 Nov 2026 10:00:00 +0000`,
    'From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>',
    `To: "Daniel Nashed" <nsh@nashcom.de>, team${i}@example.com`,
    'Cc: =?iso-8859-1?q?Fran=E7ois?= <francois@example.fr>',
    `Subject: =?utf-8?b?${Buffer.from(`Grüße aus Köln #${i} ${Math.floor(rnd() * 1e6)}`).toString('base64')}?=`,
    'Date: Sat, 21 Nov 2026 10:00:00 +0100',
    `Message-ID: <bench.${i}@example.de>`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
  ].join('\r\n');
}

/** One message of the given kind. */
export function makeMessage(kind: number, i: number, rnd: () => number): Buffer {
  const text = prose(rnd, 2000 + Math.floor(rnd() * 8000));
  switch (kind % 5) {
    case 0:
      return Buffer.from(
        `${headers(rnd, i, 'text/plain; charset=utf-8')}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}\r\n`,
      );
    case 1:
      return Buffer.from(
        `${headers(rnd, i, 'multipart/alternative; boundary="alt"')}\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(text)}\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(`<p>${text}</p>`)}\r\n--alt--\r\n`,
      );
    case 2:
    case 3: {
      // 10 KB to 2 MB, skewed towards smaller files.
      const size = Math.floor(10_000 + rnd() ** 3 * 2_000_000);
      return Buffer.from(
        `${headers(rnd, i, 'multipart/mixed; boundary="mix"')}\r\n\r\n--mix\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(text)}\r\n--mix\r\nContent-Type: application/pdf; name="=?utf-8?q?Bericht_M=C3=A4rz.pdf?="\r\nContent-Disposition: attachment; filename*=utf-8''Bericht%20M%C3%A4rz.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(size, rnd)}\r\n--mix--\r\n`,
      );
    }
    default:
      return Buffer.from(
        `${headers(rnd, i, 'multipart/mixed; boundary="outer"')}\r\n\r\n--outer\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(`<p>${text}</p>`)}\r\n--alt--\r\n--rel\r\nContent-Type: image/png\r\nContent-ID: <img${i}@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(20_000, rnd)}\r\n--rel--\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: forwarded\r\nFrom: a@b.c\r\n\r\n${text}\r\n--outer--\r\n`,
      );
  }
}

/** The mixed corpus: `count` messages. */
export function makeCorpus(count: number, seed = 42): Buffer[] {
  const rnd = prng(seed);
  return Array.from({ length: count }, (_, i) => makeMessage(i, i, rnd));
}

/** A message with one attachment of `size` bytes, produced in 64 KiB chunks (never whole in memory). */
export function* bigMessage(size: number): Generator<Buffer> {
  yield Buffer.from(
    'From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n--big\r\nContent-Type: application/octet-stream; name="big.bin"\r\nContent-Disposition: attachment; filename="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  const raw = Buffer.alloc(57 * 1024);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < size; sent += raw.length) {
    const piece = raw.subarray(0, Math.min(raw.length, size - sent));
    yield Buffer.from(`${piece.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
  }
  yield Buffer.from('--big--\r\n');
}
