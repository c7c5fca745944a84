#!/usr/bin/env node
// Runs the packages' test scripts two at a time, longest first, after the build stage has built them.
// turbo starts ready tasks in dependency order, which puts the longest suite (the browser tests, which
// depend on every package) last, alone on one core; here it starts first and the short suites fill
// the other lane around it. Each line of output is prefixed with its package, as turbo does.
// Usage: node scripts/test-lanes.mjs PLAN.json [-- ARGS for each test script]
// PLAN.json is `turbo run test --dry=json` output: the packages it would test are the ones run.
// RESBLOCKS_TEST_LANES sets the number of lanes (default 2). Exit status 1 when any package failed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [planFile, dashes, ...args] = process.argv.slice(2);
if (!planFile || (dashes !== undefined && dashes !== '--')) {
  console.error('usage: node scripts/test-lanes.mjs PLAN.json [-- ARGS]');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

// Seconds each suite took on the 2-core CI machine (only the order matters; new packages count 60).
const SECONDS = {
  '@resblocks/browser-tests': 520,
  resblocks: 170,
  '@resblocks/gpujs': 135,
  '@resblocks/webgpu': 120,
  '@resblocks/tfjs': 82,
  '@resblocks/onnx': 81,
  '@resblocks/onnx-web': 67,
  '@resblocks/spec': 61,
  '@resblocks/onnx-node': 31,
  '@resblocks/conformance': 27,
  '@resblocks/worker': 16,
  '@resblocks/image': 2,
};
const queue = plan.tasks
  .filter((t) => t.task === 'test' && t.command && t.command !== '<NONEXISTENT>')
  .map((t) => ({ name: t.package, dir: join(root, t.directory) }))
  .sort((a, b) => (SECONDS[b.name] ?? 60) - (SECONDS[a.name] ?? 60));
const lanes = Math.max(1, Number(process.env.RESBLOCKS_TEST_LANES) || 2);

function prefixed(stream, out, prefix) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => rest && out.write(`${prefix}${rest}\n`));
}

function test(pkg) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'test', '--', ...args], {
      cwd: pkg.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixed(child.stdout, process.stdout, `${pkg.name}:test: `);
    prefixed(child.stderr, process.stderr, `${pkg.name}:test: `);
    child.on('error', (e) => {
      console.error(`${pkg.name}:test: could not start npm: ${e.message}`);
      resolve({ ...pkg, code: 1, seconds: 0 });
    });
    child.on('close', (code, signal) =>
      resolve({ ...pkg, code: code ?? 1, signal, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const results = [];
await Promise.all(
  Array.from({ length: Math.min(lanes, queue.length) }, async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) results.push(await test(pkg));
  }),
);
console.log('');
for (const r of results)
  console.log(
    `${r.code === 0 ? '✓' : '✗'} ${r.name}: ${r.seconds.toFixed(0)} s${r.code === 0 ? '' : `, exit ${r.signal ?? r.code}`}`,
  );
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
