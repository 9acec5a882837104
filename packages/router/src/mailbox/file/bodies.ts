/**
 * The file store's bodies on disk: taking a new body in (small ones kept in memory for the
 * journal frame, large ones streamed to a file of their own and synced), and reading one back
 * from its segment or file in 64 KB chunks.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { bodyChunks } from '../body.js';
import { mailBoxError } from '../errors.js';
import type { NewMessage, QueueId } from '../types.js';

export const READ_CHUNK_BYTES = 64 * 1024;

/** A body read from its source: small ones in memory, large ones already in a synced file. */
export type Intake =
  | { readonly chunks: Uint8Array[]; readonly len: number }
  | { readonly file: string; readonly len: number };

/** Reads a body: up to `inlineMax` bytes into memory, larger ones streamed to a synced file in `bodiesDir`. */
export async function intakeBody(
  source: NewMessage['body'],
  bodiesDir: string,
  inlineMax: number,
): Promise<Intake> {
  const chunks: Uint8Array[] = [];
  let len = 0;
  let file: { name: string; handle: FileHandle } | undefined;
  try {
    for await (const chunk of bodyChunks(source)) {
      len += chunk.byteLength;
      if (!file && len <= inlineMax) {
        chunks.push(chunk);
        continue;
      }
      if (!file) {
        const name = `${randomBytes(12).toString('hex')}.msg`;
        file = { name, handle: await open(join(bodiesDir, name), 'wx', 0o600) };
        for (const c of chunks) await writeAll(file.handle, c);
        chunks.length = 0;
      }
      await writeAll(file.handle, chunk);
    }
    if (!file) return { chunks, len };
    await file.handle.datasync();
    await file.handle.close();
    return { file: file.name, len };
  } catch (e) {
    if (file) {
      await file.handle.close().catch(() => {});
      await unlink(join(bodiesDir, file.name)).catch(() => {});
    }
    if ((e as { code?: unknown }).code === 'MAILBOX_INVALID') throw e;
    if (file) throw mailBoxError('MAILBOX_IO', 'the body could not be stored', e);
    throw e;
  }
}

/** Deletes the file of a body taken in but not stored. */
export async function discardBody(body: Intake, bodiesDir: string): Promise<void> {
  if ('file' in body) await unlink(join(bodiesDir, body.file)).catch(() => {});
}

/**
 * Reads `len` bytes at `start` of `path` in chunks. `stillThere` tells a file that vanished
 * because its message left (MAILBOX_NOT_FOUND) from one the disk lost (MAILBOX_IO).
 */
export async function* readBodyFile(
  id: QueueId,
  path: string,
  start: number,
  len: number,
  stillThere: () => boolean,
): AsyncIterable<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !stillThere())
      throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
    throw mailBoxError('MAILBOX_IO', `cannot read the body of ${id}`, e);
  }
  try {
    for (let done = 0; done < len; ) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, len - done));
      const { bytesRead } = await handle.read(buf, 0, buf.length, start + done);
      if (bytesRead === 0) throw mailBoxError('MAILBOX_CORRUPT', `the body of ${id} is shorter than stored`);
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}
