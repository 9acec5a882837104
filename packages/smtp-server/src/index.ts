/**
 * @mailroute/smtp-server: an ESMTP listener on node:net and node:tls with Domino's switches.
 * Sessions call a {@link Backend}, so policy, routing and storage plug in from outside; every
 * parse and every reply is built on `@mailroute/envelope`.
 *
 * @packageDocumentation
 */
export type {
  AuthOutcome,
  Backend,
  BackendSession,
  ConnectionInfo,
  DataOutcome,
  Envelope,
  EnvelopeRecipient,
  ListenerKind,
  MaybePromise,
  MessageStream,
  PasswordCredentials,
  TlsInfo,
} from './backend.js';
export { type CaptureStorage, type CaptureWriter, DirectoryCaptureStorage } from './capture.js';
export {
  type Clock,
  createRandomIds,
  type IdSource,
  type Logger,
  silentLogger,
  systemClock,
  systemTimers,
  type TimerHandle,
  type Timers,
} from './environment.js';
export type {
  CaptureOptions,
  ExtensionOptions,
  ListenerOptions,
  PerIpOptions,
  SmtpServerOptions,
  TimeoutOptions,
} from './options.js';
export {
  type CloseOptions,
  createSmtpServer,
  type ListeningAddress,
  type SmtpServer,
} from './server.js';
export type { SmtpServerStats } from './stats.js';
export { createTestSession, type TestSession, type TestSessionOptions } from './testing.js';
