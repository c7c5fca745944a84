import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.js';

interface Checked {
  package: string;
  problems: string[];
}

function publishCheck(...args: string[]): { status: number | null; results: Checked[]; output: string } {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'publish-check.mjs'), '--json', ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 480_000,
    },
  );
  let results: Checked[] = [];
  try {
    results = JSON.parse(r.stdout) as Checked[];
  } catch {
    results = [];
  }
  return { status: r.status, results, output: `${r.stdout}\n${r.stderr}` };
}

describe('publish check (publint, are-the-types-wrong, npm publish --dry-run, package.json fields)', () => {
  it('finds every public package ready to publish', () => {
    const { status, results, output } = publishCheck();
    expect(
      results.map((r) => r.package),
      output,
    ).toEqual([
      '@resblocks/image',
      '@resblocks/spec',
      '@resblocks/conformance',
      '@resblocks/tfjs',
      '@resblocks/onnx',
      '@resblocks/onnx-web',
      '@resblocks/onnx-node',
      '@resblocks/gpujs',
      '@resblocks/webgpu',
      '@resblocks/worker',
      'resblocks',
    ]);
    expect(
      Object.fromEntries(results.filter((r) => r.problems.length).map((r) => [r.package, r.problems])),
    ).toEqual({});
    expect(status).toBe(0);
  });

  it('rejects a package with missing fields, files and build output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'resblocks-bad-package-'));
    try {
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'dist', 'index.js'), 'export const x = 1;\n');
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'resblocks-bad-package',
          version: '0.0.0',
          type: 'module',
          exports: { '.': { default: './dist/index.js', types: './dist/index.d.ts' } },
        }),
      );
      const { status, results } = publishCheck(dir);
      expect(status).toBe(1);
      const problems = results[0]?.problems.join('\n') ?? '';
      for (const expected of [
        '"types" must be the first condition',
        '"types" is missing',
        '"files" is missing',
        '"license" is missing',
        'README.md is missing',
        'dist/index.d.ts does not exist',
      ]) {
        expect(problems).toContain(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
