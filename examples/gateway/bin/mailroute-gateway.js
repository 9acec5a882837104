#!/usr/bin/env node
// The launcher of `mailroute-gateway`. It is committed (the program itself is compiled into
// dist/ by `tsc -b`), so the bin a package manager links at install time exists before the
// first build, and a tarball's bin works the same way.
import('../dist/src/main.js').catch((e) => {
  const notBuilt = e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('main.js');
  process.stderr.write(
    notBuilt ? 'mailroute-gateway: not built yet; run `pnpm build` first\n' : `${e?.stack ?? e}\n`,
  );
  process.exitCode = 70;
});
