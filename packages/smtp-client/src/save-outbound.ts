/**
 * Domino's `SmtpSaveOutboundToFile=1`: each outbound message is written to a file for diagnosis.
 * A failure to save is logged and never stops the delivery.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@mailroute/envelope';
import { openMessage } from './message.js';
import type { OutboundMessage } from './types.js';

/** Writes `message` to `<dir>/<time>-<uuid>.eml` (mode 0600), streaming. Resolves with the path, or undefined on failure. */
export async function saveOutboundMessage(
  dir: string,
  message: OutboundMessage,
  now: number,
  logger: Logger,
): Promise<string | undefined> {
  const path = join(dir, `${now}-${randomUUID()}.eml`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await pipeline(
      Readable.from(openMessage(message)),
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
    return path;
  } catch (err) {
    logger.warn({ path, error: String(err) }, 'SmtpSaveOutboundToFile: could not save the message');
    return undefined;
  }
}
