#!/usr/bin/env node
// The `resblocks` command. This file is committed (dist/ is built later), so npm links the
// command at install time, in a fresh clone of the repository as well as from the registry.
import('../dist/bin.js').catch((e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist')) {
    process.stderr.write(
      'resblocks: error: the command line is not built yet (dist/bin.js is missing). Run `npm run build` in the repository first.\n',
    );
    process.exit(1);
  }
  throw e;
});
