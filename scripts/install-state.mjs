// Tells whether node_modules matches package-lock.json, so the install step can skip `npm ci`.
//   --check  exit 0 when in sync, 1 otherwise
//   --stamp  record the lockfile hash after a successful `npm ci`
// Fast path: a stamp holding the lockfile's hash. Otherwise (e.g. node_modules made by `npm install`),
// npm's own record of the installed tree (node_modules/.package-lock.json) is compared entry by entry.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = join(root, 'package-lock.json');
const installedPath = join(root, 'node_modules', '.package-lock.json');
const stampPath = join(root, 'node_modules', '.resblocks-lock-hash');

const lockText = readFileSync(lockPath, 'utf8');
const hash = createHash('sha256').update(lockText).digest('hex');

function inSync() {
  if (!existsSync(installedPath)) return false;
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === hash) return true;
  const wanted = JSON.parse(lockText).packages ?? {};
  const installed = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
  for (const [key, entry] of Object.entries(installed)) {
    if (JSON.stringify(wanted[key]) !== JSON.stringify(entry)) return false;
  }
  for (const [key, entry] of Object.entries(wanted)) {
    // '' is the root project; optional entries are other platforms' binaries, which npm skips.
    if (key === '' || key in installed) continue;
    if (!entry.optional && !entry.devOptional) return false;
  }
  return true;
}

const mode = process.argv[2];
if (mode === '--check') {
  const ok = inSync();
  if (ok && !existsSync(stampPath)) writeFileSync(stampPath, `${hash}\n`);
  process.exit(ok ? 0 : 1);
} else if (mode === '--stamp') {
  writeFileSync(stampPath, `${hash}\n`);
} else {
  console.error('usage: node scripts/install-state.mjs --check|--stamp');
  process.exit(2);
}
