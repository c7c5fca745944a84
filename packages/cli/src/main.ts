import { describeError, usageError } from './cli-error.js';
import type { Command } from './command.js';
import { accuracyCommand } from './commands/accuracy.js';
import { backendsCommand } from './commands/backends.js';
import { benchCommand } from './commands/bench.js';
import { convertCommand } from './commands/convert.js';
import { exportCommand } from './commands/export.js';
import { initWeightsCommand } from './commands/init-weights.js';
import { runCommand } from './commands/run.js';
import { soakCommand } from './commands/soak.js';
import { traceCommand } from './commands/trace.js';
import { verifyCommand } from './commands/verify.js';
import { type Io, processIo } from './io.js';
import { renderOptions } from './options-help.js';
import { VERSION } from './version.js';

/**
 * A new command is a defineCommand with its option table, listed here; its section of the README
 * needs `<!-- BEGIN options NAME -->` and `<!-- END options NAME -->` for the generated table.
 */
export const COMMANDS: readonly Command[] = [
  verifyCommand,
  runCommand,
  benchCommand,
  backendsCommand,
  initWeightsCommand,
  exportCommand,
  convertCommand,
  soakCommand,
  accuracyCommand,
  traceCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `resblocks ${VERSION}: check that ResNet/ResNeXt backends agree with the spec, and run,
benchmark and export the models.

Usage: resblocks <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`resblocks <command> --help\` for a command's options and an example.
Exit codes: 0 success, 1 failure (a check failed, a file is invalid, a backend failed),
2 usage error (unknown command, option, model or backend).

Options:
${renderOptions({ version: { type: 'boolean', short: 'v', help: 'print the version' } })}
`;
}

/** The whole command line, in-process: returns the exit code instead of exiting. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  // --verbose may also come before the command.
  const args = argv[0] === '--verbose' ? [...argv.slice(1), '--verbose'] : [...argv];
  const verbose = args.includes('--verbose');
  try {
    const [first, ...rest] = args;
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      io.out(topic ? topic.help : overview());
      return 0;
    }
    if (first === '-v' || first === '--version') {
      io.out(VERSION);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) {
      const what = first.startsWith('-')
        ? `unknown option '${first}' before the command`
        : `unknown command '${first}'`;
      throw usageError(
        `${what}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
        'Run `resblocks --help` for usage',
      );
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      io.out(command.help);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    const { line, exitCode } = describeError(e);
    io.err(line);
    if (verbose && e instanceof Error && e.stack) io.err(e.stack);
    return exitCode;
  }
}
