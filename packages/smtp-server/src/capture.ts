/**
 * Raw message capture (Domino `SmtpSaveImportErrors`, `SMTPSaveFileFrom`): the message as the
 * backend received it, written to a storage while it streams, then kept or deleted once the
 * backend's answer is known. The storage is an interface; {@link DirectoryCaptureStorage} writes
 * one `.eml` file per message.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One message being captured. */
export interface CaptureWriter {
  /** Appends message octets. May return a promise: the session waits for it (backpressure). */
  write(chunk: Buffer): void | Promise<void>;
  /** Keep the message. */
  keep(): Promise<void>;
  /** Delete what was written. */
  discard(): Promise<void>;
}

/** Where captured messages go. */
export interface CaptureStorage {
  /** Starts capturing the message with queue id `id`. */
  open(id: string): Promise<CaptureWriter>;
}

/** Writes `<directory>/<id>.eml` (through a `.part` file, renamed when kept). */
export class DirectoryCaptureStorage implements CaptureStorage {
  /** `directory` is created when missing. */
  constructor(private readonly directory: string) {}

  async open(id: string): Promise<CaptureWriter> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new RangeError(`unsafe capture id ${id}`);
    await mkdir(this.directory, { recursive: true });
    const part = join(this.directory, `${id}.eml.part`);
    const final = join(this.directory, `${id}.eml`);
    const stream = createWriteStream(part, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new FileWriter(stream, part, final);
  }
}

class FileWriter implements CaptureWriter {
  private failed: Error | undefined;
  constructor(
    private readonly stream: WriteStream,
    private readonly part: string,
    private readonly final: string,
  ) {
    stream.on('error', (e) => {
      this.failed = e;
    });
  }

  write(chunk: Buffer): void | Promise<void> {
    if (this.failed) return;
    if (!this.stream.write(chunk)) {
      return new Promise((resolve) => this.stream.once('drain', resolve));
    }
  }

  private finish(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  async keep(): Promise<void> {
    await this.finish();
    if (this.failed) throw this.failed;
    await rename(this.part, this.final);
  }

  async discard(): Promise<void> {
    await this.finish();
    await unlink(this.part).catch(() => undefined);
  }
}
