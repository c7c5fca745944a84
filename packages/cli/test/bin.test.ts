import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { tempDir } from './spawn.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));

describe('the resblocks bin', () => {
  it('is a committed file, so npm links it at install time before anything is built', () => {
    const bin = join(PACKAGE, pkg.bin.resblocks);
    expect(pkg.bin.resblocks).not.toMatch(/^dist\//);
    expect(pkg.files).toContain(pkg.bin.resblocks.split('/')[0]);
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(VERSION);
  });

  it('says how to build when dist/ is missing', () => {
    const dir = join(tempDir(), 'cli');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    copyFileSync(join(PACKAGE, pkg.bin.resblocks), join(dir, pkg.bin.resblocks));
    copyFileSync(join(PACKAGE, 'package.json'), join(dir, 'package.json'));
    const r = spawnSync(process.execPath, [join(dir, pkg.bin.resblocks), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('resblocks: error: the command line is not built yet');
    expect(r.stderr).toContain('npm run build');
  });
});
