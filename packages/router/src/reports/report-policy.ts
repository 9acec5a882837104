/**
 * Who gets which report. RFC 3461 decides from NOTIFY; Domino adds its switches:
 * - the "DSN extension" setting (Router/SMTP Basics; default Disabled): success and delay reports
 *   only when it is enabled; failure reports always ("Domino will return failed DSNs");
 * - `RouterDisableDSNRelayReports=1`: no "relayed" report when the next hop cannot take NOTIFY;
 * - `RouterDSNForNULLReversePath`: never a report to the null sender `<>`: 0 (default) creates it
 *   and marks it DEAD for the administrator, 1 sends it (to the postmaster: the null path has no
 *   address, and the From field may be forged, so sending there would be backscatter), 2 creates
 *   none.
 * And never a report about a report (RFC 3461 §6.2: loops).
 */
import type { QueuedMessage, QueuedRecipient } from '../mailbox/types.js';
import type { NullReversePathReports } from '../options.js';
import type { DsnAction } from './delivery-status.js';

/** The switches of the report policy. */
export interface ReportSwitches {
  /** Router/SMTP Basics "DSN extension": Enabled. Default false (Domino's default: Disabled). */
  readonly dsn: boolean;
  /** notes.ini `RouterDSNForNULLReversePath`. Default 0. */
  readonly nullReversePath: NullReversePathReports;
  /** notes.ini `RouterDisableDSNRelayReports=1`. Default false. */
  readonly disableRelayReports: boolean;
}

/** True when the recipient asked for (or defaults to) a report of this action. */
export function wantsReport(
  switches: ReportSwitches,
  message: QueuedMessage,
  recipient: QueuedRecipient,
  action: DsnAction,
): boolean {
  if (message.envelope.isReport === true) return false;
  const notify = recipient.notify;
  if (notify === 'NEVER') return false;
  switch (action) {
    case 'failed':
      // No NOTIFY means FAILURE (RFC 3461 §4.1).
      return notify === undefined || notify.includes('FAILURE');
    case 'delayed':
      return switches.dsn && notify?.includes('DELAY') === true;
    case 'delivered':
    case 'expanded':
      return switches.dsn && notify?.includes('SUCCESS') === true;
    case 'relayed':
      return !switches.disableRelayReports && notify?.includes('SUCCESS') === true;
  }
}

/** Where a report goes: the reverse path, or for `<>` as `RouterDSNForNULLReversePath` says. */
export type ReportAddressee =
  | { readonly kind: 'send'; readonly to: string }
  | { readonly kind: 'dead'; readonly to: string }
  | { readonly kind: 'none' };

/** The addressee of a report about `message`. */
export function reportAddressee(
  switches: ReportSwitches,
  message: QueuedMessage,
  postmaster: string,
): ReportAddressee {
  if (message.envelope.mailFrom !== '') return { kind: 'send', to: message.envelope.mailFrom };
  if (switches.nullReversePath === 2) return { kind: 'none' };
  if (switches.nullReversePath === 1) return { kind: 'send', to: postmaster };
  return { kind: 'dead', to: postmaster };
}
