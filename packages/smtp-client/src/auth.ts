/**
 * SASL client steps for AUTH (RFC 4954): PLAIN (RFC 4616), LOGIN (the de facto one) and
 * CRAM-MD5 (RFC 2195). Each mechanism answers the server's challenges; the secrets never leave
 * this file except base64-encoded on the wire.
 */
import { createHmac } from 'node:crypto';

/** The mechanisms this client speaks, most preferred first over TLS. */
export type AuthMechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5';

/** Credentials for AUTH. */
export interface AuthCredentials {
  /** User name (authentication identity). */
  readonly user: string;
  /** Password; never logged. */
  readonly pass: string;
  /** Use this mechanism; default: the first the server offers of PLAIN, LOGIN, CRAM-MD5 (CRAM-MD5 first without TLS). */
  readonly mechanism?: AuthMechanism;
}

/** One SASL exchange: the initial response (or none), then an answer per 334 challenge. */
export interface SaslExchange {
  /** The argument after `AUTH <mech>`, base64, or undefined for none. */
  readonly initial: string | undefined;
  /** The base64 answer to a decoded challenge, or undefined when the mechanism has no more to say. */
  answer(challenge: Buffer): string | undefined;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Starts an exchange for `mechanism`. */
export function startSasl(mechanism: AuthMechanism, creds: AuthCredentials): SaslExchange {
  switch (mechanism) {
    case 'PLAIN':
      return { initial: b64(`\0${creds.user}\0${creds.pass}`), answer: () => undefined };
    case 'LOGIN': {
      let step = 0;
      return {
        initial: undefined,
        answer() {
          step++;
          return step === 1 ? b64(creds.user) : step === 2 ? b64(creds.pass) : undefined;
        },
      };
    }
    case 'CRAM-MD5': {
      let done = false;
      return {
        initial: undefined,
        answer(challenge) {
          if (done) return undefined;
          done = true;
          const digest = createHmac('md5', creds.pass).update(challenge).digest('hex');
          return b64(`${creds.user} ${digest}`);
        },
      };
    }
  }
}

/** Picks the mechanism to use from the server's list, or undefined when none fits. */
export function chooseMechanism(
  offered: readonly string[],
  secure: boolean,
  wanted: AuthMechanism | undefined,
): AuthMechanism | undefined {
  if (wanted !== undefined) return offered.includes(wanted) ? wanted : undefined;
  // Without TLS prefer CRAM-MD5, which does not put the password on the wire.
  const order: AuthMechanism[] = secure ? ['PLAIN', 'LOGIN', 'CRAM-MD5'] : ['CRAM-MD5', 'PLAIN', 'LOGIN'];
  return order.find((m) => offered.includes(m));
}
