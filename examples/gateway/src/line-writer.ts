/**
 * Log lines to a file descriptor without a write per line. Node writes to a pipe or a file
 * synchronously on Linux, so one `process.stdout.write` per log line was one system call on the
 * hot path of every transfer (the relay benchmark's profile: 0.2 ms a line, the gateway's largest
 * native cost after its sockets). Here the lines of `delayMs` (default 20 ms) are joined and
 * written once (pino's sonic-boom idea). Joining only the lines of one turn of the event loop
 * still made a write per message or two, 1.6-1.9% of the gateway's profile in the relay
 * benchmark; 20 ms makes it at most 50 writes a second. At process exit whatever is left is
 * written synchronously, so no line is lost on a normal exit or an uncaught exception. A SIGKILL
 * loses at most the last `delayMs` of lines; mail never depends on them (the 250 waits for
 * mail.box, not the log).
 */
/** A line sink: `write(line)` queues a line (a newline is added); `flush()` writes what is queued now. */
export interface LineWriter {
  write(line: string): void;
  flush(): void;
}

/** Lines above this many characters queued are written at once, not at the end of the turn. */
const FLUSH_AT_CHARS = 64 * 1024;

/** Options of {@link createLineWriter}. */
export interface LineWriterOptions {
  /** The longest a line waits before it is written, in ms; default 20. 0: at the end of the turn. */
  readonly delayMs?: number;
}

/**
 * A buffered line writer in front of `sink` (`(text) => process.stdout.write(text)`), which gets
 * the joined lines in one call; the stream keeps its own behaviour (synchronous for pipes and
 * files on Linux, its error events).
 */
export function createLineWriter(sink: (text: string) => void, options: LineWriterOptions = {}): LineWriter {
  const delayMs = options.delayMs ?? 20;
  let queued: string[] = [];
  let chars = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (queued.length === 0) return;
    const text = queued.join('');
    queued = [];
    chars = 0;
    sink(text);
  };

  process.on('exit', flush);
  return {
    write(line: string): void {
      const text = `${line}\n`;
      queued.push(text);
      chars += text.length;
      if (chars >= FLUSH_AT_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        if (delayMs > 0) setTimeout(flush, delayMs).unref();
        else setImmediate(flush).unref();
      }
    },
    flush,
  };
}
