/**
 * What a session needs from its connection. The node socket adapter implements it; tests use an
 * in-memory one and see the exact bytes. The session never touches a socket itself.
 */
import type { TlsInfo } from './backend.js';

/** A session's connection. */
export interface Transport {
  /** Sends octets. Returns false when the outgoing buffer is over its mark (see {@link Transport.drained}). */
  write(data: string): boolean;
  /**
   * Sends what `write` collected now. Writes are gathered so that the replies of one batch of
   * pipelined commands leave in one packet; the session flushes whenever it has answered all the
   * input it has (and the transport flushes by itself after the current turn of the event loop).
   */
  flush(): void;
  /** Resolves once the outgoing buffer has drained (a client that never reads never resolves it). */
  drained(): Promise<void>;
  /** Stops delivering input (backpressure). */
  pause(): void;
  /** Delivers input again. */
  resume(): void;
  /**
   * Upgrades to TLS as a server after the 220 of STARTTLS was written. Input that arrived on the
   * plain channel is the session's to discard. Rejects when the handshake fails.
   */
  startTls(): Promise<TlsInfo>;
  /** Flushes what was written and closes. */
  end(): void;
  /** Closes at once, dropping unsent output (a client that does not read). */
  destroy(): void;
}

/** What the session tells its owner. */
export interface SessionOwner {
  /** The session is over and its transport closed. Called once. */
  sessionClosed(): void;
}
