/**
 * The capture sink: a small SMTP server on 127.0.0.1 that stands in for the next hop (the
 * Internet, Mail2) in the shipped example, so the gateway runs offline and a newcomer sees a
 * message go in on 2525 and come out here. Each message it accepts is written durably into
 * `<data>/sink/` (`<name>.eml`, the bytes as transferred, and `<name>.json`, the envelope) before
 * its 250: the Router counts a transfer only after that reply, so the sink never loses one.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Replies } from '@mailroute/envelope';
import { createSmtpServer, type ListeningAddress, type SmtpServer } from '@mailroute/smtp-server';
import { ensureFolder, syncFolder, writePair } from './durable-write.js';

/** The envelope written beside a captured message. */
export interface CapturedEnvelope {
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly receivedAt: string;
  /** The client's address. */
  readonly from: string;
  readonly octets: number;
}

/** Where captured messages live. */
export function sinkRoot(dataDir: string): string {
  return join(dataDir, 'sink');
}

/** A running sink. */
export interface CaptureSink {
  readonly address: ListeningAddress;
  /** Messages captured since start. */
  captured(): number;
  close(): Promise<void>;
}

/** The largest message the sink takes (the gateway's own limit is below it). */
const MAX_SIZE_BYTES = 64 * 1024 * 1024;

/** Starts the sink on `host:port` (0 picks a free port). */
export async function startCaptureSink(options: {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
}): Promise<CaptureSink> {
  const folder = sinkRoot(options.dataDir);
  const known = new Set<string>();
  await ensureFolder(folder, known);
  let count = 0;
  const server: SmtpServer = createSmtpServer(
    {
      hostname: options.hostname,
      listeners: [{ kind: 'smtp', port: options.port, host: options.host }],
      startTls: 'disabled',
      maxMessageSizeBytes: MAX_SIZE_BYTES,
    },
    {
      connect(info) {
        return {
          async data(message, envelope) {
            const chunks: Buffer[] = [];
            for await (const chunk of message) chunks.push(chunk);
            const raw = Buffer.concat(chunks);
            const path = (p: (typeof envelope.recipients)[number]['path'] | typeof envelope.from) =>
              p.kind === 'mailbox' ? p.mailbox.address : p.kind === 'null' ? '' : 'postmaster';
            const record: CapturedEnvelope = {
              mailFrom: path(envelope.from),
              recipients: envelope.recipients.map((r) => path(r.path)),
              receivedAt: new Date().toISOString(),
              from: info.remoteAddress,
              octets: raw.length,
            };
            // Unique across restarts: the time and random bytes, never the listener's session id alone.
            const name = `${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
            try {
              await writePair(
                join(folder, `${name}.eml`),
                raw,
                join(folder, `${name}.json`),
                `${JSON.stringify(record)}\n`,
              );
              await syncFolder(folder);
            } catch {
              return Replies.localError;
            }
            count++;
            return Replies.messageAccepted(name);
          },
        };
      },
    },
  );
  const [address] = await server.listen();
  if (address === undefined) throw new Error('capture sink: no listener');
  return {
    address,
    captured: () => count,
    close: () => server.close({ deadline: 2000 }),
  };
}
