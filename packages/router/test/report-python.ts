/**
 * Parses reports with CPython's `email` package (policy.default) and returns what it saw: every
 * defect of every part, the content types in order, and the delivery-status field blocks.
 * Skips (returns undefined) when /usr/bin/python3 is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import sys, json, email
from email import policy
out = []
for raw in json.load(sys.stdin):
    msg = email.message_from_bytes(raw.encode('latin-1'), policy=policy.default)
    defects, types, status, human = [], [], [], None
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        types.append(part.get_content_type())
        if part.get_content_type() == 'message/delivery-status':
            status = [dict((k, str(v)) for k, v in block.items()) for block in part.get_payload()]
        if part.get_content_type() == 'text/plain' and human is None:
            human = part.get_content()
    out.append({'defects': defects, 'types': types, 'status': status, 'human': human,
                'subject': str(msg['subject']), 'to': str(msg['to']), 'autoSubmitted': str(msg['auto-submitted'])})
print(json.dumps(out))
`;

/** What CPython saw in one report. */
export interface PythonView {
  readonly defects: string[];
  readonly types: string[];
  readonly status: Record<string, string>[] | null;
  readonly human: string | null;
  readonly subject: string;
  readonly to: string;
  readonly autoSubmitted: string;
}

/** Parses each report with CPython; undefined when Python is not installed. */
export function parseWithPython(reports: readonly Uint8Array[]): PythonView[] | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const input = JSON.stringify(reports.map((r) => Buffer.from(r).toString('latin1')));
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonView[];
}
