/**
 * The code examples of a README: every fenced block whose info string is `ts`, `typescript`,
 * `js` or `javascript` (also inside list items, where the fence is indented); JavaScript blocks
 * are type-checked as TypeScript too (a user's editor does the same with `checkJs`). An HTML comment
 * `<!-- example: compile-only -->` on the line before a fence keeps that block from running (for
 * an example that needs state a test cannot give it, such as a live credential store); it is
 * still type-checked. Every other block is compiled and run by the README test.
 */

/** One example block of a README. */
export interface ReadmeExample {
  /** 1-based line of the README where the block's code starts (after the fence). */
  readonly line: number;
  /** The code, with the fence's indentation removed. */
  readonly code: string;
  /** Type-checked but not run. */
  readonly compileOnly: boolean;
}

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript|js|javascript)\s*(?:\s.*)?$/;
const COMPILE_ONLY = /^\s*<!--\s*example:\s*compile-only\b.*-->\s*$/;

/** A closing fence: only fence characters, at least as many as the opening one (CommonMark). */
function closes(line: string, fence: string): boolean {
  const t = line.trim();
  return t.length >= fence.length && t.startsWith(fence) && [...t].every((c) => c === fence[0]);
}

/** The `ts` and `js` examples of a markdown text, in order. */
export function extractExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split(/\r?\n/);
  const out: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (!open) {
      // Skip over fenced blocks of other languages so their content is never read as a fence.
      const other = /^(\s*)(`{3,}|~{3,})/.exec(lines[i]!);
      if (other) {
        const fence = other[2]!;
        i++;
        while (i < lines.length && !closes(lines[i]!, fence)) i++;
      }
      continue;
    }
    const indent = open[1]!.length;
    const fence = open[2]!;
    const compileOnly = i > 0 && COMPILE_ONLY.test(lines[i - 1]!);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (closes(line, fence)) break;
      body.push(line.slice(Math.min(indent, line.length - line.trimStart().length)));
    }
    if (j === lines.length) throw new Error(`unclosed ${fence}${open[3]} fence at line ${i + 1}`);
    out.push({ line: i + 2, code: `${body.join('\n')}\n`, compileOnly });
    i = j;
  }
  return out;
}
