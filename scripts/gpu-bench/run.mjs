// Runs the GPU benchmark plan from an unpacked bundle (see scripts/gpu-bench.sh, which sets up Node,
// the Vulkan loader and the environment first). Each measurement is its own process with its own
// time limit; after each one, every result so far is merged into OUT/gpu-bench.json, so a crash or
// the machine's command limit loses at most the run in flight. Only Node built-ins are used here.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({
  options: {
    bundle: { type: 'string' },
    out: { type: 'string' },
    budget: { type: 'string', default: '540' },
    'per-run': { type: 'string', default: '150' },
    models: { type: 'string', default: 'resnet50,resnext50_32x4d' },
    backends: { type: 'string', default: 'webgpu:f32,tfjs:webgpu,webgpu:f16,onnx-web:webgpu,gpujs:webgpu' },
    batches: { type: 'string', default: '1,16,64' },
    size: { type: 'string', default: '224' },
    iterations: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'max-seconds': { type: 'string', default: '20' },
    runs: { type: 'string' },
    torch: { type: 'string', default: 'auto' },
    tune: { type: 'string', default: '0' },
    'allow-software': { type: 'boolean', default: false },
  },
});
const fail = (msg) => {
  console.error(`gpu-bench: ${msg}`);
  process.exit(2);
};
if (!o.bundle || !existsSync(join(o.bundle, 'node_modules', 'resblocks', 'dist', 'bin.js')))
  fail(`--bundle must name an unpacked bundle (no node_modules/resblocks there: ${o.bundle})`);
if (!o.out) fail('--out is required');
mkdirSync(o.out, { recursive: true });

const list = (s) => s.split(',').filter(Boolean);
const num = (name) => {
  const v = Number(o[name]);
  if (!Number.isFinite(v) || v <= 0) fail(`--${name} must be a positive number, got '${o[name]}'`);
  return v;
};
const budgetMs = num('budget') * 1000;
const perRunMs = num('per-run') * 1000;
const started = Date.now();
const left = () => budgetMs - (Date.now() - started);
const logFile = join(o.out, 'gpu-bench.log');
const jsonFile = join(o.out, 'gpu-bench.json');
const node = process.execPath;
const cli = join(o.bundle, 'node_modules', 'resblocks', 'dist', 'bin.js');
const work = join(o.bundle, 'runs');
mkdirSync(work, { recursive: true });

const log = (line) => {
  console.log(line);
  appendFileSync(logFile, `${line}\n`);
};

