/**
 * A capture server: a real SMTP server (`@mailroute/smtp-server`) on 127.0.0.1 and a random port
 * that keeps every message it accepts, parsed by the itemizer with its envelope, so a test of code
 * that sends mail waits for the message and inspects it (what Mailpit, MailHog and smtp4dev are
 * used for, as a library). STARTTLS and AUTH when asked; the smtp-server's limits apply; what it
 * keeps is capped in count and octets, so a long test run never grows without bound.
 *
 * This file validates the options, starts the server and hands out the handle; the backend
 * (`capture-backend.ts`), the store with its caps and waits (`capture-store.ts`) and the kept
 * message (`captured-message.ts`) live beside it.
 */
import { type EnhancedCode, MailrouteError, SmtpReply } from '@mailroute/envelope';
import { createSmtpServer } from '@mailroute/smtp-server';
import { captureBackend } from './capture-backend.js';
import { CaptureStore } from './capture-store.js';
import type { CaptureServer, CaptureServerOptions } from './capture-types.js';

export type {
  CapturedMessage,
  CaptureRules,
  CaptureServer,
  CaptureServerOptions,
  CaptureStats,
  MessageFilter,
  WaitOptions,
} from './capture-types.js';
export { messageMatches } from './captured-message.js';

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    // Infinity, 0, NaN or a string would mean "keep everything": the memory a long run must not grow.
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Starts a capture server on 127.0.0.1 and a free port. Throws RangeError on a bad option. */
export async function startCaptureServer(options: CaptureServerOptions = {}): Promise<CaptureServer> {
  const maxMessages = positive('maxMessages', options.maxMessages, 1000);
  const maxTotalBytes = positive('maxTotalBytes', options.maxTotalBytes, 64 * 1024 * 1024);
  const maxMessageSize = positive('maxMessageSizeBytes', options.maxMessageSizeBytes, 10 * 1024 * 1024);
  const whenFull = options.whenFull ?? 'refuse';
  if (whenFull !== 'refuse' && whenFull !== 'drop-oldest') {
    throw new RangeError(`whenFull must be 'refuse' or 'drop-oldest', got ${String(whenFull)}`);
  }
  const users = options.users ?? {};
  const hasUsers = Object.keys(users).length > 0;
  if (options.authRequired && !hasUsers)
    throw new RangeError('authRequired needs at least one account in users');

  const store = new CaptureStore({ maxMessages, maxTotalBytes, whenFull });
  const backend = captureBackend(store, {
    rules: options.rules ?? {},
    users,
    authRequired: options.authRequired ?? false,
  });
  const server = createSmtpServer(
    {
      hostname: 'capture.test',
      ...options.server,
      listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }],
      maxMessageSizeBytes: maxMessageSize,
      startTls: options.startTls === 'required' ? 'required' : options.startTls ? 'enabled' : 'disabled',
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      // AUTH over plain text is fine on loopback, and the point of a test server.
      allowInsecureAuth: options.server?.allowInsecureAuth ?? true,
    },
    backend,
  );
  const [address] = await server.listen();
  if (address === undefined)
    throw new MailrouteError('TESTING_CAPTURE_LISTEN', 'the capture server bound no listener');
  const host = address.address;
  const port = address.port;
  const [firstUser] = Object.keys(users);
  const credentials =
    firstUser === undefined
      ? ''
      : `${encodeURIComponent(firstUser)}:${encodeURIComponent(users[firstUser]!)}@`;
  const query = options.startTls && options.tls === undefined ? '?tls.rejectUnauthorized=false' : '';
  let closed = false;

  return {
    host,
    port,
    smtpUrl: `smtp://${credentials}${host}:${port}${query}`,
    get messages() {
      return store.messages;
    },
    async waitForMessage(filter, waitOptions = {}) {
      const [m] = await store.wait(1, filter, waitOptions.timeoutMs ?? 5000);
      return m!;
    },
    async waitForMessages(count, filter, waitOptions = {}) {
      return store.wait(count, filter, waitOptions.timeoutMs ?? 5000);
    },
    clear() {
      store.clear();
    },
    stats: () => ({
      accepted: store.accepted,
      refusedFull: store.refusedFull,
      refusedByRule: store.refusedByRule,
      evicted: store.evicted,
      keptBytes: store.keptBytes,
      server: server.stats(),
    }),
    async close() {
      if (closed) return;
      closed = true;
      store.close();
      await server.close({ deadline: 2000 });
    },
  };
}

/** A reply for {@link CaptureRules}: `reply(550, '5.1.1', 'No such user')`. */
export function reply(code: number, enhanced: EnhancedCode | undefined, text: string): SmtpReply {
  return SmtpReply.of(code, enhanced, text);
}
