/**
 * Counters like Domino's `show stat SMTP`. One {@link StatsRecorder} per server; sessions report
 * to it, `stats()` returns a frozen snapshot.
 */

/** A snapshot of the server's counters since it was created. */
export interface SmtpServerStats {
  /** Sessions open now. */
  readonly sessionsNow: number;
  /** Most sessions open at once. */
  readonly sessionsPeak: number;
  /** Sessions accepted in all. */
  readonly sessionsTotal: number;
  /** Connections refused at connect (session limits, per-IP limits, backend refusal, shutdown). */
  readonly connectionsRefused: number;
  /** Messages accepted (2xx after the data). */
  readonly messagesAccepted: number;
  /** Messages refused after the data (4xx/5xx, too big, backend failure). */
  readonly messagesRefused: number;
  /** Octets of accepted messages, Received header included. */
  readonly bytesAccepted: number;
  /** Recipients of accepted messages. */
  readonly recipientsAccepted: number;
  /** Negative replies sent, by reply code. */
  readonly rejectionsByCode: Readonly<Record<string, number>>;
  /** Sessions that went under TLS (STARTTLS or implicit). */
  readonly tlsSessions: number;
  /** TLS handshakes that failed. */
  readonly tlsFailures: number;
  /** Successful AUTH exchanges. */
  readonly authSuccesses: number;
  /** Failed AUTH exchanges (bad credentials, malformed, cancelled). */
  readonly authFailures: number;
  /** Sessions closed because a timeout expired. */
  readonly timeouts: number;
  /** Sessions closed at the error limit. */
  readonly errorLimitReached: number;
  /** Exceptions thrown by the backend (each answered with 451 4.3.0). */
  readonly backendErrors: number;
}

type Counter = Exclude<keyof SmtpServerStats, 'rejectionsByCode' | 'sessionsNow' | 'sessionsPeak'>;

/** The mutable counters behind {@link SmtpServerStats}. */
export class StatsRecorder {
  private readonly counts: Record<Counter, number> = {
    sessionsTotal: 0,
    connectionsRefused: 0,
    messagesAccepted: 0,
    messagesRefused: 0,
    bytesAccepted: 0,
    recipientsAccepted: 0,
    tlsSessions: 0,
    tlsFailures: 0,
    authSuccesses: 0,
    authFailures: 0,
    timeouts: 0,
    errorLimitReached: 0,
    backendErrors: 0,
  };
  private readonly rejections = new Map<number, number>();
  private now = 0;
  private peak = 0;

  /** Adds `n` to a counter. */
  add(counter: Counter, n = 1): void {
    this.counts[counter] += n;
  }

  /** A negative reply was sent. */
  rejection(code: number): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
  }

  /** A session opened. */
  sessionOpened(): void {
    this.now++;
    this.counts.sessionsTotal++;
    if (this.now > this.peak) this.peak = this.now;
  }

  /** A session closed. */
  sessionClosed(): void {
    this.now--;
  }

  /** Sessions open now. */
  get sessionsNow(): number {
    return this.now;
  }

  /** A frozen copy. */
  snapshot(): SmtpServerStats {
    const byCode: Record<string, number> = {};
    for (const [code, n] of [...this.rejections].sort((a, b) => a[0] - b[0])) byCode[String(code)] = n;
    return Object.freeze({
      ...this.counts,
      sessionsNow: this.now,
      sessionsPeak: this.peak,
      rejectionsByCode: Object.freeze(byCode),
    });
  }
}
