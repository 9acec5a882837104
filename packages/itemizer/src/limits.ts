/**
 * Parser limits. Each limit exists because a message may be hostile: a MIME bomb of a million
 * empty parts, a 10,000-level nesting, or an endless header block. Limits are validated the way
 * postal-mime does it: a limit that is not a positive integer is a programming error, never
 * "no limit".
 */

/** Limits applied while parsing; see {@link DEFAULT_LIMITS} for the defaults. */
export interface ParseLimits {
  /** Deepest multipart / message nesting that is still structured; deeper entities are kept as opaque leaves. Default 32. */
  readonly maxDepth: number;
  /** Largest header block (bytes) of one entity; the rest of the block is skipped with a defect. Default 256 KiB. */
  readonly maxHeaderBytes: number;
  /** Most MIME entities in one message; later parts are skipped with a defect. Default 1000. */
  readonly maxParts: number;
}

/** The default limits: nesting 32, header block 256 KiB, 1000 parts. */
export const DEFAULT_LIMITS: ParseLimits = Object.freeze({
  maxDepth: 32,
  maxHeaderBytes: 256 * 1024,
  maxParts: 1000,
});

/** Merges and validates limits; throws a RangeError for a limit that is not a positive safe integer. */
export function resolveLimits(given: Partial<ParseLimits> | undefined): ParseLimits {
  const out = { ...DEFAULT_LIMITS, ...(given ?? {}) };
  for (const [name, value] of Object.entries(out)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`itemizer: limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return out;
}
