/**
 * A minimal SMTP responder on 127.0.0.1 for interop tests: it reads command lines with the
 * envelope parser and answers MAIL and RCPT with the relay policy's decisions, so real clients
 * (swaks, nodemailer) drive the policy with the exact bytes they send. DATA is read to the
 * CRLF.CRLF terminator and accepted. Not a server: the real one is @mailroute/smtp-server.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { formatReply, parseCommand, Replies, type SmtpReply } from '@mailroute/envelope';
import type { RelayPolicy, SessionFacts } from '@mailroute/relay-policy';

/** A running responder. */
export interface Responder {
  readonly port: number;
  /** Every RCPT reply sent, as "code text", in order. */
  readonly rcptReplies: string[];
  close(): Promise<void>;
}

/** Starts the responder; `session` gives the facts for a connecting socket. */
export async function startResponder(
  policy: RelayPolicy,
  session: (socket: Socket) => SessionFacts,
): Promise<Responder> {
  const rcptReplies: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const facts = session(socket);
    const send = (reply: SmtpReply) => socket.write(formatReply(reply));
    const connect = policy.onConnect(facts);
    if (connect.action !== 'accept' && connect.action !== 'tag') {
      send(connect.reply);
      socket.end();
      return;
    }
    send(Replies.serviceReady('responder.test'));
    let buffer = '';
    let inData = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 1_000_000) socket.destroy(); // bounded: the tests send small messages
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0 && !buffer.startsWith('.\r\n')) return;
          buffer = buffer.startsWith('.\r\n') ? buffer.slice(3) : buffer.slice(end + 5);
          inData = false;
          send(Replies.messageAccepted());
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const parsed = parseCommand(line);
        if (!parsed.ok) {
          send(parsed.reply);
          continue;
        }
        const cmd = parsed.value;
        switch (cmd.verb) {
          case 'EHLO':
          case 'HELO':
            send(Replies.ok.withText(`responder.test Hello ${cmd.name}`));
            break;
          case 'MAIL':
            send(policy.onMailFrom({ session: facts, sender: cmd.path }).reply);
            break;
          case 'RCPT': {
            const reply = policy.onRcptTo({ session: facts, recipient: cmd.path }).reply;
            rcptReplies.push(`${reply.code} ${reply.text}`);
            send(reply);
            break;
          }
          case 'DATA':
            inData = true;
            send(Replies.startMailInput);
            break;
          case 'QUIT':
            send(Replies.closing('responder.test'));
            socket.end();
            return;
          default:
            send(Replies.ok);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    rcptReplies,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
