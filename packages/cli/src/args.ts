import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
} as const satisfies Options;

/** node:util parseArgs with usage errors that name the command and point at its --help. */
type OptionSpec = { readonly type: 'string' | 'boolean'; readonly short?: string };
type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
} & { help?: boolean; verbose?: boolean };

export function parseCommandArgs<const O extends Record<string, OptionSpec>>(
  command: string,
  argv: string[],
  options: O,
  { positionals: allowPositionals = false } = {},
): { values: Values<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...(options as Options) },
      allowPositionals,
      strict: true,
    });
    return { values: values as Values<O>, positionals };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.replace(/\.$/, '');
    throw usageError(msg, `Run \`resblocks ${command} --help\` for the options`);
  }
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '') {
    throw usageError(`${command} needs --${name}`, `Run \`resblocks ${command} --help\` for an example`);
  }
  return value;
}

/** Splits `a,b , c` into ['a', 'b', 'c'], or undefined when the option was not given. */
export function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(
      `--${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got '${value}'`,
      `Run \`resblocks ${command} --help\` for an example`,
    );
  }
  return n;
}
