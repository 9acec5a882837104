/**
 * The capture server's backend for the SMTP server: it accepts what the test's rules accept,
 * checks AUTH against the test's accounts, parses each message with the itemizer and keeps it in
 * the store (452 4.3.1 when the store is full and set to refuse).
 */
import { Replies, SmtpReply } from '@mailroute/envelope';
import type { Backend, BackendSession } from '@mailroute/smtp-server';
import type { CaptureStore } from './capture-store.js';
import type { CapturedMessage, CaptureRules } from './capture-types.js';
import { addressOf, capture } from './captured-message.js';

/** What the backend needs besides the store. */
export interface CaptureBackendOptions {
  readonly rules: CaptureRules;
  /** User name to password; empty: AUTH is not offered. */
  readonly users: Readonly<Record<string, string>>;
  /** Refuse MAIL FROM before AUTH. */
  readonly authRequired: boolean;
}

const STORAGE_FULL = Replies.insufficientStorage;

/** A backend that keeps what it accepts in `store`. */
export function captureBackend(store: CaptureStore, options: CaptureBackendOptions): Backend {
  const { rules, users, authRequired } = options;
  const hasUsers = Object.keys(users).length > 0;
  return {
    connect(): BackendSession {
      let user: string | undefined;
      const session: BackendSession = {
        async mailFrom(from) {
          if (authRequired && user === undefined) return Replies.authRequired;
          if (store.refusesByCount()) {
            store.refusedFull++;
            return STORAGE_FULL;
          }
          return rules.mailFrom?.(addressOf(from), from);
        },
        async rcptTo(to) {
          return rules.rcptTo?.(addressOf(to), to);
        },
        async data(stream, envelope) {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk); // bounded by the server's maxMessageSizeBytes
          const raw = Buffer.concat(chunks);
          if (store.tooLarge(raw.length)) {
            store.refusedFull++;
            return Replies.messageTooBig;
          }
          let message: CapturedMessage;
          try {
            message = await capture(raw, envelope, Date.now());
          } catch (error) {
            store.refusedByRule++;
            return SmtpReply.of(
              451,
              '4.3.0',
              `capture server could not parse the message: ${(error as Error).message}`,
            );
          }
          const verdict = await rules.message?.(message);
          if (verdict !== undefined && !verdict.isPositive) {
            store.refusedByRule++;
            return verdict;
          }
          if (!store.keep(message)) return STORAGE_FULL;
          return verdict ?? Replies.messageAccepted(envelope.id);
        },
      };
      if (hasUsers) {
        Object.assign(session, {
          auth(credentials: { username: string; password: string }) {
            const ok =
              Object.hasOwn(users, credentials.username) &&
              users[credentials.username] === credentials.password;
            if (ok) user = credentials.username;
            return ok;
          },
        });
      }
      return session;
    },
  };
}
