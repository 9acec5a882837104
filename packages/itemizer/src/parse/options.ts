/** Options of {@link parseMessage}. */

import type { ParseLimits } from '../limits.js';
import type { HeaderField } from '../note/note.js';
import type { TnefOptions } from '../tnef/options.js';

/** The SMTP envelope of a message (RFC 5321), which is not part of the message itself. */
export interface EnvelopeAddresses {
  /** MAIL FROM reverse path (without angle brackets); becomes the `SMTPOriginator` item. */
  readonly mailFrom?: string;
  /** RCPT TO forward paths; become `Recipients`, and those in neither To nor Cc become `BlindCopyTo`. */
  readonly recipients?: readonly string[];
}

/** What an attachment consumer learns about an attachment before its bytes arrive. */
export interface AttachmentInfo {
  /** File name (from Content-Disposition filename or Content-Type name, RFC 2231 decoded), or a generated `ATTnnnnn` name. */
  readonly fileName: string;
  /** Media type. */
  readonly mediaType: string;
  /** MIME part path. */
  readonly part: string;
  /** The part's header fields. */
  readonly headers: readonly HeaderField[];
}

/**
 * Receives one attachment's decoded bytes. A returned promise is awaited before the parser reads
 * more input, so a slow consumer (a disk) holds memory to about one input chunk.
 */
export interface AttachmentSink {
  /** One chunk of decoded bytes. */
  write(chunk: Buffer): void | Promise<void>;
  /** The attachment is complete. */
  end(): void | Promise<void>;
}

/** Options of {@link parseMessage}; every field is optional. */
export interface ParseOptions {
  /** Parser limits; see {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<ParseLimits>;
  /**
   * Guess the charset of text that declares none (or declares US-ASCII but carries 8-bit bytes).
   * Default true, as Domino's Configuration Settings "MIME - Conversion Options - Inbound: Use
   * character set auto-detection if message has no character set information" (recommended Yes).
   */
  readonly charsetAutoDetect?: boolean;
  /** Charset for undeclared 8-bit bytes that are not UTF-8. Default `windows-1252` (a superset of ISO-8859-1 that real senders use). */
  readonly fallbackCharset?: string;
  /** The SMTP envelope, when the message came over SMTP. Default: none. */
  readonly envelope?: EnvelopeAddresses;
  /**
   * Called for each attachment; return a sink to stream its bytes there (the note then keeps
   * its size and name but not its bytes), or `undefined` to keep the bytes in the note.
   * Default: keep every attachment in the note.
   */
  readonly onAttachment?: (info: AttachmentInfo) => AttachmentSink | undefined;
  /** TNEF (winmail.dat) handling; default: Domino's defaults (no conversion). */
  readonly tnef?: Partial<TnefOptions>;
  /** Slice size when the input is a Buffer (bytes). Default 65536. */
  readonly chunkSizeBytes?: number;
}
