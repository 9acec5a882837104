/**
 * The running gateway's control channel, for commands that change its state (`queue release`,
 * `queue delete` ...) or read what only the live process knows (message tracking): a Unix domain
 * socket at `<data>/control/gateway.sock`, in a folder of mode 0700 made before the socket, so
 * only the data directory's owner can connect (no window where the socket is open to others, no
 * password or token to manage). One JSON request line per connection, one JSON answer line back.
 * Requests are bounded in size and time; a bad one gets an error answer, never a crash.
 */
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@mailroute/envelope';

/** The folder of the control socket. */
export function controlFolder(dataDir: string): string {
  return join(dataDir, 'control');
}

/** The control socket's path. */
export function controlSocketPath(dataDir: string): string {
  return join(controlFolder(dataDir), 'gateway.sock');
}

/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
export const MAX_SOCKET_PATH = 107;
/** The largest request line accepted. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** A client that sends no whole line within this time is disconnected. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The code of the error {@link controlRequest} rejects with when nothing listens on the socket. */
export const NOT_RUNNING = 'control.notRunning';

/** A request: a command name and its arguments. */
export interface ControlRequest {
  readonly command: string;
  readonly [argument: string]: unknown;
}

/** An answer: the result, or a refusal with a code (`MAILBOX_NOT_FOUND`, `control.badRequest` ...). */
export type ControlAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Handles one request. */
export type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>;

/** A listening control channel. */
export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

function answerLine(answer: ControlAnswer): string {
  return `${JSON.stringify(answer)}\n`;
}

function serve(socket: Socket, handle: ControlHandler, logger: Logger): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  const finish = (answer: ControlAnswer) => {
    if (done) return;
    done = true;
    socket.end(answerLine(answer));
  };
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
    finish({ ok: false, code: 'control.timeout', message: 'no request line within 10 s' });
    socket.destroy();
  });
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    const newline = chunk.indexOf(0x0a);
    const part = newline === -1 ? chunk : chunk.subarray(0, newline);
    size += part.length;
    if (size > MAX_REQUEST_BYTES) {
      finish({ ok: false, code: 'control.badRequest', message: `request over ${MAX_REQUEST_BYTES} bytes` });
      return;
    }
    chunks.push(part);
    if (newline === -1) return;
    socket.pause();
    let request: ControlRequest;
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof (parsed as ControlRequest).command !== 'string'
      )
        throw new Error('not an object with a "command"');
      request = parsed as ControlRequest;
    } catch (error) {
      finish({ ok: false, code: 'control.badRequest', message: `bad request: ${(error as Error).message}` });
      return;
    }
    handle(request).then(finish, (error: unknown) => {
      logger.error({}, `control: ${request.command} failed: ${String(error)}`);
      finish({ ok: false, code: 'control.failed', message: String(error) });
    });
  });
}

/**
 * Listens on `<data>/control/gateway.sock`. The caller holds the data directory's lock, so a
 * socket file already there is a dead predecessor's and is replaced. Undefined (logged) when the
 * path is too long for a Unix socket: the gateway then runs without the channel.
 */
export async function startControlServer(
  dataDir: string,
  handle: ControlHandler,
  logger: Logger,
): Promise<ControlServer | undefined> {
  const path = controlSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    logger.warn(
      {},
      `control: ${path} is longer than ${MAX_SOCKET_PATH} bytes (a Unix socket's limit): no control channel; queue and track commands need a shorter --data path`,
    );
    return undefined;
  }
  const folder = controlFolder(dataDir);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // An existing folder keeps its mode: make it owner-only before the socket appears in it.
  await chmod(folder, 0o700);
  const old = await lstat(path).catch(() => undefined);
  if (old !== undefined) {
    if (!old.isSocket()) throw new Error(`control: ${path} exists and is not a socket; remove it`);
    await unlink(path);
  }
  const server: Server = createServer((socket) => serve(socket, handle, logger));
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  server.on('error', (error) => logger.error({}, `control: ${error.message}`));
  return {
    path,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Sends one request to the gateway running on `dataDir` and resolves with its answer. Rejects
 * with a sentence a user can act on when no gateway listens there.
 */
export function controlRequest(
  dataDir: string,
  request: ControlRequest,
  timeoutMs = 30_000,
): Promise<ControlAnswer> {
  const path = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    let size = 0;
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer from the gateway on ${path} within ${timeoutMs} ms`));
    });
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Answers are bounded by the server (lists are paged); this guards against a stranger's socket.
      if (size > 64 * 1024 * 1024) {
        socket.destroy();
        reject(new Error(`answer from ${path} is too large`));
        return;
      }
      chunks.push(chunk);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
        reject(
          Object.assign(
            new Error(
              `no gateway is running with the data directory ${dataDir} (no control socket at ${path}); start it, or give its --data`,
            ),
            { code: NOT_RUNNING },
          ),
        );
      else if (error.code === 'EACCES')
        reject(new Error(`permission denied on ${path}: run the command as the gateway's user`));
      else reject(new Error(`control socket ${path}: ${error.message}`));
    });
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        const answer = JSON.parse(text) as ControlAnswer;
        if (typeof answer !== 'object' || answer === null || typeof answer.ok !== 'boolean')
          throw new Error('not an answer');
        resolve(answer);
      } catch {
        reject(new Error(`unreadable answer from ${path}: ${JSON.stringify(text.slice(0, 200))}`));
      }
    });
  });
}
