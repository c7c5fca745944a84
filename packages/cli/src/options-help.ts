import { COMMON_OPTIONS, type OptionSpec, type OptionTable, rangeText } from './options.js';

/** Width of --help text, as the hand-written prose around the options. */
export const HELP_WIDTH = 98;

const PLACEHOLDERS: Record<OptionSpec['type'], string> = {
  boolean: '',
  string: 'VALUE',
  list: 'a,b',
  int: 'N',
  float: 'X',
  'int-list': 'N,M',
  enum: '',
};

export function placeholder(spec: OptionSpec): string {
  if (spec.placeholder !== undefined) return spec.placeholder;
  return spec.type === 'enum' ? spec.values.join('|') : PLACEHOLDERS[spec.type];
}

/** `-o, --output FILE` */
export function optionLabel(name: string, spec: OptionSpec): string {
  const value = placeholder(spec);
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${value ? ` ${value}` : ''}`;
}

/** The default in words, or undefined where there is none to show. */
export function defaultText(spec: OptionSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.type === 'boolean' || spec.default === undefined) return undefined;
  if (!Array.isArray(spec.default)) return String(spec.default);
  return spec.default.length ? spec.default.join(',') : undefined;
}

/** The values an option takes beyond its type's: `from 1 to 1000`, `one of a, b`. */
export function valuesText(spec: OptionSpec): string | undefined {
  if (spec.type === 'enum') return `one of ${spec.values.join(', ')}`;
  if (spec.type === 'int' || spec.type === 'int-list' || spec.type === 'float')
    return spec.min === undefined && spec.max === undefined ? undefined : rangeText(spec);
  return undefined;
}

/** `with --measure`, `not with --weights`: the other options this one depends on. */
export function conditionText(spec: OptionSpec): string | undefined {
  const parts = [
    spec.needs ? `with --${spec.needs}` : undefined,
    spec.conflicts ? `not with --${spec.conflicts}` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** The sentence --help prints for an option: its help, then when it applies, its default and range. */
function description(spec: OptionSpec): string {
  const notes = [
    spec.required ? 'required' : undefined,
    conditionText(spec),
    defaultText(spec) !== undefined ? `default ${defaultText(spec)}` : undefined,
    spec.type === 'enum' || ('max' in spec && spec.max !== undefined) ? valuesText(spec) : undefined,
  ].filter(Boolean);
  return notes.length ? `${spec.help} (${notes.join('; ')})` : spec.help;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The Options section of a command's --help: its table, then --verbose and --help. */
export function renderOptions(table: OptionTable): string {
  const rows = Object.entries({ ...table, ...COMMON_OPTIONS }).map(
    ([name, spec]) => [optionLabel(name, spec), description(spec)] as const,
  );
  const column = Math.max(...rows.map(([label]) => label.length)) + 4;
  return rows
    .map(([label, text]) => {
      const [first = '', ...rest] = wrap(text, HELP_WIDTH - column);
      const indent = ' '.repeat(column);
      return [`  ${label.padEnd(column - 2)}${first}`, ...rest.map((l) => indent + l)].join('\n');
    })
    .join('\n');
}
