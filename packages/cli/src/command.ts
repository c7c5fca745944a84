import type { Io } from './io.js';
import { type OptionTable, type OptionValues, parseOptions } from './options.js';
import { renderOptions } from './options-help.js';

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** The options, as data: they parse the arguments and make the Options section and the docs tables. */
  readonly options: OptionTable;
  /** Names of the positional arguments, in order (none for most commands). */
  readonly positionals: readonly string[];
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: Io): Promise<number>;
}

export interface CommandDefinition<O extends OptionTable> {
  readonly name: string;
  readonly summary: string;
  /** The usage lines after `Usage: `, wrapped by hand. */
  readonly usage: string;
  /** What the command does, between the usage and the options. */
  readonly about: string;
  /** Prose after the options (exit codes, notes), if any. */
  readonly after?: string;
  /** Command lines shown under Example(s); a continuation line starts with spaces. */
  readonly examples: readonly string[];
  readonly options: O;
  readonly positionals?: readonly string[];
  run(args: { readonly values: OptionValues<O>; readonly positionals: string[] }, io: Io): Promise<number>;
}

function helpText(d: CommandDefinition<OptionTable>): string {
  const examples = d.examples.map((e) => e.replace(/^/gm, '  ')).join('\n');
  return [
    `Usage: ${d.usage}`,
    d.about,
    `Options:\n${renderOptions(d.options)}`,
    ...(d.after ? [d.after] : []),
    `Example${d.examples.length > 1 ? 's' : ''}:\n${examples}\n`,
  ].join('\n\n');
}

/** A command from its option table and its prose: the table parses its arguments and writes its --help. */
export function defineCommand<const O extends OptionTable>(d: CommandDefinition<O>): Command {
  const positionals = d.positionals ?? [];
  return {
    name: d.name,
    summary: d.summary,
    help: helpText(d as CommandDefinition<OptionTable>),
    options: d.options,
    positionals,
    run: (argv, io) =>
      d.run(parseOptions(d.name, d.options, argv, { positionals: positionals.length > 0 }), io),
  };
}
