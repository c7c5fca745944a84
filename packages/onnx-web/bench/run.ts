/**
 * Latency bench (not a test): per backend, per model, per batch at 224x224. Prints JSON (or
 * writes it with --json FILE). Flags:
 *   --backends wasm,webgpu   (default: every available backend, software WebGPU excluded)
 *   --models resnet50,resnext50_32x4d
 *   --batches 1,16
 *   --size 224  --iterations 10  --warmup 2
 *   --onnx path/to/model.onnx  also runs an external model (input 'input' or its first input) with
 *                              the same EP and input size, side by side
 *   --no-native               skip the onnxruntime-node reference rows
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { benchModel, quantile } from '@resblocks/conformance';
import { exportOnnx } from '@resblocks/onnx';
import { initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { onnxWebAdapter } from '../src/index.js';
import { loadRuntime } from '../src/runtime.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const list = (v: string | undefined, d: string[]) => (v ? v.split(',').filter(Boolean) : d);

const size = Number(flag('size') ?? 224);
const iterations = Number(flag('iterations') ?? 10);
const warmup = Number(flag('warmup') ?? 2);
const models = list(flag('models'), ['resnet50', 'resnext50_32x4d']);
const batches = list(flag('batches'), ['1', '16']).map(Number);
const external = flag('onnx');
const native = !process.argv.includes('--no-native');

interface Row {
  runtime: string;
  model: string;
  batch: number;
  size: number;
  sessionCreateMs: number;
  firstRunMs: number;
  medianMs: number;
  p90Ms: number;
  imagesPerSec: number;
  samples: number;
  info?: Readonly<Record<string, unknown>>;
}

/** Times run() of any session-like object. */
async function timeRuns(
  runtime: string,
  model: string,
  batch: number,
  create: () => Promise<{ run(): Promise<unknown>; release(): Promise<void> }>,
): Promise<Row> {
  let t = performance.now();
  const s = await create();
  const sessionCreateMs = performance.now() - t;
  t = performance.now();
  await s.run();
  const firstRunMs = performance.now() - t;
  for (let i = 1; i < warmup; i++) await s.run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    t = performance.now();
    await s.run();
    samples.push(performance.now() - t);
  }
  await s.release();
  const sorted = samples.sort((a, b) => a - b);
  const medianMs = quantile(sorted, 0.5);
  return {
    runtime,
    model,
    batch,
    size,
    sessionCreateMs,
    firstRunMs,
    medianMs,
    p90Ms: quantile(sorted, 0.9),
    imagesPerSec: (batch * 1000) / medianMs,
    samples: samples.length,
  };
}

async function main(): Promise<void> {
  const backends: string[] = [];
  const skipped: Record<string, string> = {};
  const requested = flag('backends');
  for (const b of list(
    requested,
    onnxWebAdapter.backends.map((d) => d.name),
  )) {
    const a = await onnxWebAdapter.probe(b);
    if (!a.available) skipped[b] = a.reason ?? 'unavailable';
    // A software GPU (SwiftShader) takes minutes per 224px run: only when asked for by name.
    else if (a.device === 'software' && !requested)
      skipped[b] = 'software WebGPU adapter; pass --backends webgpu';
    else backends.push(b);
  }
  const rows: Row[] = [];
  const log = (r: Row) => {
    rows.push(r);
    process.stderr.write(
      `${r.runtime} ${r.model} b${r.batch}: median ${r.medianMs.toFixed(1)} ms, p90 ${r.p90Ms.toFixed(1)} ms, ${r.imagesPerSec.toFixed(1)} img/s, session ${r.sessionCreateMs.toFixed(0)} ms\n`,
    );
  };
  const ortNode = native ? await import('onnxruntime-node') : undefined;
  for (const name of models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    const bytes = exportOnnx(graph, weights);
    for (const batch of batches) {
      const input = seededInput([batch, 3, size, size], 1);
      for (const backend of backends) {
        const r = await benchModel(onnxWebAdapter, backend, graph, weights, {
          batch,
          size,
          warmup,
          iterations,
        });
        log({
          runtime: r.backend,
          model: name,
          batch,
          size,
          sessionCreateMs: r.compileMs,
          firstRunMs: r.firstRunMs,
          medianMs: r.medianMs,
          p90Ms: r.p90Ms,
          imagesPerSec: r.imagesPerSec,
          samples: r.samplesMs.length,
          info: r.info,
        });
      }
      if (ortNode) {
        log(
          await timeRuns('onnxruntime-node:cpu', name, batch, async () => {
            const s = await ortNode.InferenceSession.create(bytes);
            const feeds = { input: new ortNode.Tensor('float32', input.data, [...input.shape]) };
            return { run: () => s.run(feeds), release: () => s.release() };
          }),
        );
      }
    }
  }
  if (external) {
    const file = readFileSync(external);
    for (const batch of batches) {
      const input = seededInput([batch, 3, size, size], 1);
      for (const backend of backends) {
        const rt = await loadRuntime(backend as 'wasm' | 'webgpu');
        log(
          await timeRuns(`onnx-web:${backend}`, external, batch, async () => {
            const s = await rt.guard(() =>
              rt.ort.InferenceSession.create(new Uint8Array(file), { executionProviders: [backend] }),
            );
            const feeds = { [s.inputNames[0]!]: new rt.ort.Tensor('float32', input.data, [...input.shape]) };
            return { run: () => rt.guard(() => s.run(feeds)), release: () => s.release() };
          }),
        );
      }
      if (ortNode) {
        log(
          await timeRuns('onnxruntime-node:cpu', external, batch, async () => {
            const s = await ortNode.InferenceSession.create(new Uint8Array(file));
            const feeds = { [s.inputNames[0]!]: new ortNode.Tensor('float32', input.data, [...input.shape]) };
            return { run: () => s.run(feeds), release: () => s.release() };
          }),
        );
      }
    }
  }
  const os = await import('node:os');
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadavg: os.loadavg(), node: process.version },
    skipped,
    rows,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const out = flag('json');
  if (out) writeFileSync(out, json);
  else process.stdout.write(json);
}

main().then(
  // Dawn keeps the process alive once WebGPU was touched.
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
