#!/usr/bin/env node
// Checks that every public package is ready to publish, without publishing anything:
//   - package.json has the fields an ESM-only library needs (exports with types, types, files, sideEffects, engines,
//     license, repository for provenance, a description), a README, and the built files its exports point to;
//   - publint finds no errors or warnings;
//   - are-the-types-wrong (profile esm-only: CommonJS consumers are out of scope) finds no problems;
//   - `npm publish --dry-run` succeeds and npm did not have to auto-correct package.json.
// Usage: node scripts/publish-check.mjs [--json] [package folder name under packages/, or a path ...]   (build first: npm run build)
// Exit status: 0 when every package is clean, 1 otherwise.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { PUBLIC_PACKAGES } from './pack.mjs';
import { run } from './run-command.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const selected = args.filter((a) => !a.startsWith('--'));
const packages = selected.length ? selected : PUBLIC_PACKAGES;

/** Paths an exports map points to (all conditions, all subpaths). */
function exportTargets(exp) {
  if (typeof exp === 'string') return [exp];
  if (!exp || typeof exp !== 'object') return [];
  return Object.values(exp).flatMap(exportTargets);
}

function fieldProblems(dir, pkg) {
  const p = [];
  const need = (cond, msg) => cond || p.push(msg);
  need(pkg.type === 'module', `"type": "module" is missing (the package is ESM-only)`);
  need(pkg.exports && typeof pkg.exports === 'object', '"exports" is missing');
  if (pkg.exports && typeof pkg.exports === 'object') {
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (sub === './package.json') continue;
      need(
        target && typeof target === 'object' && 'types' in target,
        `exports["${sub}"] has no "types" condition`,
      );
      if (target && typeof target === 'object') {
        const keys = Object.keys(target);
        need(
          keys[0] === 'types',
          `exports["${sub}"]: "types" must be the first condition (found ${keys.join(', ')})`,
        );
      }
    }
    need('./package.json' in pkg.exports, 'exports["./package.json"] is missing (tools read it)');
  }
  need(typeof pkg.types === 'string', '"types" is missing');
  need(Array.isArray(pkg.files) && pkg.files.length > 0, '"files" is missing');
  need(typeof pkg.sideEffects === 'boolean' || Array.isArray(pkg.sideEffects), '"sideEffects" is missing');
  need(pkg.engines?.node, '"engines.node" is missing');
  need(typeof pkg.license === 'string', '"license" is missing');
  need(typeof pkg.description === 'string' && pkg.description.length > 0, '"description" is missing');
  need(
    pkg.repository && typeof pkg.repository === 'object' && pkg.repository.url && pkg.repository.directory,
    '"repository" { type, url, directory } is missing (npm publish --provenance checks it against the source repository)',
  );
  need(existsSync(join(dir, 'README.md')), 'README.md is missing');
  need(pkg.private !== true, '"private": true would block publishing');
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    need(!/^(file:|link:|workspace:)/.test(String(range)), `dependency ${name}@${range} cannot be published`);
  }
  for (const target of new Set([...exportTargets(pkg.exports), ...Object.values(pkg.bin ?? {})])) {
    need(existsSync(join(dir, target)), `${target} does not exist (run npm run build)`);
  }
  return p;
}

async function publintProblems(dir) {
  const { messages, pkg } = await publint({ pkgDir: dir, level: 'suggestion', pack: 'npm', strict: false });
  return messages
    .filter((m) => m.type === 'error' || m.type === 'warning')
    .map((m) => `publint ${m.type}: ${stripVTControlCharacters(formatMessage(m, pkg) ?? '') || m.code}`);
}

// The esm-only profile ignores these resolution modes: CommonJS `require` and pre-exports node10.
const IGNORED_RESOLUTIONS = new Set(['node10', 'node16-cjs']);

function attwProblems(dir) {
  const cwd = mkdtempSync(join(tmpdir(), 'resblocks-attw-'));
  try {
    const bin = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    const r = run(process.execPath, [bin, '--pack', dir, '--profile', 'esm-only', '--format', 'json'], cwd);
    let parsed;
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      return [`attw did not run: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`];
    }
    const all = Object.values(parsed.problems ?? {}).flat();
    const relevant = all.filter((p) => !p.resolutionKind || !IGNORED_RESOLUTIONS.has(p.resolutionKind));
    const out = relevant.map(
      (p) => `attw: ${p.kind} at ${p.entrypoint ?? '?'}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`,
    );
    if (!out.length && r.status !== 0)
      out.push(`attw exited ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
    return out;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function dryRunProblems(dir) {
  const r = run('npm', ['publish', '--dry-run', '--json', '--ignore-scripts'], dir);
  const p = [];
  if (r.status !== 0)
    p.push(`npm publish --dry-run failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const corrected = r.stderr
    .split('\n')
    .filter((l) => /auto-corrected|was invalid and removed/.test(l) && !/Please run/.test(l));
  for (const line of corrected) p.push(`npm publish: ${line.replace(/^npm warn publish\s*/, '')}`);
  let files = [];
  try {
    const json = JSON.parse(r.stdout);
    files = (Object.values(json)[0]?.files ?? []).map((f) => f.path);
  } catch {
    /* reported above through the exit status */
  }
  if (r.status === 0 && !files.some((f) => f.startsWith('dist/')))
    p.push('npm publish: the tarball has no dist/ files');
  if (r.status === 0 && !files.some((f) => /^licen[sc]e/i.test(f))) {
    p.push(
      "npm publish: the tarball has no LICENSE (npm packs only the package folder's own LICENSE file; copy the root one)",
    );
  }
  if (files.some((f) => /(^|\/)tests?\/|\.(test|spec)\.[cm]?[jt]sx?$|\.tsbuildinfo$/.test(f)))
    p.push('npm publish: the tarball contains test files');
  return { problems: p, files: files.length };
}

export async function checkPackage(name) {
  // A bare name is a folder under packages/; anything with a slash is a path to a package folder.
  const dir = name.includes('/') ? name : join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const problems = fieldProblems(dir, pkg);
  const built = !problems.some((p) => p.includes('run npm run build'));
  if (built) {
    problems.push(...(await publintProblems(dir)));
    problems.push(...attwProblems(dir));
  } else {
    problems.push('publint and attw skipped: the package is not built');
  }
  const dry = dryRunProblems(dir);
  problems.push(...dry.problems);
  return {
    package: pkg.name,
    dir: name.includes('/') ? dir : `packages/${name}`,
    files: dry.files,
    problems,
  };
}

const results = [];
for (const name of packages) results.push(await checkPackage(name));
if (asJson) console.log(JSON.stringify(results, null, 2));
else {
  for (const r of results) {
    console.log(`${r.problems.length ? '✗' : '✓'} ${r.package} (${r.dir}, ${r.files} files)`);
    for (const p of r.problems) console.log(`    ${p}`);
  }
  const bad = results.filter((r) => r.problems.length);
  console.log(
    bad.length
      ? `\n${bad.length} of ${results.length} packages are not ready to publish`
      : `\nall ${results.length} packages are ready to publish`,
  );
}
process.exit(results.some((r) => r.problems.length) ? 1 : 0);
