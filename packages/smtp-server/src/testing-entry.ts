/**
 * `@mailroute/smtp-server/testing`: tools a backend's tests use, and nothing a running server
 * needs. {@link createTestSession} runs the server's own session engine in memory, driven with
 * literal bytes and answering with the literal bytes a client would read (no socket, no port).
 * `@mailroute/testing`'s `startConversation` builds on it.
 *
 * @packageDocumentation
 */
export { createTestSession, type TestSession, type TestSessionOptions } from './testing.js';
