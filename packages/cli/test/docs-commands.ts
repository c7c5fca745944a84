import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every `resblocks` command the Markdown docs and READMEs show, as written. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface DocCommand {
  /** Where it is shown: file:line. */
  where: string;
  /** The command as shown (npx prefix and trailing comment removed). */
  text: string;
  /** The arguments after `resblocks`. */
  args: string[];
  /** A usage line with placeholders (NAME, [--x], <file>, a|b) rather than a command to run. */
  synopsis: boolean;
}

function markdownFiles(): string[] {
  const out = [join(REPO, 'README.md')];
  for (const p of readdirSync(join(REPO, 'packages'))) {
    const readme = join(REPO, 'packages', p, 'README.md');
    if (existsSync(readme)) out.push(readme);
  }
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk(join(REPO, 'docs'));
  return out;
}

/** Splits a shell line into words (plain and quoted words; no expansions are used in the docs). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

const PLACEHOLDER = /[[\]<>|]|\.\.\.|(^|\s)[A-Z][A-Z0-9_]*(\.[a-z]+)?(?=\s|$|,)/;

function command(where: string, raw: string): DocCommand | undefined {
  const text = raw
    .replace(/\\\|/g, '|')
    .replace(/\s#.*$/, '')
    .trim()
    .replace(/^npx\s+/, '');
  if (!/^resblocks [a-z]/.test(text)) return undefined;
  return {
    where,
    text,
    args: shellWords(text).slice(1),
    synopsis: PLACEHOLDER.test(text.slice('resblocks '.length)),
  };
}

export function docCommands(): DocCommand[] {
  const out: DocCommand[] = [];
  for (const file of markdownFiles()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const name = relative(REPO, file);
    let fenced = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        let full = line;
        const start = i;
        while (/\\\s*$/.test(full) && i + 1 < lines.length)
          full = full.replace(/\\\s*$/, ' ') + lines[++i]!.trim();
        const c = command(`${name}:${start + 1}`, full.trim());
        if (c) out.push(c);
      } else if (!/^#/.test(line)) {
        // (a heading such as "## `resblocks run`" names a command; it does not show one)
        for (const m of line.matchAll(/`((?:npx )?resblocks [^`]+)`/g)) {
          const c = command(`${name}:${i + 1}`, m[1]!);
          if (c) out.push(c);
        }
      }
    }
  }
  return out;
}

/** The value of `--name` in a command's arguments. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Positional arguments (after the command name, not options or their values). */
export function positionals(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < args.length; i++) {
    if (args[i]!.startsWith('--')) {
      if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) i++;
    } else out.push(args[i]!);
  }
  return out;
}
