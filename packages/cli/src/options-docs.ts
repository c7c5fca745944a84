import type { Command } from './command.js';
import type { OptionSpec } from './options.js';
import { conditionText, defaultText, optionLabel, valuesText } from './options-help.js';

/** Markdown that keeps option names as code and cannot break a table row. */
function cell(text: string): string {
  // Backticks already in the text stay as they are; outside them, `--name` becomes code.
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : part.replace(/(^|[\s(])(--[a-z][a-z-]*)/g, '$1`$2`')))
    .join('')
    .replace(/\|/g, '\\|');
}

function defaultCell(spec: OptionSpec): string {
  if (spec.required) return 'required';
  if (spec.defaultText !== undefined) return cell(spec.defaultText);
  const d = defaultText(spec);
  return d === undefined ? '' : `\`${d}\``;
}

function valuesCell(spec: OptionSpec): string {
  const range = valuesText(spec);
  if (spec.type === 'list') return 'comma-separated';
  if (spec.type === 'int-list') return `comma-separated integers ${range ?? ''}`.trim();
  if (spec.type === 'int') return `integer ${range ?? ''}`.trim();
  if (spec.type === 'float') return `number ${range ?? ''}`.trim();
  return range ?? '';
}

/** A command's options as a Markdown table (--verbose and --help, common to all, are left out). */
export function optionsTable(command: Command): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const when = conditionText(spec);
    const meaning = when ? `${spec.help} (${when})` : spec.help;
    return `| \`${optionLabel(name, spec)}\` | ${cell(meaning)} | ${defaultCell(spec)} | ${valuesCell(spec)} |`;
  });
  return ['| Option | Meaning | Default | Values |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `resblocks run --model NAME --weights FILE --input FILE [options]` */
export function synopsis(command: Command): string {
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => optionLabel(name, { ...spec, short: undefined }));
  return ['resblocks', command.name, ...command.positionals, ...required, '[options]'].join(' ');
}

/** Every command as a Markdown table: how to call it, what it does, and its other options. */
export function commandsTable(commands: readonly Command[]): string {
  const rows = commands.map((c) => {
    const others = Object.entries(c.options)
      .filter(([, spec]) => !spec.required)
      .map(([name]) => `\`--${name}\``);
    return `| \`${synopsis(c)}\` | ${cell(c.summary)} | ${others.join(', ')} |`;
  });
  return ['| command | what it does | options |', '| --- | --- | --- |', ...rows].join('\n');
}

/** What the markers around a generated block say, so a reader knows not to edit it by hand. */
const GENERATED = 'generated from the option tables: npm run docs:cli --workspace resblocks';

export interface DocBlock {
  /** Names the block in its markers: `options verify`, `commands`. */
  readonly key: string;
  readonly text: string;
}

/** The files whose CLI tables come from the commands' option tables, and the blocks each holds. */
export function cliDocBlocks(commands: readonly Command[]): { path: string; blocks: DocBlock[] }[] {
  return [
    { path: 'docs/api/cli.md', blocks: [{ key: 'commands', text: commandsTable(commands) }] },
    {
      path: 'packages/cli/README.md',
      blocks: commands.map((c) => ({ key: `options ${c.name}`, text: optionsTable(c) })),
    },
  ];
}

/**
 * Replaces each block between its markers (`<!-- BEGIN key ... -->`, `<!-- END key -->`) with the
 * generated text. A block without markers in the file is named in `missing`.
 */
export function replaceBlocks(
  source: string,
  blocks: readonly DocBlock[],
): { text: string; missing: string[] } {
  let text = source;
  const missing: string[] = [];
  for (const b of blocks) {
    const begin = `<!-- BEGIN ${b.key} -->`;
    const end = `<!-- END ${b.key} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) {
      missing.push(b.key);
      continue;
    }
    text = `${text.slice(0, from)}${begin}\n<!-- ${GENERATED} -->\n\n${b.text}\n\n${text.slice(to)}`;
  }
  return { text, missing };
}
