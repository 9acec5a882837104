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
    const step: { -readonly [K in keyof TraceStep]: TraceStep[K] } = { rule, outcome };
    if (subject !== undefined) step.subject = subject;
    if (entry !== undefined) step.entry = entryText(entry);
    if (note !== undefined) step.note = note;
    this.steps.push(step);
  }
}
