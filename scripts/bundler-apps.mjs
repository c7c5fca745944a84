#!/usr/bin/env node
// Builds the packed packages into two fresh apps, the way a user would: one install (dependencies `file:` the
// tarballs, Vite, webpack and webpack-cli at the versions pinned in packages/browser-tests; packed and installed
// once per build with the pack smoke test, see scripts/pack.mjs), then a Vite app and a webpack app from packages/browser-tests/bundlers/ (the page in app/, each bundler's config as the bundlers
// guide shows it), each built with its real bundler. packages/browser-tests/test/bundlers.test.ts serves them
// and runs them in Chromium.
// Usage: node scripts/bundler-apps.mjs [--keep] [--no-minify]   (build first). Prints what each bundler emitted.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedProject, ROOT, StepError } from './pack.mjs';
import { runAsync } from './run-command.mjs';

export const APPS_SOURCE = join(ROOT, 'packages', 'browser-tests', 'bundlers');
/** What the page imports (nothing else of the installed project). */
const APP_PACKAGES = ['@resblocks/spec', '@resblocks/tfjs', '@resblocks/onnx-web', '@resblocks/gpujs'];

/** Every file under `dir` with its size, and the totals per kind (js, wasm, other). */
export function emitted(dir) {
  const files = [];
  const walk = (p) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const full = join(p, e.name);
      if (e.isDirectory()) walk(full);
      else files.push({ path: relative(dir, full), bytes: statSync(full).size });
    }
  };
  walk(dir);
  const kind = (f) => {
    const ext = extname(f.path);
    return ext === '.js' || ext === '.mjs' ? 'js' : ext === '.wasm' ? 'wasm' : 'other';
  };
  const totals = { js: 0, wasm: 0, other: 0 };
  for (const f of files) totals[kind(f)] += f.bytes;
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), totals };
}

/** Runs a command (no shell) and resolves to its output; rejects with the output when it fails. */
async function step(name, cmd, args, cwd) {
  const r = await runAsync(cmd, args, cwd, 600_000);
  if (r.status !== 0) throw new StepError(name, r);
  return r;
}

/**
 * Builds `vite-app` and `webpack-app` in a new folder of the installed project (scripts/pack.mjs: packed and
 * installed once per build). Resolves to that folder (the caller removes it), each app's dist folder, build
 * time and what it emitted. minifyWebpack: false builds webpack unminified.
 */
export async function buildApps({ minifyWebpack = true } = {}) {
  const t0 = performance.now();
  const { project, packed, missing, reused } = await installedProject();
  for (const name of APP_PACKAGES) {
    if (!packed.some((p) => p.name === name)) {
      throw new Error(
        `${name} cannot be installed from the tarballs: it needs ${missing.get(name) ?? 'a package'} that is not packed`,
      );
    }
  }
  const t1 = performance.now();
  const root = mkdtempSync(join(project, 'apps-'));
  const apps = {};
  const copy = (from, to) => copyFileSync(join(APPS_SOURCE, from), join(root, to));
  mkdirSync(join(root, 'vite-app'));
  mkdirSync(join(root, 'webpack-app'));
  // Vite: no config; index.html is the entry.
  copy('app/index.html', 'vite-app/index.html');
  copy('app/main.js', 'vite-app/main.js');
  // webpack: webpack.config.js; index.html goes next to the bundle.
  copy('app/main.js', 'webpack-app/main.js');
  copy('webpack/webpack.config.js', 'webpack-app/webpack.config.js');
  // The two builds at once: each keeps about one core busy.
  const builds = [
    ['vite', ['--no-install', 'vite', 'build']],
    // Unminified, webpack builds in 15 s instead of 60 s here; what it emits and fetches is the same.
    ['webpack', ['--no-install', 'webpack', ...(minifyWebpack ? [] : ['--no-optimization-minimize'])]],
  ].map(async ([name, args]) => {
    const started = performance.now();
    const r = await step(`${name} build`, 'npx', args, join(root, `${name}-app`));
    const dist = join(root, `${name}-app`, 'dist');
    if (name === 'webpack') copy('app/index.html', 'webpack-app/dist/index.html');
    apps[name] = {
      dist,
      buildMs: Math.round(performance.now() - started),
      log: `${r.stdout}\n${r.stderr}`,
      ...emitted(dist),
    };
  });
  await Promise.all(builds);
  return {
    project,
    root,
    apps,
    ms: { packAndInstall: Math.round(t1 - t0), build: Math.round(performance.now() - t1) },
    reusedInstall: reused,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let built;
  try {
    built = await buildApps({ minifyWebpack: !process.argv.includes('--no-minify') });
    for (const [name, app] of Object.entries(built.apps)) {
      const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
      console.log(
        `✓ ${name} built in ${(app.buildMs / 1000).toFixed(1)} s: js ${kb(app.totals.js)}, wasm ${kb(app.totals.wasm)}, other ${kb(app.totals.other)} (${app.dist})`,
      );
      for (const f of app.files) console.log(`    ${f.path}  ${kb(f.bytes)}`);
    }
    console.log(
      `  pack and install ${built.ms.packAndInstall} ms (${built.reusedInstall ? 'reused' : 'new'}), builds ${built.ms.build} ms`,
    );
  } catch (e) {
    console.error(`✗ ${e.message}`);
    process.exitCode = 1;
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept ${built?.root}`);
    else if (built) rmSync(built.root, { recursive: true, force: true });
  }
}
