import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
export const REPORTS_DIR = join(PACKAGE_DIR, 'reports');

/** The folder holding a module file, resolved from the adapter packages (as the page bundle resolves it). */
export function dirOf(specifier: string): string {
  return dirname(
    require.resolve(specifier, {
      paths: [join(REPO_ROOT, 'packages', 'tfjs'), join(REPO_ROOT, 'packages', 'onnx-web')],
    }),
  );
}

/** The spec's PyTorch fixtures. */
export const FIXTURES_DIR = join(REPO_ROOT, 'packages', 'spec', 'fixtures');
