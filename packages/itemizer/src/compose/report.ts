/**
 * The parts of a delivery status notification (RFC 3464 in a multipart/report, RFC 6522): the
 * message/delivery-status body from prepared text or from fields, and the original message or
 * its header. Both go out unencoded (7bit or 8bit), as readers parse them as header blocks.
 */

import { toCrlf } from '../build/encode.js';
import { isFieldName } from '../build/headers.js';
import { ItemizerError } from '../errors.js';
import type { DeliveryReportFields, DeliveryStatusFieldList } from './fields.js';

function bad(message: string): ItemizerError {
  return new ItemizerError('ITEMIZER_INVALID_OPTION', `report: ${message}`);
}

function block(fields: DeliveryStatusFieldList, what: string): string {
  if (typeof fields !== 'object' || fields === null) throw bad(`the ${what} block must be fields`);
  const pairs: readonly (readonly [string, string])[] = Array.isArray(fields)
    ? (fields as readonly (readonly [string, string])[])
    : Object.entries(fields as Record<string, string>);
  if (pairs.length === 0) throw bad(`the ${what} block has no fields`);
  return pairs
    .map(([name, value]) => {
      if (!isFieldName(name)) throw bad(`"${name}" is not a field name`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value))
        throw bad(`the value of ${name} is not one line`);
      return `${name}: ${value}\r\n`;
    })
    .join('');
}

/**
 * The message/delivery-status body: blocks of fields separated by blank lines, CRLF line ends.
 * Prepared text is checked to be blocks of header fields (per-message, then at least one
 * per-recipient block, RFC 3464 2.1), so a reader does not find a broken report.
 */
export function deliveryStatusText(status: DeliveryReportFields['deliveryStatus']): string {
  if (typeof status === 'string') {
    const text = toCrlf(Buffer.from(status, 'utf8'))
      .toString('utf8')
      .replace(/(\r\n)*$/, '\r\n');
    const blocks = text.split(/\r\n(?:\r\n)+/).filter((b) => b.trim() !== '');
    if (blocks.length < 2)
      throw bad('the delivery status needs a per-message block and a per-recipient block');
    for (const line of text.split('\r\n')) {
      if (line === '' || /^[ \t]/.test(line)) continue;
      const colon = line.indexOf(':');
      if (colon <= 0 || !isFieldName(line.slice(0, colon))) throw bad(`"${line}" is not a status field`);
    }
    return text.replace(/^(\r\n)+/, '');
  }
  if (
    typeof status !== 'object' ||
    status === null ||
    !Array.isArray(status.recipients) ||
    status.recipients.length === 0
  )
    throw bad('deliveryStatus needs message fields and at least one recipient block');
  return [
    block(status.message, 'per-message'),
    ...status.recipients.map((r) => block(r, 'per-recipient')),
  ].join('\r\n');
}

/** The original as the report's third part: the whole message, or its header block only. */
export function rfc822Original(original: NonNullable<DeliveryReportFields['original']>): {
  type: 'message/rfc822' | 'text/rfc822-headers';
  bytes: Buffer;
} {
  if (typeof original !== 'object' || original === null)
    throw bad('original must be { message } or { headers }');
  const bytesOf = (x: Buffer | string): Buffer => {
    if (typeof x === 'string') return Buffer.from(x, 'utf8');
    if (Buffer.isBuffer(x)) return x;
    throw bad('the original must be a Buffer or a string');
  };
  if ('message' in original) return { type: 'message/rfc822', bytes: toCrlf(bytesOf(original.message)) };
  if ('headers' in original) {
    const head = toCrlf(bytesOf(original.headers));
    // Only the header block: stop at the first empty line if the whole message was given.
    const end = head.indexOf('\r\n\r\n');
    return { type: 'text/rfc822-headers', bytes: end === -1 ? head : head.subarray(0, end + 2) };
  }
  throw bad('original needs message or headers');
}
