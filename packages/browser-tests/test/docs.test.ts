import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenLinks } from '../src/links.js';
import { REPO_ROOT } from '../src/paths.js';

/** The docs site builds (VitePress) and every internal link of every page resolves to a built file. */
describe('docs site', () => {
  const out = mkdtempSync(join(tmpdir(), 'resblocks-docs-'));
  let build: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    build = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'vitepress', 'bin', 'vitepress.js'), 'build', 'docs', '--outDir', out],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds', () => {
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  });

  it('has every page, and every internal link resolves', () => {
    const { pages, links, broken } = brokenLinks(out);
    expect(pages).toBeGreaterThanOrEqual(14);
    expect(links).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  it('the link checker catches a broken link', () => {
    const site = mkdtempSync(join(tmpdir(), 'resblocks-links-'));
    try {
      mkdirSync(join(site, 'guide'));
      writeFileSync(join(site, 'index.html'), '<a href="/guide/a.html">a</a> <a href="./missing">m</a>');
      writeFileSync(
        join(site, 'guide', 'a.html'),
        '<h2 id="x">x</h2><a href="../index.html#nope">bad anchor</a><a href="#x">ok</a>',
      );
      expect(brokenLinks(site).broken).toEqual([
        { page: '/guide/a.html', link: '../index.html#nope' },
        { page: '/index.html', link: './missing' },
      ]);
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  });
});
