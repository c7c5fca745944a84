/**
 * Latency bench (not a test): per backend, per model, per batch at 224x224. Prints JSON (or
 * writes it with --json FILE). Flags:
 *   --backends wasm,webgpu   (default: every available backend, software WebGPU excluded)
 *   --models resnet50,resnext50_32x4d
 *   --batches 1,16
 *   --size 224  --iterations 10  --warmup 2
 *   --max-ms 120000           stop sampling after this long (once a row has 3 samples)
 *   --onnx path/to/model.onnx  also runs an external model (input 'input' or its first input) with
 *                              the same EP and input size, side by side
 *   --no-native               skip the onnxruntime-node reference rows
 */
import { readFileSync } from 'node:fs';
import {
  benchArgs,
  benchMachine,
  benchModel,
  type RunTiming,
  runBenchScript,
  timeRuns,
} from '@resblocks/conformance';
import { exportOnnx } from '@resblocks/onnx';
import { initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { onnxWebAdapter } from '../src/index.js';
import { loadRuntime } from '../src/runtime.js';

const args = benchArgs({ models: ['resnet50', 'resnext50_32x4d'], batches: [1, 16] });
const { size, timing } = args;
const external = args.string('onnx');
const native = !args.has('no-native');

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

function rowOf(
  runtime: string,
  model: string,
  batch: number,
  sessionCreateMs: number,
  r: RunTiming,
  info?: Readonly<Record<string, unknown>>,
): Row {
  return {
    runtime,
    model,
    batch,
    size,
    sessionCreateMs,
    firstRunMs: r.firstRunMs,
    medianMs: r.medianMs,
    p90Ms: r.p90Ms,
    imagesPerSec: (batch * 1000) / r.medianMs,
    samples: r.samplesMs.length,
    ...(info ? { info } : {}),
  };
}

/** Times run() of any session-like object, as benchModel times the adapter's models. */
async function timeSession(
  runtime: string,
  model: string,
  batch: number,
  create: () => Promise<{ run(): Promise<unknown>; release(): Promise<void> }>,
): Promise<Row> {
  const t = performance.now();
  const s = await create();
  const sessionCreateMs = performance.now() - t;
  try {
    const [r] = await timeRuns([() => s.run()], timing);
    return rowOf(runtime, model, batch, sessionCreateMs, r!);
  } finally {
    await s.release();
  }
}

async function main(): Promise<object> {
  const backends: string[] = [];
  const skipped: Record<string, string> = {};
  const requested = args.string('backends');
  for (const b of args.list(
    'backends',
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
  for (const name of args.models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    const bytes = exportOnnx(graph, weights);
    for (const batch of args.batches) {
      const input = seededInput([batch, 3, size, size], 1);
      for (const backend of backends) {
        const r = await benchModel(onnxWebAdapter, backend, graph, weights, { batch, size, ...timing });
        log(rowOf(r.backend, name, batch, r.compileMs, r, r.info));
      }
      if (ortNode) {
        log(
          await timeSession('onnxruntime-node:cpu', name, batch, async () => {
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
    for (const batch of args.batches) {
      const input = seededInput([batch, 3, size, size], 1);
      for (const backend of backends) {
        const rt = await loadRuntime(backend as 'wasm' | 'webgpu');
        log(
          await timeSession(`onnx-web:${backend}`, external, batch, async () => {
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
          await timeSession('onnxruntime-node:cpu', external, batch, async () => {
            const s = await ortNode.InferenceSession.create(new Uint8Array(file));
            const feeds = { [s.inputNames[0]!]: new ortNode.Tensor('float32', input.data, [...input.shape]) };
            return { run: () => s.run(feeds), release: () => s.release() };
          }),
        );
      }
    }
  }
  return { date: new Date().toISOString(), machine: await benchMachine(), skipped, rows };
}

runBenchScript(main, args.string('json'));
