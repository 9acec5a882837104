/**
 * Assertions on SMTP replies, for node:test (they throw node's AssertionError, which every test
 * runner shows with its message).
 */
import { AssertionError } from 'node:assert';
import { type EnhancedCode, parseReply, SmtpReply } from '@mailroute/envelope';

/** What {@link assertReply} accepts: a reply, its wire text, or plain `{ code, enhanced, lines }` data. */
export type ReplyLike =
  | SmtpReply
  | string
  | { readonly code: number; readonly enhanced?: string | undefined; readonly lines?: readonly string[] };

/** Turns a {@link ReplyLike} into an `SmtpReply`, or a sentence saying why it is not one. */
export function toReply(value: unknown): SmtpReply | string {
  if (value instanceof SmtpReply) return value;
  if (typeof value === 'string') {
    const parsed = parseReply(value);
    return parsed.ok
      ? parsed.value
      : `not an SMTP reply (${parsed.reason.message}): ${JSON.stringify(value)}`;
  }
  if (typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number') {
    const v = value as { code: number; enhanced?: unknown; lines?: unknown; text?: unknown };
    const lines = Array.isArray(v.lines) ? (v.lines as string[]) : typeof v.text === 'string' ? [v.text] : [];
    try {
      return SmtpReply.of(
        v.code,
        typeof v.enhanced === 'string' ? (v.enhanced as EnhancedCode) : undefined,
        lines,
      );
    } catch (error) {
      return `not an SMTP reply: ${(error as Error).message}`;
    }
  }
  return `not an SMTP reply: ${String(value)}`;
}

/** One line for a failure message: `550 5.1.1 User unknown`. */
export function describeReply(reply: SmtpReply): string {
  return `${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''}${reply.text ? ` ${reply.text}` : ''}`;
}

/**
 * Why `value` does not match, or undefined when it does: the code, the enhanced code when given,
 * and the text when given (a string must occur in the text, a RegExp must match it).
 */
export function replyMismatch(
  value: unknown,
  code: number,
  enhanced?: string,
  text?: string | RegExp,
): string | undefined {
  const reply = toReply(value);
  if (typeof reply === 'string') return reply;
  const want = `${code}${enhanced ? ` ${enhanced}` : ''}${text ? ` ${String(text)}` : ''}`;
  if (reply.code !== code) return `expected reply ${want}, got ${describeReply(reply)}`;
  if (enhanced !== undefined && reply.enhanced !== enhanced) {
    return `expected reply ${want}, got ${describeReply(reply)} (enhanced code differs)`;
  }
  if (text !== undefined) {
    const ok = typeof text === 'string' ? reply.text.includes(text) : text.test(reply.text);
    if (!ok) return `expected reply ${want}, got ${describeReply(reply)} (text differs)`;
  }
  return undefined;
}

/**
 * Asserts that `reply` has `code`, and `enhanced` and `text` when given. Throws an
 * AssertionError whose message shows both replies. Returns the reply as an `SmtpReply`.
 *
 * @example assertReply(await session.send('RCPT TO:<nobody@acme.example>'), 550, '5.1.1')
 */
export function assertReply(
  value: ReplyLike,
  code: number,
  enhanced?: string,
  text?: string | RegExp,
): SmtpReply {
  const problem = replyMismatch(value, code, enhanced, text);
  if (problem !== undefined) {
    throw new AssertionError({
      message: problem,
      actual: value,
      expected: { code, enhanced, text },
      operator: 'assertReply',
    });
  }
  return toReply(value) as SmtpReply;
}
