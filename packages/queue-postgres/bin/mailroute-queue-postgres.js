#!/usr/bin/env node
// The launcher of `mailroute-queue-postgres`. It is committed (the command itself is compiled into
// dist/ by `tsc -b`), so the bin a package manager links at install time exists before the
// first build, and a tarball's bin works the same way.
import('../dist/src/cli.js').catch((e) => {
  const notBuilt = e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('cli.js');
  process.stderr.write(
    notBuilt ? 'mailroute-queue-postgres: not built yet; run `pnpm build` first\n' : `${e?.stack ?? e}\n`,
  );
  process.exitCode = 70;
});
