/** `explainDecision`: the trace as lines an administrator reads when a message was refused. */
import { formatReply } from '@mailroute/envelope';
import type { PolicyDecision } from './decision.js';

/** Renders a decision and its trace, one line per rule consulted. */
export function explainDecision(decision: PolicyDecision): string[] {
  const lines = [
    `${decision.stage}: ${decision.action} -> ${formatReply(decision.reply).trimEnd().replace(/\r\n/g, ' | ')}`,
  ];
  for (const step of decision.trace) {
    let line = `  ${step.rule}: ${step.outcome}`;
    if (step.subject !== undefined) line += ` [${step.subject}]`;
    if (step.entry !== undefined) line += ` by entry "${step.entry}"`;
    if (step.note !== undefined) line += ` - ${step.note}`;
    lines.push(line);
  }
  for (const item of decision.items) lines.push(`  item ${item.name} = ${item.value}`);
  return lines;
}
