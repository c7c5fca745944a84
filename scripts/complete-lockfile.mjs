// Completes package-lock.json after `npm install` against a registry that lacks some platforms'
// binary packages (e.g. @biomejs/cli-darwin-arm64): npm then leaves those optional dependencies out
// of the lockfile, and `npm ci` refuses it everywhere ("Missing: ... from lock file"). This adds an
// entry for each, with the os/cpu that make npm skip it on other platforms and fetch it on its own.
// Usage: node scripts/complete-lockfile.mjs [--check]   (--check: report only, exit 1 when incomplete)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lockPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OS = [
  ['darwin', 'darwin'],
  ['win32', 'win32'],
  ['windows', 'win32'],
  ['android', 'android'],
  ['freebsd', 'freebsd'],
  ['openbsd', 'openbsd'],
  ['netbsd', 'netbsd'],
  ['sunos', 'sunos'],
  ['aix', 'aix'],
  ['openharmony', 'openharmony'],
  ['linux', 'linux'],
];
const CPU = [
  ['arm64', 'arm64'],
  ['x64', 'x64'],
  ['64', 'x64'],
  ['ia32', 'ia32'],
  ['arm', 'arm'],
  ['ppc64', 'ppc64'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['loong64', 'loong64'],
  ['mips64el', 'mips64el'],
];

function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = OS.find(([t]) => tokens.includes(t))?.[1];
  const cpu = CPU.find(([t]) => tokens.includes(t))?.[1];
  if (!os || !cpu) return undefined;
  return { cpu: [cpu], ...(tokens.includes('musl') ? { libc: ['musl'] } : {}), os: [os] };
}

// The lockfile key npm would find `dep` under when `from` requires it (nearest node_modules upwards),
// or the top-level key when it is nowhere.
function resolveKey(from, dep) {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[key] || !dir) return key;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

const added = [];
const unknown = [];
for (const [from, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = resolveKey(from, dep);
    if (packages[key] || added.some((a) => a.key === key)) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
      unknown.push(`${dep}@${version} (optional dependency of ${from || 'the root'})`);
      continue;
    }
    const base = dep.split('/').pop();
    added.push({
      key,
      entry: {
        version,
        resolved: `https://registry.npmjs.org/${dep}/-/${base}-${version}.tgz`,
        ...platform,
        ...(entry.dev ? { dev: true } : {}),
        optional: true,
      },
    });
  }
}

for (const a of added) console.log(`missing: ${a.key.replace(/^.*node_modules\//, '')}@${a.entry.version}`);
for (const u of unknown) console.log(`missing, platform not recognised (add by hand): ${u}`);
if (process.argv.includes('--check')) process.exit(added.length || unknown.length ? 1 : 0);
if (added.length) {
  for (const a of added) packages[a.key] = a.entry;
  // npm's own order, so a later `npm install` keeps the diff small.
  const sorted = Object.keys(packages).sort((a, b) => a.localeCompare(b, 'en'));
  lock.packages = Object.fromEntries(sorted.map((k) => [k, packages[k]]));
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${added.length} entries to package-lock.json`);
}
process.exit(unknown.length ? 1 : 0);
