import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest modification time of the files below `dir` (0 when there are none). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * Builds dist/ so the tests run the real command (`node dist/bin.js`), unless it is newer than
 * every source file: another package's tests may be packing dist/ at the same time.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(root, 'dist', 'bin.js');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest(join(root, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
