/** What the Router's workers share: the store, the planner, the policies, the clock and the log. */
import type { Clock, Logger } from '@mailroute/envelope';
import type { MailFiles } from '../delivery/mail-files.js';
import type { MailBox } from '../mailbox/types.js';
import type { ResolvedTuning } from '../options.js';
import type { Planner } from '../plan/plan-recipients.js';
import type { ReportSwitches } from '../reports/report-policy.js';
import type { NextHop, TransferAgent } from '../transfer/agent.js';
import type { SignHook } from '../transfer/sign.js';
import type { RouterCounters } from './counters.js';

/** The Router's shared state, built once by `createRouter`. */
export interface RouterContext {
  readonly mailBox: MailBox;
  readonly planner: Planner;
  readonly mailFiles: MailFiles | undefined;
  readonly transferAgent: TransferAgent | undefined;
  readonly sign: SignHook | undefined;
  readonly hopFor: (host: string, authentication: 'required' | 'enabled' | 'disabled' | undefined) => NextHop;
  readonly tuning: ResolvedTuning;
  readonly reports: ReportSwitches;
  readonly reportingMta: string;
  readonly postmaster: string;
  readonly owner: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: RouterCounters;
  /** Tells the scheduler that work fell due in these destinations (reports, reroutes). */
  readonly newWork?: (destinations: Iterable<string>) => void;
}
