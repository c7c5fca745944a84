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

/** `packed` narrowed to the tarballs `names` (npm names) need, with the @resblocks packages they depend on. */
export function withDependencies(packed, names) {
  const byName = new Map(packed.map((p) => [p.name, p]));
  const folder = new Map(
    PUBLIC_PACKAGES.map((f) => [
      JSON.parse(readFileSync(join(ROOT, 'packages', f, 'package.json'), 'utf8')).name,
      f,
    ]),
  );
  const out = new Set();
  const add = (name) => {
    if (out.has(name)) return;
    if (!byName.has(name)) throw new Error(`${name} is not among the packed packages`);
    out.add(name);
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'packages', folder.get(name), 'package.json'), 'utf8'),
    );
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      if (dep.startsWith('@resblocks/') || dep === 'resblocks') add(dep);
  };
  for (const n of names) add(n);
  return packed.filter((p) => out.has(p.name));
}

/**
 * A project (`name`: a word, its folder is resblocks-<name>-<key>) with the packed packages installed: all of them, or `only` those (npm names) and the @resblocks
 * packages they depend on, plus `extra` third-party packages at exact versions. Installed once per build and
 * selection (kept in the OS temp folder), again only when the tarballs or the versions change. Resolves to
 * `{ project, packed, reused }`; put scratch work in a subfolder of the project.
 */
export async function installedProject({ name, only, extra = {} }) {
  const { packed, key } = await packPublic();
  const chosen = only ? withDependencies(packed, only) : packed;
  const h = createHash('sha256')
    .update(key)
    .update(JSON.stringify([chosen.map((p) => p.name), extra]))
    .digest('hex')
    .slice(0, 16);
  const project = join(tmpdir(), `resblocks-${name}-${h}`);
  const reused = await once(project, (to) =>
    installProject(to, chosen, extra, { name: `resblocks-${name}` }),
  );
  return { project, packed: chosen, reused };
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
