#!/usr/bin/env node
import { exitCleanlyOnInterrupt } from './interrupt.js';
import { main } from './main.js';

exitCleanlyOnInterrupt();

// Exit explicitly: GPU runtimes (Dawn) keep the event loop alive after the work is done.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `resblocks: error: ${(e as Error)?.message ?? String(e)}. Run with --verbose for details.\n`,
    );
    process.exit(1);
  },
);
