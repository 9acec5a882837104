/**
 * Domino's routing log levels over the SDK's Logger. `Log_MailRouting` (Configuration Settings,
 * Router/SMTP - Advanced - Controls "Logging level"): 10 minimal (errors and mandatory status),
 * 20 normal (also warnings: refusals, retries, rule actions), 30 informational (also each
 * message queued, held, moved, rerouted), 40 verbose (everything, debug included). notes.ini
 * `DebugRouter` 1/2/3 adds the Router's debug records (queue and routing detail) whatever the
 * level. The wrapper filters; the Router logs as it always does.
 */
import { type Logger, MailrouteError } from '@mailroute/envelope';

/** `Log_MailRouting`: 10 minimal, 20 normal, 30 informational, 40 verbose. */
export type LogMailRouting = 10 | 20 | 30 | 40;

/** notes.ini `DebugRouter`: 0 off, 1 queue activity, 2 routing paths, 3 both. */
export type DebugRouter = 0 | 1 | 2 | 3;

/** Options of {@link routingLogger}. */
export interface RoutingLogOptions {
  /** Default 20 (Domino's Normal). */
  readonly logMailRouting?: LogMailRouting;
  /** Default 0. */
  readonly debugRouter?: DebugRouter;
}

/** Messages logged at info that Domino logs even at Minimal (startup and shutdown). */
const MANDATORY = /^Router: (started|stopped)/;

/** A Logger that passes on what `Log_MailRouting` and `DebugRouter` let through. */
export function routingLogger(logger: Logger, options: RoutingLogOptions = {}): Logger {
  const level = options.logMailRouting ?? 20;
  const debug = options.debugRouter ?? 0;
  if (![10, 20, 30, 40].includes(level))
    throw new MailrouteError('ROUTER_BAD_OPTION', 'Log_MailRouting must be 10, 20, 30 or 40');
  if (![0, 1, 2, 3].includes(debug))
    throw new MailrouteError('ROUTER_BAD_OPTION', 'DebugRouter must be 0, 1, 2 or 3');
  const wrap = (inner: Logger): Logger => ({
    error: (c, m) => inner.error(c, m),
    warn: (c, m) => {
      if (level >= 20) inner.warn(c, m);
    },
    info: (c, m) => {
      if (level >= 30 || MANDATORY.test(m)) inner.info(c, m);
    },
    debug: (c, m) => {
      if (level >= 40 || debug > 0) inner.debug(c, m);
    },
    child: (bindings) => wrap(inner.child(bindings)),
  });
  return wrap(logger);
}
