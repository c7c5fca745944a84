import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './cli-error.js';

interface Common {
  /** What the option does: one sentence, wrapped in --help, a table cell in the docs. */
  readonly help: string;
  readonly short?: string;
  /** What the value looks like in --help and the docs (NAME, FILE, x,y); by type when left out. */
  readonly placeholder?: string;
  /** The default as words, where it depends on other options or on the backend (the value stays undefined). */
  readonly defaultText?: string;
  readonly required?: boolean;
  /** Another option this one applies only with. */
  readonly needs?: string;
  /** Another option this one cannot be given with. */
  readonly conflicts?: string;
}

interface Range {
  readonly min?: number;
  readonly max?: number;
}

export type OptionSpec =
  | (Common & { readonly type: 'boolean' })
  | (Common & { readonly type: 'string'; readonly default?: string })
  | (Common & { readonly type: 'list'; readonly default?: readonly string[] })
  | (Common & Range & { readonly type: 'int' | 'float'; readonly default?: number })
  | (Common & Range & { readonly type: 'int-list'; readonly default?: readonly number[] })
  | (Common & { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string });

/** A command's options, in the order --help and the docs list them. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type Parsed<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'int' | 'float' }
    ? number
    : S extends { type: 'list' }
      ? string[]
      : S extends { type: 'int-list' }
        ? number[]
        : S extends { type: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;

/** Booleans, required options and options with a default always have a value. */
type Always<S> = S extends { type: 'boolean' } | { required: true } | { default: unknown } ? true : false;

export type OptionValues<O extends OptionTable> = {
  -readonly [K in keyof O]: Always<O[K]> extends true ? Parsed<O[K]> : Parsed<O[K]> | undefined;
};

/** Options every command accepts, listed last in its --help. */
export const COMMON_OPTIONS = {
  verbose: { type: 'boolean', help: 'print stack traces on errors' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies OptionTable;

const ANY_INT: Range = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** `from 1 to 10`, `from 0 up`: the words of a range, as the error messages and docs use them. */
export function rangeText({ min = ANY_INT.min!, max = ANY_INT.max! }: Range): string {
  if (max >= ANY_INT.max!) return `from ${min} up`;
  return `from ${min} to ${max}`;
}

function optionError(command: string, message: string): never {
  throw usageError(message, `Run \`resblocks ${command} --help\` for an example`);
}

/** `--name must be an integer from MIN to MAX, got 'VALUE'`, also for checks made after parsing. */
export function outOfRange(
  command: string,
  name: string,
  range: Range,
  value: string,
  what = 'an integer',
): never {
  optionError(command, `--${name} must be ${what} ${rangeText(range)}, got '${value}'`);
}

function toInt(command: string, name: string, spec: Range, value: string): number {
  const n = Number(value);
  const { min = ANY_INT.min!, max = ANY_INT.max! } = spec;
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    outOfRange(command, name, spec, value);
  return n;
}

function toFloat(command: string, name: string, spec: Range, value: string): number {
  const n = Number(value);
  const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = spec;
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    outOfRange(command, name, spec, value, 'a number');
  return n;
}

/** Splits `a,b , c` into ['a', 'b', 'c']. */
function toList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function convert(command: string, name: string, spec: OptionSpec, raw: string): unknown {
  switch (spec.type) {
    case 'int':
      return toInt(command, name, spec, raw);
    case 'float':
      return toFloat(command, name, spec, raw);
    case 'list':
      return toList(raw);
    case 'int-list':
      return toList(raw).map((v) => toInt(command, name, spec, v));
    case 'enum':
      if (!spec.values.includes(raw))
        optionError(command, `--${name} must be one of ${spec.values.join(', ')}, got '${raw}'`);
      return raw;
    default:
      return raw;
  }
}

function initial(spec: OptionSpec): unknown {
  if (spec.type === 'boolean') return false;
  const d = spec.default;
  return Array.isArray(d) ? [...d] : d;
}

/**
 * Parses a command's arguments against its option table: unknown options, missing required ones,
 * options given without the one they need (or with one they exclude), and values of the wrong type
 * or out of range are usage errors that name the option and point at the command's --help.
 */
export function parseOptions<const O extends OptionTable>(
  command: string,
  table: O,
  argv: readonly string[],
  { positionals: allowPositionals = false } = {},
): { values: OptionValues<O>; positionals: string[] } {
  const all: OptionTable = { ...table, ...COMMON_OPTIONS };
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(all))
    config[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.replace(/\.$/, '');
    throw usageError(msg, `Run \`resblocks ${command} --help\` for the options`);
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  for (const [name, spec] of Object.entries(table))
    if (spec.required && (raw[name] === undefined || raw[name] === ''))
      optionError(command, `${command} needs --${name}`);
  for (const [name, spec] of Object.entries(table)) {
    if (raw[name] === undefined) continue;
    if (spec.needs && raw[spec.needs] === undefined)
      throw usageError(`--${name} needs --${spec.needs}`, `Pass --${spec.needs} too, or leave --${name} out`);
    if (spec.conflicts && raw[spec.conflicts] !== undefined)
      throw usageError(
        `--${name} applies only without --${spec.conflicts}`,
        `Pass one of --${spec.conflicts} or --${name}`,
      );
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(all)) {
    const given = raw[name];
    values[name] =
      given === undefined
        ? initial(spec)
        : typeof given === 'string'
          ? convert(command, name, spec, given)
          : given;
  }
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}
