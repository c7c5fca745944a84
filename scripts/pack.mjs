// Packs the public packages and installs the tarballs into a fresh project outside the workspace, the way a
// user would (dependencies `file:` the .tgz, third-party packages from npm's cache or the registry, no install
// scripts). Shared by scripts/pack-smoke.mjs and scripts/bundler-apps.mjs.
//
// The tarballs and the installed project are kept in the OS temp folder under a key made of every packed file's
// path, size and mtime, so the test files of one run pack and install once: the second finds the first one's.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run-command.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The published packages (folders under packages/), in the order they are packed. */
export const PUBLIC_PACKAGES = [
  'image',
  'spec',
  'conformance',
  'tfjs',
  'onnx',
  'onnx-web',
  'onnx-node',
  'gpujs',
  'webgpu',
  'worker',
  'cli',
];

/** Thrown by a failed step; carries the command's output. */
export class StepError extends Error {
  constructor(step, r) {
    super(
      `${step} failed (exit ${r.status ?? r.signal ?? r.error?.message})\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
    );
  }
}

/** Every file npm would pack for a package (its `files`, package.json, README, LICENSE), for the cache key. */
function packedFiles(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const out = ['package.json'];
  const walk = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else out.push(relative(dir, p));
  };
  for (const f of [...(manifest.files ?? []), 'README.md', 'LICENSE'])
    if (!f.startsWith('!')) walk(join(dir, f));
  return out;
}

function cacheKey(names) {
  const h = createHash('sha256');
  for (const name of names) {
    const dir = join(ROOT, 'packages', name);
    for (const f of packedFiles(dir)) {
      const s = statSync(join(dir, f));
      h.update(`${name}/${f}\0${s.size}\0${s.mtimeMs}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `make(staging)` once for `dir` across processes: the first builds it (in `dir.partial`), the others wait. */
async function once(dir, make) {
  const done = join(dir, '.done');
  const lock = `${dir}.lock`;
  for (let waited = 0; ; waited += 500) {
    if (existsSync(done)) return true;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process is at it; a lock older than 15 minutes is left over from a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (waited > 900_000 || age > 900_000) rmSync(lock, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    if (existsSync(done)) return true;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await make(dir);
    writeFileSync(done, '');
    // What older builds left is of no use any more.
    const prefix = `${dir
      .split('/')
      .pop()
      .replace(/-[0-9a-f]+$/, '')}-`;
    for (const e of readdirSync(tmpdir())) {
      const other = join(tmpdir(), e);
      if (e.startsWith(prefix) && other !== dir && !e.endsWith('.lock'))
        rmSync(other, { recursive: true, force: true });
    }
    return false;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Packs `names` (default: every public package) once for the current build. Resolves to
 * `{ dir, key, packed: [{ name, file }], reused }`.
 */
export async function packPublic(names = PUBLIC_PACKAGES) {
  const key = cacheKey(names);
  const dir = join(tmpdir(), `resblocks-tarballs-${key}`);
  const reused = await once(dir, (to) => {
    const packed = [];
    for (const name of names) {
      const r = run(
        'npm',
        ['pack', '--json', '--ignore-scripts', '--pack-destination', to],
        join(ROOT, 'packages', name),
        600_000,
      );
      if (r.status !== 0) throw new StepError(`npm pack packages/${name}`, r);
      const [info] = JSON.parse(r.stdout);
      packed.push({ name: info.name, file: join(to, info.filename) });
    }
    writeFileSync(join(to, 'packed.json'), `${JSON.stringify(packed, null, 2)}\n`);
  });
  return { dir, key, packed: JSON.parse(readFileSync(join(dir, 'packed.json'), 'utf8')), reused };
}

/** The bundlers pinned in packages/browser-tests (so they are in the lockfile and npm's cache). */
export function pinnedBundlers() {
  const dev = JSON.parse(
    readFileSync(join(ROOT, 'packages', 'browser-tests', 'package.json'), 'utf8'),
  ).devDependencies;
  return Object.fromEntries(['vite', 'webpack', 'webpack-cli'].map((b) => [b, dev[b]]));
}

/** The @resblocks packages (npm names) each packed package depends on, from its package.json. */
function resblocksDependencies(name) {
  const folder = PUBLIC_PACKAGES.find(
    (f) => JSON.parse(readFileSync(join(ROOT, 'packages', f, 'package.json'), 'utf8')).name === name,
  );
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8'));
  return Object.keys(manifest.dependencies ?? {}).filter(
    (d) => d.startsWith('@resblocks/') || d === 'resblocks',
  );
}

/**
 * Splits `packed` into the tarballs npm can install from the tarballs alone and, for each one it cannot, the
 * @resblocks package it needs that is not packed (a package not yet in PUBLIC_PACKAGES).
 */
export function installable(packed) {
  const names = new Set(packed.map((p) => p.name));
  const missing = new Map();
  const lacks = (name, seen = new Set()) => {
    if (seen.has(name)) return undefined;
    seen.add(name);
    for (const dep of resblocksDependencies(name)) {
      if (!names.has(dep)) return dep;
      const deeper = lacks(dep, seen);
      if (deeper) return deeper;
    }
    return undefined;
  };
  for (const p of packed) {
    const dep = lacks(p.name);
    if (dep) missing.set(p.name, dep);
  }
  return { packed: packed.filter((p) => !missing.has(p.name)), missing };
}

/**
 * Third-party packages installed next to the tarballs, at exact versions: onnxruntime-node (the optional peer
 * of @resblocks/onnx-node that the pack smoke test runs) and the bundlers pinned in packages/browser-tests (so
 * they are in the lockfile and npm's cache).
 */
export function extraDependencies() {
  return { 'onnxruntime-node': '1.30.0', ...pinnedBundlers() };
}

/**
 * The project the pack smoke test and the bundler apps share: every packed package npm can install (see
 * installable()) and extraDependencies(), installed once per build (kept in the OS temp folder) and again only
 * when the tarballs or the versions change. Resolves to `{ project, packed, missing, reused }`; put scratch
 * work in a new subfolder of the project.
 */
export async function installedProject() {
  const all = await packPublic();
  const { packed, missing } = installable(all.packed);
  const extra = extraDependencies();
  const h = createHash('sha256')
    .update(all.key)
    .update(JSON.stringify([packed.map((p) => p.name), extra]))
    .digest('hex')
    .slice(0, 16);
  const project = join(tmpdir(), `resblocks-installed-${h}`);
  const reused = await once(project, (to) =>
    installProject(to, packed, extra, { name: 'resblocks-installed' }),
  );
  return { project, packed, missing, reused };
}

/**
 * Writes `project/package.json` depending on the tarballs (`file:`) and `extra` (exact versions), and runs
 * `npm install --prefer-offline --ignore-scripts` there. `fields` are merged into package.json.
 */
export function installProject(project, packed, extra = {}, fields = {}) {
  mkdirSync(project, { recursive: true });
  const manifest = {
    name: fields.name ?? 'resblocks-app',
    private: true,
    type: 'module',
    ...fields,
    dependencies: { ...Object.fromEntries(packed.map((p) => [p.name, `file:${p.file}`])), ...extra },
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const r = run(
    'npm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    project,
    900_000,
  );
  if (r.status !== 0) throw new StepError(`npm install in ${project}`, r);
}
