/**
 * The Received-SPF header field (RFC 7208 section 9.1): the result, a comment for people, and the
 * key=value pairs a later filter reads.
 */
import type { SpfVerdict } from './check.js';

// RFC 5322 dot-atom text; other values are written as quoted strings.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

function keyValue(value: string): string {
  return DOT_ATOM.test(value)
    ? value
    : `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
}

function comment(v: SpfVerdict): string {
  const who = `${v.receiver}: `;
  const subject = v.identity === 'helo' ? `domain of ${v.helo}` : `domain of ${v.sender}`;
  const text = ((): string => {
    switch (v.result) {
      case 'pass':
        return `${subject} designates ${v.clientIp} as permitted sender`;
      case 'fail':
        return `${subject} does not designate ${v.clientIp} as permitted sender`;
      case 'softfail':
        return `transitioning ${subject} does not designate ${v.clientIp} as permitted sender`;
      case 'neutral':
        return `${v.clientIp} is neither permitted nor denied by ${subject}`;
      case 'none':
        return `${subject} does not designate permitted sender hosts`;
      case 'temperror':
        return `error in processing during lookup of ${v.domain}`;
      case 'permerror':
        return `permanent error in processing ${v.domain}`;
    }
  })();
  // Comments may not hold unbalanced parentheses or backslashes: drop them.
  return `(${who}${text})`.replace(/[()\\]/g, (c, i: number, s: string) =>
    i === 0 || i === s.length - 1 ? c : '',
  );
}

/**
 * The field value (without "Received-SPF: "), for example
 * `pass (mx.example.org: domain of a@example.com designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="a@example.com"; helo=mail.example.com; receiver=mx.example.org; identity=mailfrom; mechanism="ip4:192.0.2.0/24"`.
 */
export function receivedSpf(v: SpfVerdict): string {
  const pairs: string[] = [`client-ip=${keyValue(v.clientIp)}`];
  if (v.identity === 'mailfrom') pairs.push(`envelope-from=${keyValue(v.sender)}`);
  if (v.helo) pairs.push(`helo=${keyValue(v.helo)}`);
  pairs.push(`receiver=${keyValue(v.receiver)}`, `identity=${v.identity}`);
  if (v.mechanism) pairs.push(`mechanism=${keyValue(v.mechanism)}`);
  if (v.problem && (v.result === 'permerror' || v.result === 'temperror'))
    pairs.push(`problem=${keyValue(v.problem.message)}`);
  return `${v.result} ${comment(v)} ${pairs.join('; ')}`;
}
