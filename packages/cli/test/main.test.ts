import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { COMMANDS, main } from '../src/main.js';

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), errIsTTY: false };
}

describe('main (in-process)', () => {
  it('prints the version from package.json and the command list', async () => {
    const io = capture();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout).toEqual([
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
    ]);
    expect(await main(['--help'], io)).toBe(0);
    for (const c of COMMANDS) expect(io.stdout[1]).toContain(`  ${c.name}`);
  });

  it('every command documents its options and an example in --help', async () => {
    for (const c of COMMANDS) {
      const io = capture();
      expect(await main([c.name, '--help'], io)).toBe(0);
      expect(io.stdout[0]).toMatch(new RegExp(`^Usage: resblocks ${c.name}`));
      expect(io.stdout[0]).toMatch(/Examples?:\n {2}resblocks /);
      expect(io.stdout[0]).toContain('--verbose');
    }
  });

  it('returns 2 with one error line for usage errors, without exiting', async () => {
    const io = capture();
    expect(await main(['init-weights', '--model', 'resnet8_cifar'], io)).toBe(2);
    expect(io.stderr).toEqual([
      'resblocks: error: init-weights needs --output. Run `resblocks init-weights --help` for an example.',
    ]);
  });
});
