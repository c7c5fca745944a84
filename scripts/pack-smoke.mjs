#!/usr/bin/env node
// Packs every public package, installs the tarballs into a new project outside the workspace (in the OS temp
// folder) the way a user would (scripts/pack.mjs, shared with the bundler apps), and runs them there:
//   - imports every package and subpath export;
//   - runs resnet8_cifar on tfjs:wasm, onnx-web:wasm, onnx-node:cpu and gpujs:cpu and compares each with the float64 reference
//     under the tolerance policy, and the shipped PyTorch fixture of the same network
//     (gpujs:webgpu and webgpu:f32 too where WebGPU runs, SwiftShader included);
//   - runs onnx-web:wasm through @resblocks/worker (the worker imports the installed adapter by name);
//   - runs the `resblocks` bin (`resblocks backends --json`).
// Third-party dependencies come from the npm registry or the local cache (--prefer-offline); no install scripts run.
// Usage: node scripts/pack-smoke.mjs [--keep]   (build first: npm run build). Exit status 1 on any failure.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The packed packages are PUBLIC_PACKAGES in scripts/pack.mjs (shared with scripts/bundler-apps.mjs).
import { installedProject, ROOT as root } from './pack.mjs';
import { run } from './run-command.mjs';

const keep = process.argv.includes('--keep');
const started = performance.now();