/** Runs a child with a time limit; its output goes to the log and to the returned tail. */
function runChild(cmd, args, limitMs, opts = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: o.bundle, env: process.env, ...opts });
    let tail = '';
    const take = (d) => {
      appendFileSync(logFile, d);
      tail = (tail + d.toString()).slice(-4000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, limitMs);
    let done = false;
    const finish = (code, signal, missing = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, timedOut, missing, seconds: (Date.now() - t0) / 1000, tail });
    };
    child.on('error', (e) => {
      take(`${cmd}: ${e.message}\n`);
      finish(null, null, e.code === 'ENOENT');
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function nvidiaSmi() {
  const r = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0 || !r.stdout) return null;
  const [name, driver, memory] = r.stdout.trim().split('\n')[0].split(', ');
  return { name, driver, memory };
}

/** The WebGPU adapter Dawn finds here, through the project's own setup (what every backend uses). */
async function probeWebGPU() {
  const code =
    "const m = await import('@resblocks/spec/node-webgpu');" +
    'const r = await m.probeNodeWebGPU(); console.log(JSON.stringify(r)); process.exit(0);';
  const r = await runChild(node, ['--input-type=module', '-e', code], 60_000);
  const line = r.tail
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  try {
    return JSON.parse(line);
  } catch {
    return { ok: false, reason: `the WebGPU probe failed (exit ${r.code}): ${r.tail.trim().slice(-500)}` };
  }
}

const gpu = nvidiaSmi();
appendFileSync(logFile, `== gpu-bench ${new Date().toISOString()}\n`);
const webgpu = await probeWebGPU();
const cpu = cpus();
const adapterText = webgpu.ok
  ? `WebGPU: Dawn on ${[webgpu.gpu.vendor, webgpu.gpu.architecture, webgpu.gpu.description].filter(Boolean).join(' ')}${webgpu.gpu.software ? ' (software)' : ''}`
  : 'no WebGPU adapter';
const machine = {
  description: [
    gpu ? `${gpu.name} (driver ${gpu.driver})` : 'no nvidia-smi',
    adapterText,
    `${cpu[0]?.model.trim() ?? 'unknown CPU'} x${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
  ].join('; '),
  gpu,
  webgpu: webgpu.ok ? webgpu.gpu : { error: webgpu.reason },
  cpu: cpu[0]?.model.trim(),
  cores: cpu.length,
  node: process.version,
};
log(`machine: ${machine.description}`);
const webgpuProblem = !webgpu.ok
  ? webgpu.reason
  : webgpu.gpu.software && !o['allow-software']
    ? `the WebGPU adapter is a software renderer (${webgpu.gpu.description}); pass --allow-software to measure it anyway`
    : undefined;
if (webgpuProblem) log(`WebGPU runs will not start: ${webgpuProblem}`);

// Most valuable first: batch 1 of every backend (the tfjs ResNeXt/ResNet ratio leading), the
// PyTorch anchor right after tfjs, then the larger batches.
const plan = [];
const backends = list(o.backends);
const torchStep = { id: 'pytorch:cuda', kind: 'torch' };
for (const [i, batch] of list(o.batches).map(Number).entries()) {
  for (const [j, backend] of backends.entries()) {
    for (const model of list(o.models))
      plan.push({ id: `${backend}/${model}/b${batch}`, kind: 'bench', backend, model, batch });
    // The WGSL engine's GPU-tensor path too (input already on the device, output kept there).
    if (backend === 'webgpu:f32')
      for (const model of list(o.models))
        plan.push({
          id: `${backend}+gpu-io/${model}/b${batch}`,
          kind: 'bench',
          backend,
          model,
          batch,
          io: 'gpu',
        });
    if (i === 0 && j === 0 && o.torch !== 'skip') plan.push(torchStep);
  }
}
if (o.torch !== 'skip' && !plan.includes(torchStep)) plan.push(torchStep);
// The WGSL engine's tile sweep first, so its benches run on the table it writes for this GPU.
const tuneSeconds = Number(o.tune);
// Then where the engine's time goes, per kernel class (what explains a missed target).
const engines = backends.filter((b) => b.startsWith('webgpu:')).map((b) => b.slice('webgpu:'.length));
if (engines.length) plan.unshift({ id: 'webgpu:profile', kind: 'profile' });
if (tuneSeconds > 0 && engines.length) plan.unshift({ id: 'webgpu:tune', kind: 'tune' });
const only = o.runs ? new Set(list(o.runs)) : undefined;
const runs = [];
const notRun = [];

function save() {
  const doc = {
    tool: 'scripts/gpu-bench.sh',
    createdAt: new Date(started).toISOString(),
    updatedAt: new Date().toISOString(),
    machine,
    options: { ...o, bundle: undefined, out: undefined },
    runs,
    notRun,
  };
  writeFileSync(`${jsonFile}.tmp`, `${JSON.stringify(doc, null, 1)}\n`);
  renameSync(`${jsonFile}.tmp`, jsonFile);
}

/** Tables written into `dir` since `since`, copied to OUT/tables/: { file: table }, or undefined. */
function newTables(dir, since) {
  const written = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith('.json') && statSync(join(dir, f)).mtimeMs >= since)
    : [];
  if (!written.length) return undefined;
  mkdirSync(join(o.out, 'tables'), { recursive: true });
  const tables = {};
  for (const f of written) {
    copyFileSync(join(dir, f), join(o.out, 'tables', f));
    tables[f] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  }
  return { tables };
}

const readResult = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

for (const step of plan) {
  if (only && !only.has(step.id)) continue;
  const remaining = left();
  if (remaining < 45_000) {
    notRun.push({ id: step.id, reason: 'time budget spent' });
    save();
    continue;
  }
  if (step.kind !== 'torch' && webgpuProblem) {
    runs.push({ id: step.id, status: 'skipped', message: webgpuProblem });
    save();
    continue;
  }
  const file = join(work, `${step.id.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`);
  rmSync(file, { force: true }); // a result left by an earlier call must not pass for this one
  const limit = Math.min(
    step.kind === 'torch'
      ? 240_000
      : step.kind === 'tune'
        ? tuneSeconds * 1000 + 60_000
        : step.kind === 'profile'
          ? 120_000
          : perRunMs,
    remaining - 5000,
  );
  const stepStarted = Date.now();
  log(
    `== ${step.id} (limit ${Math.round(limit / 1000)} s, ${Math.round(remaining / 1000)} s of the budget left)`,
  );
  const tables = join(o.bundle, 'node_modules', '@resblocks', 'webgpu', 'tables');
  const r =
    step.kind === 'tune'
      ? await runChild(
          node,
          [join(o.bundle, 'tune.mjs'), '--budget-s', String(tuneSeconds), '--out-dir', tables],
          limit,
        )
      : step.kind === 'profile'
        ? await runChild(
            node,
            [
              join(o.bundle, 'profile.mjs'),
              ...['--models', o.models, '--batches', o.batches, '--size', o.size],
              ...['--backends', engines.join(','), '--repeats', '3', '--out', file],
            ],
            limit,
          )
        : step.kind === 'torch'
          ? await runChild(
              'python3',
              [
                join(here, 'torch_anchor.py'),
                '--json',
                file,
                '--models',
                o.models,
                '--batches',
                o.batches,
                '--size',
                o.size,
                '--max-seconds',
                '5',
              ],
              limit,
              { env: { ...process.env, PYTHONUNBUFFERED: '1' } },
            )
          : await runChild(
              node,
              [
                cli,
                'bench',
                '--model',
                step.model,
                '--backends',
                step.backend,
                '--batch',
                String(step.batch),
                '--size',
                o.size,
                '--iterations',
                o.iterations,
                '--warmup',
                o.warmup,
                '--max-seconds',
                o['max-seconds'],
                '--json',
                file,
                ...(step.io ? ['--io', step.io] : []),
              ],
              limit,
            );
  // The tune step's result is the table it wrote (kept beside gpu-bench.json, for tables/ in the repo).
  const result = step.kind === 'tune' ? newTables(tables, stepStarted) : readResult(file);
  const measured = result?.results?.length ?? 0;
  const status = r.timedOut
    ? 'timeout'
    : step.kind === 'torch' && (r.code === 3 || r.missing)
      ? 'skipped'
      : r.code === 0 && (measured > 0 || (step.kind === 'tune' && result))
        ? 'ok'
        : 'failed';
  const last = r.tail.trim().split('\n').slice(-6).join('\n');
  const message =
    status === 'ok'
      ? undefined
      : status === 'timeout'
        ? `stopped after its limit of ${Math.round(limit / 1000)} s${last ? `; last output:\n${last}` : ''}`
        : last;
  runs.push({ id: step.id, status, seconds: r.seconds, exitCode: r.code, signal: r.signal, message, result });
  save();
  for (const x of result?.results ?? [])
    log(
      step.kind === 'profile'
        ? `   ${x.model} ${x.backend} b${x.batch}: ${x.gpuMs.toFixed(2)} ms on the GPU, ${x.gflopsPerSec.toFixed(0)} GFLOP/s; ${x.classes
            .slice(0, 3)
            .map((c) => `${c.kernelClass} ${(100 * c.share).toFixed(0)} %`)
            .join(', ')}`
        : `   ${x.model} ${x.backend} b${x.batch}: median ${x.medianMs.toFixed(2)} ms, ${x.imagesPerSec.toFixed(1)} img/s`,
    );
  if (status !== 'ok') log(`   ${status}: ${message ?? ''}`);
}
save();

const failed = runs.filter((r) => r.status === 'failed' || r.status === 'timeout');
log(
  `== done in ${Math.round((Date.now() - started) / 1000)} s: ${runs.filter((r) => r.status === 'ok').length} ok, ${failed.length} failed, ${runs.filter((r) => r.status === 'skipped').length} skipped, ${notRun.length} not run (budget)`,
);
if (notRun.length)
  log(`to run the rest: bash scripts/gpu-bench.sh run --runs ${notRun.map((n) => n.id).join(',')}`);
log(`results: ${jsonFile}`);
process.exit(failed.length || notRun.length || webgpuProblem ? 1 : 0);
