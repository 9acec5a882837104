/**
 * Protocol logging at Domino's levels. `SMTPDebug`: 1 session start and end, 2 commands and
 * replies with byte counts (verbs only), 3 with their text. `SMTPDebugIO`: 1 byte counts of every
 * read and write, 3 all protocol data, 4 message data too. AUTH secrets are never logged at any
 * level: the argument of AUTH and every SASL line are masked before anything is built.
 */

import type { Logger } from '@mailroute/envelope';
import { formatReply, type SmtpReply } from '@mailroute/envelope';

const MASK = '********';

/** One session's protocol log. Cheap when off: every method checks its level first. */
export class ProtocolLog {
  constructor(
    readonly logger: Logger,
    private readonly debug: number,
    private readonly debugIo: number,
    private readonly session: string,
  ) {}

  /** A session event (SMTPDebug >= 1). */
  event(message: string, context: object = {}): void {
    if (this.debug >= 1) this.logger.info({ session: this.session, ...context }, message);
  }

  /** A command line as received. `secret` masks everything after the verb and mechanism. */
  command(line: string, kind: 'command' | 'sasl'): void {
    if (this.debug < 2) return;
    const octets = Buffer.byteLength(line) + 2;
    let shown: string;
    if (kind === 'sasl') shown = MASK;
    else if (/^auth\s/i.test(line))
      shown = line.replace(/^(\S+\s+\S+)(\s.*)?$/, (_m, a, b) => (b ? `${a} ${MASK}` : a));
    else shown = line;
    const verb = shown.split(' ', 1)[0].toUpperCase();
    if (this.debug >= 3) this.logger.debug({ session: this.session, octets, line: shown }, 'command');
    else this.logger.debug({ session: this.session, octets, verb }, 'command');
  }

  /** A reply sent. */
  reply(reply: SmtpReply): void {
    if (this.debug < 2) return;
    const octets = Buffer.byteLength(formatReply(reply));
    const context: Record<string, unknown> = { session: this.session, octets, code: reply.code };
    if (this.debug >= 3) context.text = reply.text;
    this.logger.debug(context, 'reply');
  }

  /** Octets read or written (SMTPDebugIO). `data` is message content (shown only at 4). */
  io(direction: 'in' | 'out', chunk: Buffer | string, data: boolean, secret = false): void {
    if (this.debugIo < 1) return;
    const octets = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const context: Record<string, unknown> = { session: this.session, direction, octets };
    if ((this.debugIo >= 3 && !data) || this.debugIo >= 4) {
      context.text = secret ? MASK : chunk.toString();
    }
    this.logger.debug(context, 'io');
  }
}