function fail(step, r) {
  console.error(
    `✗ ${step} failed (exit ${r.status ?? r.signal})\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
  );
  process.exitCode = 1;
}

// 1. Pack, 2. a fresh project that depends on the tarballs only (both once per build, see scripts/pack.mjs).
let installed;
try {
  installed = await installedProject();
  for (const [name, dep] of installed.missing) {
    throw new Error(
      `${name} depends on ${dep}, which is not packed: add its folder to PUBLIC_PACKAGES in scripts/pack.mjs`,
    );
  }
} catch (e) {
  console.error(`✗ ${e.message}`);
  process.exit(1);
}
console.log(`✓ packed ${installed.packed.map((t) => t.name).join(', ')}`);
console.log(
  `✓ installed the tarballs in ${installed.project}${installed.reused ? " (this build's install, reused)" : ''}`,
);
// This run's files go in a folder of the project; its node_modules are found from there.
const project = mkdtempSync(join(installed.project, 'smoke-'));
try {
  // 3. Use them like an application would.
  copyFileSync(join(root, 'packages/image/fixtures/optimized-q30.jpg'), join(project, 'picture.jpg'));
  writeFileSync(
    join(project, 'smoke.mjs'),
    `import { compareTensors, errorModel, initWeights, networkGraph, runReference, seededInput, describeComparison } from '@resblocks/spec';
import { loadFixtures } from '@resblocks/spec/fixtures';
import * as nodeWebgpu from '@resblocks/spec/node-webgpu';
import { runConformance } from '@resblocks/conformance';
import { tfjsAdapter } from '@resblocks/tfjs';
import { exportOnnx } from '@resblocks/onnx';
import { onnxWebAdapter } from '@resblocks/onnx-web';
import { onnxNodeAdapter } from '@resblocks/onnx-node';
import { gpujsAdapter } from '@resblocks/gpujs';
import { webgpuAdapter } from '@resblocks/webgpu';
import * as cli from 'resblocks';
import { decodeImage, imagenet } from '@resblocks/image';
import { hostAdapter } from '@resblocks/worker';
import { serveAdapter } from '@resblocks/worker/serve';
import { readFileSync } from 'node:fs';

const results = [];
const problems = [];
// The JPEG decoder's WebAssembly loads from the installed package, no network: PIL's pixels.
const picture = await decodeImage(new Uint8Array(readFileSync('picture.jpg')));
const pictureSum = picture.data.reduce((s, v) => s + v, 0);
if (picture.width !== 64 || picture.height !== 48 || pictureSum !== 1101689)
  problems.push('@resblocks/image decoded picture.jpg to ' + picture.width + 'x' + picture.height + ' summing to ' + pictureSum + ', not 64x48 summing to 1101689 as PIL decodes it');
if (imagenet(picture).shape.join('x') !== '1x3x224x224') problems.push('@resblocks/image imagenet() gives the wrong shape');
if (typeof nodeWebgpu.ensureNodeWebGPU !== 'function') problems.push('@resblocks/spec/node-webgpu has no ensureNodeWebGPU');
if (typeof runConformance !== 'function') problems.push('@resblocks/conformance has no runConformance');
if (typeof cli.main !== 'function') problems.push('resblocks has no main export');
if (typeof exportOnnx !== 'function') problems.push('@resblocks/onnx has no exportOnnx');
const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 1);
const x = seededInput([2, 3, 32, 32], 1);
const reference = runReference(graph, weights, x);
const fixture = (await loadFixtures({ kinds: ['network'] })).find((f) => f.network === 'resnet8_cifar');
if (!fixture) problems.push('the packed spec has no resnet8_cifar fixture');
// WebGPU runs where the machine has it (Dawn, or SwiftShader): it checks the dependency versions a user really gets.
const cases = [[tfjsAdapter, 'wasm', true], [onnxWebAdapter, 'wasm', true], [onnxNodeAdapter, 'cpu', true], [gpujsAdapter, 'cpu', true], [gpujsAdapter, 'webgpu', false], [webgpuAdapter, 'f32', false]];
for (const [adapter, backend, required] of cases) {
  const id = adapter.id + ':' + backend;
  const availability = await adapter.probe(backend);
  if (!availability.available) {
    if (required) problems.push(id + ' is not available: ' + availability.reason);
    else results.push({ backend: id, skipped: availability.reason });
    continue;
  }
  const model = await adapter.compile(graph, weights, { backend });
  try {
    const y = await model.run(x);
    const c = compareTensors(y.data, reference.data, adapter.dtype(backend), errorModel(graph));
    results.push({ backend: id, fraction: c.fraction, pass: c.pass });
    if (!c.pass) problems.push(id + ' differs from the reference: ' + describeComparison(c));
    if (fixture) {
      const fm = await adapter.compile(fixture.graph, fixture.weights(), { backend });
      const fy = await fm.run(fixture.input);
      await fm.dispose();
      const fc = compareTensors(fy.data, fixture.expected.data, adapter.dtype(backend), errorModel(fixture.graph));
      if (!fc.pass) problems.push(id + ' differs from the PyTorch fixture ' + fixture.id + ': ' + describeComparison(fc));
    }
  } finally {
    await model.dispose();
  }
}
if (typeof serveAdapter !== 'function') problems.push('@resblocks/worker/serve has no serveAdapter');
{
  const hosted = await hostAdapter(onnxWebAdapter).compile(graph, weights, { backend: 'wasm' });
  const y = await hosted.run(x);
  await hosted.dispose();
  const c = compareTensors(y.data, reference.data, 'float32', errorModel(graph));
  results.push({ backend: 'onnx-web:wasm in a worker', fraction: c.fraction, pass: c.pass });
  if (!c.pass) problems.push('onnx-web:wasm in a worker differs from the reference: ' + describeComparison(c));
}
console.log(JSON.stringify({ results, problems }));
process.exit(problems.length ? 1 : 0);
`,
  );
  const smoke = run(process.execPath, ['smoke.mjs'], project, 300_000);
  let report;
  try {
    report = JSON.parse(smoke.stdout.trim().split('\n').pop());
  } catch {
    report = undefined;
  }
  if (smoke.status !== 0 || !report) fail('running the packages', smoke);
  else
    console.log(
      `✓ resnet8_cifar matches the reference: ${report.results.map((r) => (r.skipped ? `${r.backend} not available (${r.skipped})` : `${r.backend} ${(100 * r.fraction).toFixed(1)} % of budget`)).join(', ')}`,
    );

  // 4. The bin, through npx as users call it.
  const bin = run('npx', ['--no-install', 'resblocks', 'backends', '--json'], project, 300_000);
  let backends;
  try {
    backends = JSON.parse(bin.stdout);
  } catch {
    backends = undefined;
  }
  if (bin.status !== 0 || !backends) fail('npx resblocks backends --json', bin);
  else console.log(`✓ npx resblocks backends: ${JSON.stringify(backends).length} bytes of JSON`);

  const version = JSON.parse(
    readFileSync(join(installed.project, 'node_modules', 'resblocks', 'package.json'), 'utf8'),
  ).version;
  console.log(
    `${process.exitCode ? '✗' : '✓'} pack smoke test of resblocks ${version} ${process.exitCode ? 'FAILED' : 'passed'} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  if (keep) console.log(`kept ${project}`);
  else rmSync(project, { recursive: true, force: true });
}
