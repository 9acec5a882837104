/**
 * Session and queue ids: the one non-deterministic thing of the server that is its own. The clock
 * with its timers and the logger are the SDK's (`Clock`, `Logger` of @mailroute/envelope); the
 * server never reads the time, starts a timer or draws an id except through these, so tests hand
 * in fakes and drive time by hand.
 */
import { randomBytes } from 'node:crypto';

/** Makes the id of a session or of a message (used in the Received header and the 250 reply). */
export type IdSource = () => string;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const POOL_OCTETS = 4096;

/**
 * Makes an id source of random 12-character upper-case base32 ids (60 bits), like a queue id.
 * Random octets are drawn from the system in pools of 4 KiB: one system call per 512 ids
 * instead of one per id (it showed in the benchmark's profile). Each source owns its pool.
 */
export function createRandomIds(): IdSource {
  let pool = randomBytes(POOL_OCTETS);
  let offset = 0;
  return () => {
    if (offset + 8 > POOL_OCTETS) {
      pool = randomBytes(POOL_OCTETS);
      offset = 0;
    }
    let lo = pool.readUInt32LE(offset);
    let hi = pool.readUInt32LE(offset + 4);
    offset += 8;
    let out = '';
    for (let i = 0; i < 6; i++) {
      out += BASE32[lo & 31];
      lo >>>= 5;
    }
    for (let i = 0; i < 6; i++) {
      out += BASE32[hi & 31];
      hi >>>= 5;
    }
    return out;
  };
}
