/**
 * A tour of @mailroute/envelope: the server side of one SMTP transaction, written as a pure
 * function so it can be tested. Each client line is parsed; the demo prints the reply a server
 * would send, decodes the DATA (with a smuggling attempt hidden inside) and writes the Received
 * header. No sockets: the envelope package is pure.
 */
import {
  createDataDecoder,
  createDataEncoder,
  formatReceived,
  formatReply,
  parseCommand,
  Replies,
  receivedProtocol,
  type SmtpReply,
} from '@mailroute/envelope';

/** Runs the demo, sending each output line to `print`. */
export function runDemo(print: (line: string) => void): void {
  const show = (dir: 'C:' | 'S:', text: string) => {
    for (const line of text.replace(/\r\n$/, '').split('\r\n')) print(`${dir} ${line}`);
  };
  const reply = (r: SmtpReply) => show('S:', formatReply(r));

  print('# One transaction, as a server built on @mailroute/envelope would see it');
  reply(Replies.serviceReady('mx.example.com'));
  const recipients: string[] = [];
  let smtputf8 = false;
  const client = [
    'EHLO mail.example.org',
    'MAIL FROM:<alice@example.org> SIZE=2048 BODY=8BITMIME',
    'RCPT TO:<bob@example.com>',
    'RCPT TO:<carol@bücher.example>', // UTF-8 without SMTPUTF8: refused with 553 5.6.7
    'RCPT TO:<"dave@evil.example"@example.com>', // a relay trick: the domain is example.com
    'RCPT TO:<erin@@example.com>',
    'RCPT TO:<Postmaster>',
    'XYZZY',
  ];
  for (const line of client) {
    show('C:', line);
    const parsed = parseCommand(line, { smtputf8 });
    if (!parsed.ok) {
      reply(parsed.reason.reply);
      continue;
    }
    const cmd = parsed.value;
    switch (cmd.verb) {
      case 'EHLO':
        reply(
          Replies.ehlo(`mx.example.com greets ${cmd.name}`, [
            'PIPELINING',
            'SIZE 10485760',
            '8BITMIME',
            'SMTPUTF8',
          ]),
        );
        break;
      case 'MAIL':
        smtputf8 = cmd.params.smtputf8;
        print(
          `   (reverse-path ${cmd.path.kind === 'mailbox' ? cmd.path.mailbox.address : '<>'}, SIZE=${cmd.params.size})`,
        );
        reply(Replies.senderOk);
        break;
      case 'RCPT': {
        const address = cmd.path.kind === 'mailbox' ? cmd.path.mailbox.address : 'postmaster';
        if (cmd.path.kind === 'mailbox') {
          const m = cmd.path.mailbox;
          print(`   (local part ${JSON.stringify(m.localPart)}, domain ${m.domain.ascii})`);
        }
        recipients.push(address);
        reply(Replies.recipientOk);
        break;
      }
      default:
        reply(Replies.ok);
    }
  }

  show('C:', 'DATA');
  reply(Replies.startMailInput);
  // What an honest client sends goes through the encoder: dot-stuffed, CRLF line ends.
  const encoder = createDataEncoder();
  const honest = Buffer.concat([
    encoder.encode(Buffer.from('Subject: hello\n\n.a line that starts with a dot\n')),
    encoder.end(),
  ]);
  print(`   (an honest client's DATA, encoded: ${JSON.stringify(honest.toString())})`);
  // This client instead hides a second transaction behind bare "LF . LF", which servers that
  // end data there would run as a forged message. Only CRLF.CRLF ends the data here.
  const wire = Buffer.from(
    'From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: hello\r\n\r\n' +
      '..a line that starts with a dot\r\nsmuggle\n.\nMAIL FROM:<admin@example.com>\r\n.\r\nQUIT\r\n',
  );
  const decoder = createDataDecoder({ maxSizeBytes: 10 * 1024 * 1024 });
  const body: Buffer[] = [];
  let rest: Buffer | undefined;
  // Feed the wire in 7-octet chunks, as a slow network might deliver it.
  for (let off = 0; off < wire.length && rest === undefined; off += 7) {
    const r = decoder.write(wire.subarray(off, off + 7));
    body.push(...r.data);
    if (r.done) rest = Buffer.concat([r.rest ?? Buffer.alloc(0), wire.subarray(off + 7)]);
  }
  print(
    `   (data: ${decoder.size} octets decoded from ${decoder.wireSize} on the wire, ${decoder.bareLineEndings} bare line ends normalised)`,
  );
  reply(decoder.reply ?? Replies.messageAccepted('4F2A9'));
  print(`   (after the end of data the client sent: ${JSON.stringify(rest?.toString())})`);

  const received = formatReceived({
    from: { helo: 'mail.example.org', reverseDns: 'mail.example.org', ip: '192.0.2.1' },
    by: 'mx.example.com',
    protocol: receivedProtocol({ esmtp: true }),
    id: '4F2A9',
    recipients,
    maxForRecipients: 1,
    date: new Date(Date.UTC(2026, 10, 21, 9, 0, 0)),
  });
  print('');
  print('# The stored message, with the Received header the server adds');
  for (const line of (received + Buffer.concat(body).toString()).replace(/\r\n$/, '').split('\r\n'))
    print(line);
}
