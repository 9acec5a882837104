/** A shared bound on the octets of messages held in memory while they are processed. */

/**
 * The octets of messages being processed, across all sessions. Each message is held whole while
 * it is itemized and signed, so without a shared bound `SMTPMaxSessions` messages of the maximum
 * size could be held at once; past the budget a message is read to its end, dropped, and
 * answered `452 4.3.1` (the client retries later).
 */
export class MessageBudget {
  readonly max: number;
  #used = 0;

  constructor(max: number) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `n` octets if they fit. */
  take(n: number): boolean {
    if (this.#used + n > this.max) return false;
    this.#used += n;
    return true;
  }

  release(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }
}
