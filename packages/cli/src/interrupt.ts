import { removePartialOutputs } from './files.js';

/** Exit codes of a process ended by a signal, as shells report them: 128 + the signal number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into a clean exit: partial output files are deleted, one line
 * says what happened, and the exit code is 130 (143 for SIGTERM). It takes effect as soon as the
 * event loop is free, i.e. between engine calls: a backend computing synchronously finishes its
 * current call first.
 */
export function exitCleanlyOnInterrupt(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removePartialOutputs();
      // Progress bars hide the cursor; show it again.
      const restore = process.stderr.isTTY ? '\u001b[?25h\n' : '';
      process.stderr.write(`${restore}resblocks: interrupted (${signal}); no partial output was written.\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    });
  }
}
