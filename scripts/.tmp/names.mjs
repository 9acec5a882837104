import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const pkg = process.argv[2];
const file = `packages/${pkg}/src/index.ts`;
const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] });
const checker = program.getTypeChecker();
const sf = program.getSourceFile(file);
const names = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)).map((s) => s.name);
function walk(d, out) {
  for (const e of readdirSync(d)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    const p = join(d, e);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.(ts|mts|mjs|js|md)$/.test(e)) out.push(p);
  }
  return out;
}
const files = [...walk('packages', []), ...walk('examples', []), ...walk('test', []), 'README.md'].filter((f) => !f.startsWith(`packages/${pkg}/src`) && !f.startsWith(`packages/${pkg}/test`));
const texts = files.map((f) => [f, readFileSync(f, 'utf8')]);
for (const n of names.sort()) {
  const re = new RegExp(`\\b${n}\\b`);
  const users = texts.filter(([, t]) => re.test(t)).map(([f]) => f);
  console.log(`${n}\t${users.length}\t${users.slice(0, 4).join(' ')}`);
}
