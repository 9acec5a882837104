/** Building the trace of a decision. Internal. */

import type { RuleOutcome, TraceStep } from './decision.js';
import type { ListEntry } from './list-entry.js';

/** The entry text shown in a trace: with its group when it came through one. */
export function entryText(entry: ListEntry): string {
  return entry.via === undefined ? entry.text : `${entry.text} (in group ${entry.via})`;
}

/** Appends trace steps. */
export class Trace {
  readonly steps: TraceStep[] = [];

  add(rule: string, outcome: RuleOutcome, subject?: string, entry?: ListEntry, note?: string): void {
    // Every step has the same shape (absent fields are undefined) so the hot path stays monomorphic.
    this.steps.push({
      rule,
      outcome,
      subject,
      entry: entry === undefined ? undefined : entryText(entry),
      note,
    });
  }
}
