import { describe, expect, it } from 'vitest';
import { CliError, describeError } from '../src/cli-error.js';
import { COMMANDS } from '../src/main.js';
import { type OptionTable, parseOptions } from '../src/options.js';
import { renderOptions } from '../src/options-help.js';

const TABLE = {
  name: { type: 'string', placeholder: 'NAME', required: true, help: 'a name' },
  count: { type: 'int', min: 1, max: 10, default: 3, help: 'how many' },
  depth: { type: 'int', min: 0, help: 'how deep' },
  ratio: { type: 'float', min: 0, max: 1, help: 'a fraction' },
  sizes: { type: 'int-list', min: 1, max: 64, default: [8], help: 'sizes' },
  tags: { type: 'list', help: 'tags' },
  mode: { type: 'enum', values: ['fast', 'exact'], default: 'exact', help: 'how' },
  dry: { type: 'boolean', short: 'n', needs: 'name', help: 'only say what would happen' },
  seed: { type: 'int', min: 0, max: 9, conflicts: 'tags', help: 'a seed' },
} as const satisfies OptionTable;

const parse = (argv: string[]) => parseOptions('demo', TABLE, argv);

/** The one line the CLI would print for what `fn` throws, and its exit code. */
function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return describeError(e).line;
  }
  throw new Error('expected a usage error');
}

describe('parseOptions', () => {
  it('gives typed values with the defaults filled in', () => {
    const { values } = parse(['--name', 'x', '--sizes', '1, 2,4', '--tags', 'a,b', '--ratio', '0.5', '-n']);
    expect(values).toMatchObject({
      name: 'x',
      count: 3,
      depth: undefined,
      ratio: 0.5,
      sizes: [1, 2, 4],
      tags: ['a', 'b'],
      mode: 'exact',
      dry: true,
      seed: undefined,
    });
    // A default list is copied, so a command that changes its value changes nothing else.
    const a = parse(['--name', 'x']).values.sizes;
    a.push(99);
    expect(parse(['--name', 'x']).values.sizes).toEqual([8]);
  });

  it('names the option, the range and the value, and points at the command help', () => {
    expect(usage(() => parse(['--name', 'x', '--count', '11']))).toBe(
      "resblocks: error: --count must be an integer from 1 to 10, got '11'. Run `resblocks demo --help` for an example.",
    );
    expect(usage(() => parse(['--name', 'x', '--count', '2.5']))).toContain("from 1 to 10, got '2.5'");
    expect(usage(() => parse(['--name', 'x', '--depth=-1']))).toContain(
      "--depth must be an integer from 0 up, got '-1'",
    );
    expect(usage(() => parse(['--name', 'x', '--ratio', 'half']))).toContain(
      "--ratio must be a number from 0 to 1, got 'half'",
    );
    expect(usage(() => parse(['--name', 'x', '--sizes', '8,100']))).toContain(
      "--sizes must be an integer from 1 to 64, got '100'",
    );
    expect(usage(() => parse(['--name', 'x', '--mode', 'slow']))).toContain(
      "--mode must be one of fast, exact, got 'slow'",
    );
  });

  it('refuses missing, unknown, dependent and conflicting options', () => {
    expect(usage(() => parse([]))).toBe(
      'resblocks: error: demo needs --name. Run `resblocks demo --help` for an example.',
    );
    expect(usage(() => parse(['--name', '']))).toContain('demo needs --name');
    expect(usage(() => parse(['--name', 'x', '--colour']))).toContain(
      "Unknown option '--colour'. Run `resblocks demo --help` for the options.",
    );
    expect(usage(() => parse(['--name', 'x', 'stray']))).toContain('resblocks demo --help');
    expect(usage(() => parse(['--name', 'x', '--tags', 'a', '--seed', '1']))).toContain(
      '--seed applies only without --tags',
    );
    const noName = { dry: TABLE.dry, name: { ...TABLE.name, required: false } } as const;
    expect(usage(() => parseOptions('demo', noName, ['--dry']))).toContain('--dry needs --name');
  });

  it('takes positionals only where the command has them', () => {
    expect(parseOptions('demo', {}, ['a', 'b'], { positionals: true }).positionals).toEqual(['a', 'b']);
  });
});

describe('generated --help', () => {
  it('lists each option with its placeholder, alias, default and range', () => {
    const text = renderOptions(TABLE);
    expect(text).toMatch(/^ {2}--name NAME +a name \(required\)$/m);
    expect(text).toMatch(/^ {2}--count N +how many \(default 3; from 1 to 10\)$/m);
    expect(text).toMatch(/^ {2}--mode fast\|exact +how \(default exact; one of fast, exact\)$/m);
    expect(text).toMatch(/^ {2}-n, --dry +only say what would happen \(with --name\)$/m);
    expect(text).toMatch(/^ {2}-h, --help +show this help$/m);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(98);
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s: the usage line names only its options, and every required one',
    (_, c) => {
      const usageText = c.help.slice(0, c.help.indexOf('\n\n'));
      const named = new Set([...usageText.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
      for (const name of named) expect(Object.keys(c.options), `--${name}`).toContain(name);
      for (const [name, spec] of Object.entries(c.options))
        if (spec.required) expect(named, `--${name}`).toContain(name);
      for (const name of Object.keys(c.options))
        expect(c.help).toMatch(new RegExp(`^ {2}(-., )?--${name}\\b`, 'm'));
    },
  );
});
