/**
 * @mailroute/smtp-server: an ESMTP listener on node:net and node:tls with Domino's switches.
 * Sessions call a {@link Backend}, so policy, routing and storage plug in from outside; every
 * parse and every reply is built on `@mailroute/envelope`, and so are the clock and the logger
 * (envelope's `Clock` and `Logger`).
 *
 * The in-memory test session for a backend's tests is in the `@mailroute/smtp-server/testing`
 * subpath.
 *
 * @packageDocumentation
 */
export type {
  AuthOutcome,
  Backend,
  BackendSession,
  ConnectionInfo,
  DataOutcome,
  EnvelopeRecipient,
  InboundEnvelope,
  ListenerKind,
  MaybePromise,
  MessageStream,
  PasswordCredentials,
  TlsInfo,
} from './backend.js';
export { type CaptureStorage, type CaptureWriter, DirectoryCaptureStorage } from './capture.js';
export { createDevCertificate, createDevCertificateInWorker, type DevCertificate } from './dev-cert.js';
export { createRandomIds, type IdSource } from './ids.js';
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
