/**
 * The gateway's one logger, as lines. Every part of the gateway logs to the SDK's `Logger`
 * (envelope's pino shape), each part through a child naming it (`{ component: 'router' }`), so a
 * program embedding the gateway can hand in its pino logger. The command line writes lines:
 * `router info: Router: queued ... {"id":...}` for a component's record, the bare message for the
 * gateway's own events (`inbound: ... held: ...`), a level prefix when that is not info.
 */
import { createLineLogger, type Logger, type LogRecord } from '@mailroute/envelope';

/** One record as one line: `[component ]level: message[ context]`, or the bare message for the gateway's own info. */
export function formatLogLine(record: LogRecord): string {
  const { component, ...context } = record.context;
  const rest = Object.keys(context).length > 0 ? ` ${JSON.stringify(context)}` : '';
  if (typeof component === 'string') return `${component} ${record.level}: ${record.message}${rest}`;
  return record.level === 'info' ? `${record.message}${rest}` : `${record.level}: ${record.message}${rest}`;
}

/**
 * A Logger that writes each record as one line (see {@link formatLogLine}) to `write`, debug records
 * included: the Router's `routingLogger` decides which of its records pass, the other components
 * are handed {@link withoutDebug}.
 */
export function gatewayLineLogger(write: (line: string) => void): Logger {
  return createLineLogger((record) => write(formatLogLine(record)), 'debug');
}

/** `logger` without its debug records: the listener, the transfer agent, mail.box and the rules log at info and above. */
export function withoutDebug(logger: Logger): Logger {
  return {
    debug: () => undefined,
    info: (c, m) => logger.info(c, m),
    warn: (c, m) => logger.warn(c, m),
    error: (c, m) => logger.error(c, m),
    child: (bindings) => withoutDebug(logger.child(bindings)),
  };
}

/** `logger.child({ component })` without debug records: one part of the gateway. */
export function componentLogger(logger: Logger, component: string): Logger {
  return withoutDebug(logger.child({ component }));
}
