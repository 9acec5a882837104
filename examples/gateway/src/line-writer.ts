/**
 * Log lines to a file descriptor without a write per line. Node writes to a pipe or a file
 * synchronously on Linux, so one `process.stdout.write` per log line was one system call on the
 * hot path of every transfer (the relay benchmark's profile: 0.2 ms a line, the gateway's largest
 * native cost after its sockets). Here the lines of one turn of the event loop are joined and
 * written once, at `setImmediate` (pino's sonic-boom idea, without its timer: a line waits at most
 * until the current turn ends); at process exit whatever is left is written synchronously, so no
 * line is lost on a normal exit or an uncaught exception. A SIGKILL loses at most the lines of
 * the turn it interrupts; mail never depends on them (the 250 waits for mail.box, not the log).
 */
/** A line sink: `write(line)` queues a line (a newline is added); `flush()` writes what is queued now. */
export interface LineWriter {
  write(line: string): void;
  flush(): void;
}

/** Lines above this many characters queued are written at once, not at the end of the turn. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * A buffered line writer in front of `sink` (`(text) => process.stdout.write(text)`), which gets
 * the joined lines of a turn in one call; the stream keeps its own behaviour (synchronous for
 * pipes and files on Linux, its error events).
 */
export function createLineWriter(sink: (text: string) => void): LineWriter {
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
        setImmediate(flush).unref();
      }
    },
    flush,
  };
}
