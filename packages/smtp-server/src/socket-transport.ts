/**
 * The {@link Transport} over a node socket: gathers replies into one string and hands it to the
 * socket in one write when the session has answered its input (or at the end of the event-loop
 * turn), so a pipelining client's 40 replies leave in one packet; upgrades to TLS for
 * STARTTLS and feeds the session. Socket errors (resets, TLS alerts) end the session quietly;
 * they never reach the process.
 */
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket, type TlsOptions } from 'node:tls';
import type { TlsInfo } from './backend.js';
import type { Transport } from './transport.js';

/** What the transport reports to its session. */
export interface TransportSink {
  receive(chunk: Buffer): void;
  /** The client will send nothing more (it half-closed); replies can still be written. */
  inputEnded(): void;
  transportClosed(): void;
}

/** TLS settings for a server-side upgrade. */
export interface TlsSetup {
  readonly secureContext: SecureContext;
  readonly SNICallback?: TlsOptions['SNICallback'];
}

/** Reads the TLS facts of an established socket. */
export function tlsInfoOf(socket: TLSSocket): TlsInfo {
  const cipher = socket.getCipher();
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  return {
    version: socket.getProtocol() ?? 'unknown',
    cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
    servername: typeof servername === 'string' ? servername : undefined,
  };
}

/**
 * Wraps `socket` as a TLS server socket and waits for the handshake. Rejects on a handshake
 * error, on close before the end, or when `timeoutMs` passes (the socket is destroyed then).
 */
export function acceptTls(socket: Socket, setup: TlsSetup, timeoutMs: number): Promise<TLSSocket> {
  // The TLS socket inherits this; half-open TLS sessions are not supported (a peer's FIN or
  // close_notify ends the session), so a client that goes away never leaves a socket behind.
  socket.allowHalfOpen = false;
  const secure = new TLSSocket(socket, {
    isServer: true,
    secureContext: setup.secureContext,
    SNICallback: setup.SNICallback,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new Error('TLS handshake timeout'));
    }, timeoutMs);
    timer.unref();
    const fail = (error: unknown) => {
      clearTimeout(timer);
      secure.destroy();
      reject(error instanceof Error ? error : new Error('connection closed during TLS handshake'));
    };
    secure.once('secure', () => {
      // Hold input (and its end) until the caller has attached its listeners: the promise
      // resolves a microtask later, and a client that sends and closes at once must not be lost.
      secure.pause();
      clearTimeout(timer);
      secure.removeListener('error', fail);
      secure.removeListener('close', fail);
      secure.removeListener('end', fail);
      resolve(secure);
    });
    secure.once('error', fail);
    secure.once('close', fail);
    // A client that shuts its side during the handshake has given up.
    secure.once('end', fail);
  });
}

/** A session's socket. */
export class SocketTransport implements Transport {
  private socket: Socket;
  private sink: TransportSink | undefined;
  /** Replies written and not yet handed to the socket (one socket write per batch). */
  private pending = '';
  private flushScheduled = false;
  private ended = false;
  private readonly onData = (chunk: Buffer) => this.sink?.receive(chunk);
  private readonly onEnd = () => this.sink?.inputEnded();
  private readonly onClose = () => {
    this.ended = true;
    this.sink?.transportClosed();
  };
  private readonly onError = () => {
    // 'close' follows every 'error'; the session ends there. Nothing to rethrow.
  };
  private readonly scheduledFlush = () => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    socket: Socket,
    private readonly tls: (() => TlsSetup | undefined) | undefined,
    private readonly handshakeTimeoutMs: number,
  ) {
    this.socket = socket;
  }

  /** Starts delivering input and close events to `sink`. */
  attach(sink: TransportSink): void {
    this.sink = sink;
    this.listen(this.socket);
    this.socket.resume();
    if (this.socket.destroyed) queueMicrotask(this.onClose);
  }

  private listen(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private unlisten(socket: Socket): void {
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('close', this.onClose);
  }

  write(data: string): boolean {
    if (this.ended || this.socket.destroyed) return true;
    this.pending += data;
    if (!this.flushScheduled) {
      // The session flushes when it has answered all its input; this covers replies written
      // outside that loop (greeting, timeouts) within the current turn of the event loop.
      this.flushScheduled = true;
      setImmediate(this.scheduledFlush);
    }
    return this.socket.writableLength + this.pending.length < this.socket.writableHighWaterMark;
  }

  flush(): void {
    if (this.pending === '' || this.socket.destroyed) return;
    const data = this.pending;
    this.pending = '';
    this.socket.write(data);
  }

  drained(): Promise<void> {
    this.flush();
    if (this.ended || this.socket.destroyed || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.removeListener('drain', done);
        this.socket.removeListener('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  async startTls(): Promise<TlsInfo> {
    const setup = this.tls?.();
    if (setup === undefined) throw new Error('no TLS context');
    this.flush();
    const raw = this.socket;
    this.unlisten(raw);
    const secure = await acceptTls(raw, setup, this.handshakeTimeoutMs);
    this.socket = secure;
    if (this.ended) {
      secure.destroy();
      throw new Error('closed during TLS handshake');
    }
    this.listen(secure);
    secure.resume();
    return tlsInfoOf(secure);
  }

  end(): void {
    this.flush();
    const socket = this.socket;
    // Once our last octets and FIN are with the kernel, release the socket: the listener allows
    // half-open connections, and a peer that never closes its side must not hold one.
    socket.once('finish', () => socket.destroy());
    socket.end();
    // A client that never reads keeps our FIN behind its full window: do not wait for ever.
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
