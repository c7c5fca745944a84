// Copies what `resblocks bench` needs at run time into a staging folder, so a machine without npm
// or network can run it: the publishable files of the workspace packages and the runtime files of
// their dependencies (dependencies and optionalDependencies, followed the way Node resolves them).
// Usage: node scripts/gpu-bench/pack.mjs STAGE_DIR   (after `npm run build`)
// Prints the staged size in bytes and a list of what was left out on stderr.
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stage = process.argv[2];
if (!stage) {
  console.error('usage: node scripts/gpu-bench/pack.mjs STAGE_DIR');
  process.exit(2);
}
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Workspace packages that are published (the CLI and everything it loads). */
const workspaces = new Map();
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = readJson(join(dir, 'package.json'));
  if (!pkg.private) workspaces.set(realpathSync(dir), pkg);
}

/** Node's lookup: the nearest node_modules/NAME above `from`. */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

// Third-party files that never run: sources of the build, type declarations, docs, tests.
const DROP_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'docs',
  'doc',
  'example',
  'examples',
  'benchmark',
  'benchmarks',
  '.github',
  'coverage',
  'man',
]);
const DROP_FILE =
  /\.(map|d\.ts|d\.mts|d\.cts|md|markdown|tsbuildinfo)$|^(CHANGELOG|HISTORY)|^\.(npmignore|eslintrc|prettierrc|editorconfig)/i;

/**
 * Packages whose bulk is duplicates or other platforms: only the listed files travel (paths relative
 * to the package; a trailing / keeps a folder). Checked by running the bench from the packed copy.
 */
function keepOnly(name, pkg) {
  if (name.startsWith('@tensorflow/')) {
    // Node loads the package's single "main" bundle; dist/**/*.js repeat it as ES modules. The wasm
    // backend also reads its .wasm binaries from dist/.
    const dist = join(resolvePackage(name, root) ?? '', 'dist');
    const wasm = existsSync(dist) ? readdirSync(dist).filter((f) => /\.wasm$|\.worker\.js$/.test(f)) : [];
    return ['package.json', pkg.main.replace(/^\.\//, ''), ...wasm.map((f) => `dist/${f}`)];
  }
  switch (name) {
    case 'onnxruntime-web':
      // Node entry points (wasm EP, WebGPU EP) and the wasm builds they load; no JSPI (Node 20 has
      // none), no WebGL, no browser-only bundles.
      return [
        'package.json',
        'dist/ort.node.min.mjs',
        'dist/ort.webgpu.bundle.min.mjs',
        'dist/ort.webgpu.min.mjs',
        'dist/ort-wasm-simd-threaded.mjs',
        'dist/ort-wasm-simd-threaded.wasm',
        'dist/ort-wasm-simd-threaded.asyncify.mjs',
        'dist/ort-wasm-simd-threaded.asyncify.wasm',
        'dist/ort-wasm-simd-threaded.jsep.mjs',
        'dist/ort-wasm-simd-threaded.jsep.wasm',
      ];
    case 'webgpu':
      // Dawn for Linux x86-64 only.
      return ['package.json', 'index.js', 'dist/linux-x64/'];
    case 'gpu.js':
      // "main" is src/index.js; dist/ holds browser bundles.
      return ['package.json', 'src/'];
    default:
      return undefined;
  }
}

let bytes = 0;
const copied = [];
function copyFile(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
  bytes += statSync(from).size;
}

function copyTree(from, to, filter) {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry);
    const st = lstatSync(src);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) {
      if (entry === 'node_modules' || !filter(entry, true)) continue;
      copyTree(src, join(to, entry), filter);
    } else if (filter(entry, false)) copyFile(src, join(to, entry));
  }
}

