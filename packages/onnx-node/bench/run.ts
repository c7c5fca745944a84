/**
 * Latency bench of @resblocks/onnx-node (not a test), side by side in one process: per network and
 * batch, the adapter (compile + run through the adapter contract), onnxruntime-node called directly
 * on the same exported bytes, and optionally onnxruntime-node on PyTorch's own export of the same
 * torchvision network. Runs are interleaved (adapter, direct, torch, adapter, ...) so load changes
 * hit every row alike. Prints JSON (or --json FILE). Flags:
 *   --models resnet50,resnext50_32x4d   --batches 1,16   --size 224   --iterations 10   --warmup 2
 *   --max-ms 120000                     stop sampling after this long (once every row has 3 samples)
 *   --backend cpu                       the onnx-node backend (its EP is used for the direct rows too)
 *   --torch DIR                         DIR/<model>.onnx from bench/export_torchvision.py
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchArgs, benchMachine, runBenchScript, timeRuns } from '@resblocks/conformance';
import { exportOnnx } from '@resblocks/onnx';
import { initWeights, networkGraph, seededInput, type Tensor } from '@resblocks/spec';
import * as ort from 'onnxruntime-node';
import { onnxNodeAdapter } from '../src/index.js';
import { PROVIDERS } from '../src/providers.js';
import { sessionOptions } from '../src/runtime.js';

const args = benchArgs({ models: ['resnet50', 'resnext50_32x4d'], batches: [1, 16] });
const { size, timing } = args;
const backend = args.string('backend') ?? 'cpu';
const torchDir = args.string('torch');

interface Runner {
  readonly runtime: string;
  readonly file: string;
  readonly createMs: number;
  run(): Promise<unknown>;
  release(): Promise<void>;
}

/** onnxruntime-node on model bytes, with the provider's options and nothing else of ours. */
async function direct(runtime: string, file: string, bytes: Uint8Array, x: Tensor): Promise<Runner> {
  const ep = PROVIDERS.find((p) => p.name === backend)!;
  const t = performance.now();
  const s = await ort.InferenceSession.create(bytes, backend === 'cpu' ? {} : sessionOptions(ep));
  const createMs = performance.now() - t;
  const feeds = { [s.inputNames[0]!]: new ort.Tensor('float32', x.data, [...x.shape]) };
  return { runtime, file, createMs, run: () => s.run(feeds), release: () => s.release() };
}

async function main(): Promise<object> {
  const probe = await onnxNodeAdapter.probe(backend);
  if (!probe.available) throw new Error(`onnx-node:${backend} is unavailable: ${probe.reason}`);
  const rows: Record<string, unknown>[] = [];
  for (const name of args.models) {
    const graph = networkGraph(name);
    const weights = initWeights(graph, 1);
    const bytes = exportOnnx(graph, weights);
    const torchFile = torchDir ? join(torchDir, `${name}.onnx`) : undefined;
    if (torchFile && !existsSync(torchFile))
      throw new Error(`${torchFile} is missing (bench/export_torchvision.py)`);
    for (const batch of args.batches) {
      const x = seededInput([batch, 3, size, size], 1);
      const t = performance.now();
      const model = await onnxNodeAdapter.compile(graph, weights, { backend });
      const runners: Runner[] = [
        {
          runtime: `onnx-node:${backend}`,
          file: `resblocks export (${name})`,
          createMs: performance.now() - t,
          run: () => model.run(x),
          release: () => model.dispose(),
        },
        await direct(`onnxruntime-node:${backend}`, `resblocks export (${name})`, bytes, x),
      ];
      if (torchFile) {
        runners.push(
          await direct(
            `onnxruntime-node:${backend}`,
            `torch.onnx.export (${name})`,
            readFileSync(torchFile),
            x,
          ),
        );
      }
      const timings = await timeRuns(
        runners.map((r) => r.run),
        timing,
      );
      const adapterMs = timings[0]!.medianMs;
      for (const [k, r] of runners.entries()) {
        await r.release();
        const tk = timings[k]!;
        const row = {
          runtime: r.runtime,
          model: name,
          file: r.file,
          batch,
          size,
          createMs: Math.round(r.createMs),
          firstRunMs: Math.round(tk.firstRunMs),
          medianMs: Number(tk.medianMs.toFixed(2)),
          p90Ms: Number(tk.p90Ms.toFixed(2)),
          minMs: Number(tk.minMs.toFixed(2)),
          imagesPerSec: Number(((batch * 1000) / tk.medianMs).toFixed(2)),
          // The adapter's median over this row's: the targets are 1.1 (same file) and 1.2 (torch export).
          adapterRatio: Number((adapterMs / tk.medianMs).toFixed(3)),
          samplesMs: tk.samplesMs.map((v) => Number(v.toFixed(2))),
        };
        rows.push(row);
        process.stderr.write(
          `${name} b${batch} ${r.runtime} [${r.file}]: median ${row.medianMs} ms, min ${row.minMs} ms, adapter/this ${row.adapterRatio}\n`,
        );
      }
    }
  }
  return {
    date: new Date().toISOString(),
    machine: { ...(await benchMachine()), onnxruntimeNode: ort.env.versions.node },
    ...timing,
    rows,
  };
}

runBenchScript(main, args.string('json'));
