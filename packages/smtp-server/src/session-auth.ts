/**
 * One AUTH exchange (RFC 4954): PLAIN, LOGIN and CRAM-MD5 as a small state machine. It takes
 * the client's lines and returns the next reply; the backend checks the credentials. Counts
 * successes and failures; a failure is a 535 and counts as a protocol error in the session, so
 * password guessing runs into `SMTPErrorLimit`.
 */
import { Replies, SmtpReply } from '@mailroute/envelope';
import type { AuthOutcome, BackendSession } from './backend.js';
import { callBackend } from './backend-call.js';
import type { ResolvedOptions } from './options.js';
import {
  decodeSasl,
  encodeSasl,
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
  parseCramMd5,
  parsePlain,
} from './sasl.js';
import type { StatsRecorder } from './stats.js';

/** What the session does next: send `reply`; `done` false means read another SASL line. */
export interface AuthStep {
  readonly reply: SmtpReply;
  readonly done: boolean;
  /** The authenticated user, on success. */
  readonly user?: string;
  /** The credentials were checked and refused (`535`), as opposed to a cancel or a malformed exchange. */
  readonly rejected?: boolean;
}

const badBase64 = Replies.badArguments('invalid base64 in SASL response');
const malformed = Replies.badArguments('malformed SASL response');

function challenge(text: string): AuthStep {
  return { reply: SmtpReply.of(334, undefined, text), done: false };
}

/** The exchange for one AUTH command. */
export class AuthExchange {
  private mechanism = '';
  private username: string | undefined;
  private cramChallenge = '';

  constructor(
    private readonly options: ResolvedOptions,
    private readonly session: BackendSession,
    private readonly stats: StatsRecorder,
    private readonly sessionId: string,
  ) {}

  /** AUTH mechanism [initial-response]. */
  async begin(mechanism: string, initial: string | undefined): Promise<AuthStep> {
    this.mechanism = mechanism;
    const plainOk = typeof this.session.auth === 'function';
    if (mechanism === 'PLAIN' && plainOk) {
      return initial === undefined ? challenge('') : this.plain(initial);
    }
    if (mechanism === 'LOGIN' && plainOk) {
      if (initial === undefined) return challenge(LOGIN_USERNAME_PROMPT);
      return this.next(initial);
    }
    if (mechanism === 'CRAM-MD5' && typeof this.session.authCramMd5 === 'function' && initial === undefined) {
      this.cramChallenge = `<${this.options.ids()}.${this.options.clock.now().getTime()}@${this.options.hostname}>`;
      return challenge(encodeSasl(this.cramChallenge));
    }
    return this.fail(Replies.authMechanismUnsupported);
  }

  /** A SASL response line. */
  async next(line: string): Promise<AuthStep> {
    if (line === '*') return this.fail(Replies.authCancelled);
    if (this.mechanism === 'PLAIN') return this.plain(line);
    const decoded = decodeSasl(line);
    if (decoded === undefined) return this.fail(badBase64);
    if (this.mechanism === 'LOGIN') {
      if (this.username === undefined) {
        if (decoded === '') return this.fail(malformed);
        this.username = decoded;
        return challenge(LOGIN_PASSWORD_PROMPT);
      }
      const username = this.username;
      return this.check(username, () =>
        this.session.auth?.({ mechanism: 'LOGIN', username, password: decoded, authorizationId: undefined }),
      );
    }
    const cram = parseCramMd5(decoded);
    if (cram === undefined) return this.fail(malformed);
    return this.check(cram.username, () =>
      this.session.authCramMd5?.(cram.username, this.cramChallenge, cram.digest),
    );
  }

  private async plain(response: string): Promise<AuthStep> {
    const decoded = decodeSasl(response);
    if (decoded === undefined) return this.fail(badBase64);
    const message = parsePlain(decoded);
    if (message === undefined) return this.fail(malformed);
    return this.check(message.username, () => this.session.auth?.({ mechanism: 'PLAIN', ...message }));
  }

  private async check(
    username: string,
    call: () => AuthOutcome | Promise<AuthOutcome> | undefined,
  ): Promise<AuthStep> {
    const r = await callBackend(
      { logger: this.options.logger, stats: this.stats, session: this.sessionId },
      'auth',
      call,
      Replies.authTemporaryFailure,
    );
    const outcome = r.ok ? r.value : r.reason.reply;
    const reply =
      outcome === true ? Replies.authSucceeded : outcome instanceof SmtpReply ? outcome : Replies.authFailed;
    if (!reply.isPositive) return { ...this.fail(reply), rejected: reply.code === 535 };
    this.stats.add('authSuccesses');
    return { reply, done: true, user: username };
  }

  private fail(reply: SmtpReply): AuthStep {
    this.stats.add('authFailures');
    return { reply, done: true };
  }
}