function copyPackage(name, dir, pkg, target) {
  const ws = workspaces.has(realpathSync(dir));
  if (ws) {
    // What npm would publish ("files"), without source maps and declarations.
    copyFile(join(dir, 'package.json'), join(target, 'package.json'));
    const files = pkg.files ?? [];
    for (const f of files) {
      // A negated entry ("!fixtures/checkpoints") leaves out what an earlier one brought in.
      if (f.startsWith('!')) continue;
      const src = join(dir, f);
      if (!existsSync(src))
        throw new Error(`${name}: "${f}" from package.json files is missing (build first)`);
      if (statSync(src).isDirectory())
        copyTree(src, join(target, f), (e, isDir) => isDir || !/\.(map|d\.ts)$/.test(e));
      else copyFile(src, join(target, f));
    }
    for (const f of files)
      if (f.startsWith('!')) rmSync(join(target, f.slice(1)), { recursive: true, force: true });
    return;
  }
  const only = keepOnly(name, pkg);
  if (only) {
    for (const f of only) {
      const src = join(dir, f);
      if (!existsSync(src)) throw new Error(`${name}: expected ${f}, which this version does not have`);
      if (f.endsWith('/')) copyTree(src, join(target, f), (e) => !DROP_FILE.test(e));
      else copyFile(src, join(target, f));
    }
    for (const lic of readdirSync(dir).filter((f) => /^licen[cs]e/i.test(f)))
      copyFile(join(dir, lic), join(target, lic));
    return;
  }
  copyTree(dir, target, (e, isDir) =>
    isDir ? !DROP_DIRS.has(e) : !DROP_FILE.test(e) || /^licen[cs]e/i.test(e),
  );
}

/** Where a package lands in the stage: mirrors its place under the root's node_modules. */
function targetOf(name, dir) {
  const real = realpathSync(dir);
  if (workspaces.has(real)) return join(stage, 'node_modules', name);
  const rel = relative(root, dir);
  if (rel.startsWith('node_modules')) return join(stage, rel);
  // node_modules inside a workspace package: nest it under that package's staged copy.
  const m = rel.match(/^packages[\\/]([^\\/]+)[\\/](node_modules[\\/].*)$/);
  if (m) {
    const pkg = workspaces.get(realpathSync(join(root, 'packages', m[1])));
    return join(stage, 'node_modules', pkg.name, m[2]);
  }
  throw new Error(`${name} resolved outside the repository: ${dir}`);
}

const seen = new Set();
const skipped = [];
const queue = [...workspaces.entries()].map(([dir, pkg]) => ({ name: pkg.name, dir }));
while (queue.length) {
  const { name, dir } = queue.shift();
  const real = realpathSync(dir);
  if (seen.has(`${real}>${targetOf(name, dir)}`)) continue;
  seen.add(`${real}>${targetOf(name, dir)}`);
  const pkg = readJson(join(dir, 'package.json'));
  copyPackage(name, dir, pkg, targetOf(name, dir));
  copied.push(name);
  const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
  for (const dep of new Set([...Object.keys(pkg.dependencies ?? {}), ...optional])) {
    // Workspace packages resolve from where they are linked (node_modules/@scope/name).
    const from = workspaces.has(real) ? real : dir;
    const found = resolvePackage(dep, from);
    // An optional native addon whose build never ran (gl here) cannot load anyway; its dependents
    // already treat it as missing.
    if (
      found &&
      optional.has(dep) &&
      existsSync(join(found, 'binding.gyp')) &&
      !existsSync(join(found, 'build'))
    )
      skipped.push(`${name} -> ${dep} (optional native addon, not built)`);
    else if (found) queue.push({ name: dep, dir: found });
    else if (optional.has(dep)) skipped.push(`${name} -> ${dep} (optional, not installed)`);
    else throw new Error(`${name} needs ${dep}, which is not installed: run npm ci first`);
  }
}
console.error(`staged ${copied.length} packages into ${stage}${sep}node_modules`);
for (const s of skipped) console.error(`  left out ${s}`);
console.log(bytes);
