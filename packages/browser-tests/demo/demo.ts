import type { MeasuredChoice } from '@resblocks/conformance';
import {
  type BackendId,
  chooseBackend,
  type Graph,
  initWeights,
  networkGraph,
  type ProbedBackend,
  probeAll,
  readWeights,
  type Tensor,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import { runtimeAdapters } from '../src/page/adapters.js';
import { configureWasmPaths } from '../src/page/wasm-paths.js';
import { drawGray, FashionDemo, type FashionResult } from './fashion.js';
import { measureAndChoose, renderMeasured } from './measured.js';
import { imageTensor, topK } from './preprocess.js';
import { fillTraceSelects, type TraceResult, traceTwo } from './trace.js';
import { LiveVideo, type VideoFrameResult, type VideoResult } from './video.js';

/** What the demo measured, also exposed as window.demoResult for the browser test. */
export interface DemoResult {
  chosen: BackendId;
  top5: { label: string; probability: number }[];
  timings: {
    backend: BackendId;
    device: string;
    compileMs: number;
    firstMs: number;
    warmMs: number;
    maxAbsDiff: number | null;
    error?: string;
  }[];
}

/** What "measure and choose" decided, as window.measureResult for the browser test. */
export interface MeasureResult {
  chosen: BackendId;
  fromCache: boolean;
  cacheNote: string;
  rows: MeasuredChoice['rows'];
}

declare global {
  interface Window {
    demoResult?: DemoResult;
    measureResult?: MeasureResult;
    /** The trained-network section's last result, for the browser test. */
    fashionResult?: FashionResult;
    /** The trace section's last result, for the browser test. */
    traceResult?: TraceResult;
    /** The live-video section's state, updated every frame, for the browser test. */
    videoResult?: VideoResult;
  }
}

const params = new URLSearchParams(location.search);
// Input resolution: ResNet-18 takes any size >= 32; 128 keeps software GPUs bearable.
const SIZE = Number(params.get('size') ?? 128);
// Which other backends to time (comma list of ids); default every available one.
const COMPARE = params.get('compare')?.split(',');
// Measure again even when this browser has a measured decision saved.
const FRESH = params.has('fresh');
// The two backends the trace section starts with (comma list of two ids).
const TRACE = params.get('trace')?.split(',');
// The backend the live-video section starts with (an id); default the chosen one.
const VIDEO = params.get('video');
// Test images of the sample the generated video shows, one after another (one of each class, in class order).
const GENERATED = [19, 2, 1, 13, 6, 8, 4, 9, 18, 0];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};

function cell(row: HTMLTableRowElement, text: string, cls?: string): void {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

/** The ImageNet-size network and its weights: the user's .safetensors file, or seeded ones. */
async function imagenetModel(): Promise<{ graph: Graph; weights: Weights; trained: boolean }> {
  const graph = networkGraph($<HTMLSelectElement>('imagenet-model').value);
  const file = $<HTMLInputElement>('imagenet-weights').files?.[0];
  if (!file) return { graph, weights: initWeights(graph, 1), trained: false };
  // Typed errors name the missing or mis-shaped keys when the file is for another network.
  return {
    graph,
    weights: validateWeights(graph, readWeights(new Uint8Array(await file.arrayBuffer()))),
    trained: true,
  };
}

async function measure(
  p: ProbedBackend,
  input: Tensor,
  net: { graph: Graph; weights: Weights },
): Promise<{ logits: Float32Array; compileMs: number; firstMs: number; warmMs: number }> {
  const [model, compileMs] = await time(() =>
    p.adapter.compile(net.graph, net.weights, { backend: p.backend }),
  );
  try {
    const [, firstMs] = await time(() => model.run(input));
    const [y, warmMs] = await time(() => model.run(input));
    return { logits: y.data, compileMs, firstMs, warmMs };
  } finally {
    await model.dispose();
  }
}

async function main(): Promise<void> {
  await configureWasmPaths(location.origin);
  const labels = (await (await fetch('./labels.json')).json()) as string[];
  const adapters = await runtimeAdapters();
  let chosen = await chooseBackend(adapters);
  const probed = (await probeAll(adapters)).filter((p) => p.availability.available);
  $('chosen').textContent = chosen.id;
  $('fashion-backend').textContent = chosen.id;
  $('why').textContent =
    `ranked first of ${probed.length} available (${chosen.api}, device: ${chosen.availability.device ?? 'unknown'}); the chooser prefers a hardware GPU, then WebGL, then wasm, then software GPUs`;
  $('input-info').textContent =
    `decoded from the PNG's bytes by @resblocks/image (PIL's values), Resize(${Math.round((SIZE * 256) / 224)}) and CenterCrop(${SIZE}) (bilinear), ImageNet-normalised: the tensor torchvision computes from this file`;
  const fashion = new FashionDemo(chosen, (text) => {
    $('fashion-status').textContent = text;
  });
  await fashion.init();
  const classify = $<HTMLButtonElement>('classify');
  classify.disabled = false;
  $('fashion-status').textContent = 'ready';
  const fashionTask = async (work: () => Promise<unknown>) => {
    classify.disabled = true;
    try {
      await work();
      window.fashionResult = fashion.result;
      $('fashion-status').textContent = 'done';
    } catch (e) {
      $('fashion-status').textContent = `failed: ${(e as Error).message}`;
    } finally {
      classify.disabled = false;
    }
  };
  classify.addEventListener('click', () => fashionTask(() => fashion.classify()));
  $<HTMLInputElement>('picture').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void fashionTask(() => fashion.picture(file));
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) void fashionTask(() => fashion.picture(file));
  });

  setUpVideo(fashion, probed, chosen.id);

  fillTraceSelects(probed, chosen.id, TRACE);
  const traceButton = $<HTMLButtonElement>('trace');
  const traceStatus = (text: string) => {
    $('trace-status').textContent = text;
  };
  traceButton.disabled = false;
  traceButton.addEventListener('click', async () => {
    traceButton.disabled = true;
    try {
      const net = await imagenetModel();
      window.traceResult = await traceTwo(probed, net, await imageTensor('./sample.png', SIZE), traceStatus);
      traceStatus('done');
    } catch (e) {
      traceStatus(`failed: ${(e as Error).message}`);
    } finally {
      traceButton.disabled = false;
    }
  });

  const button = $<HTMLButtonElement>('run');
  const measureButton = $<HTMLButtonElement>('measure');
  button.disabled = false;
  measureButton.disabled = false;
  status('ready');
  measureButton.addEventListener('click', async () => {
    button.disabled = true;
    measureButton.disabled = true;
    try {
      const choice = await measureAndChoose(adapters, SIZE, FRESH, status);
      renderMeasured($<HTMLTableElement>('measured').tBodies[0]!, choice);
      chosen = choice.chosen;
      const median = choice.rows.find((r) => r.chosen)?.medianMs ?? 0;
      $('chosen').textContent = chosen.id;
      $('why').textContent =
        `measured: the fastest backend that passed verification (ResNet-18 at ${SIZE}x${SIZE}, median ${median.toFixed(1)} ms); ${choice.cacheNote}`;
      window.measureResult = {
        chosen: chosen.id,
        fromCache: choice.fromCache,
        cacheNote: choice.cacheNote,
        rows: choice.rows,
      };
      status('measured');
    } catch (e) {
      status(`failed: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
      measureButton.disabled = false;
    }
  });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const input = await imageTensor('./sample.png', SIZE);
      const net = await imagenetModel();
      $('imagenet-note').textContent = net.trained
        ? `${net.graph.name} with your weights`
        : `${net.graph.name} with seeded weights (not trained: the classes are not meaningful)`;
      status(`running on ${chosen.id}…`);
      const first = await measure(chosen, input, net);
      const top5 = topK(first.logits, 5).map((t) => ({
        label: labels[t.index] ?? String(t.index),
        probability: t.probability,
      }));
      const body = $<HTMLTableElement>('top5').tBodies[0]!;
      body.replaceChildren();
      top5.forEach((t, i) => {
        const row = body.insertRow();
        cell(row, String(i + 1));
        cell(row, t.label);
        cell(row, `${(100 * t.probability).toFixed(2)} %`, 'num');
        const bar = row.insertCell();
        bar.innerHTML = `<div class="bar" style="width:${Math.max(2, Math.round(300 * t.probability))}px"></div>`;
      });
      const result: DemoResult = { chosen: chosen.id, top5, timings: [] };
      const others = probed.filter((p) => p.id !== chosen.id && (!COMPARE || COMPARE.includes(p.id)));
      const tbody = $<HTMLTableElement>('timings').tBodies[0]!;
      tbody.replaceChildren();
      const addRow = (p: ProbedBackend, t: DemoResult['timings'][number]) => {
        result.timings.push(t);
        const row = tbody.insertRow();
        cell(row, p.id, p.id === chosen.id ? 'chosen' : undefined);
        cell(row, t.device);
        if (t.error) {
          cell(row, t.error, 'bad');
          return;
        }
        cell(row, t.compileMs.toFixed(0), 'num');
        cell(row, t.firstMs.toFixed(0), 'num');
        cell(row, t.warmMs.toFixed(1), 'num');
        cell(row, t.maxAbsDiff === null ? '—' : t.maxAbsDiff.toExponential(1), 'num');
      };
      const { compileMs, firstMs, warmMs } = first;
      addRow(chosen, {
        backend: chosen.id,
        device: chosen.availability.device ?? '?',
        compileMs,
        firstMs,
        warmMs,
        maxAbsDiff: null,
      });
      for (const p of others) {
        status(`timing ${p.id}…`);
        const device = p.availability.device ?? '?';
        try {
          const m = await measure(p, input, net);
          const maxAbsDiff = m.logits.reduce((w, v, i) => Math.max(w, Math.abs(v - first.logits[i]!)), 0);
          addRow(p, {
            backend: p.id,
            device,
            compileMs: m.compileMs,
            firstMs: m.firstMs,
            warmMs: m.warmMs,
            maxAbsDiff,
          });
        } catch (e) {
          addRow(p, {
            backend: p.id,
            device,
            compileMs: 0,
            firstMs: 0,
            warmMs: 0,
            maxAbsDiff: null,
            error: (e as Error).message,
          });
        }
      }
      window.demoResult = result;
      status('done');
    } catch (e) {
      status(`failed: ${(e as Error).message}`);
      throw e;
    } finally {
      button.disabled = false;
    }
  });
}

/** The live-video section: source and backend pickers, Start/Stop, and the per-frame figures. */
function setUpVideo(fashion: FashionDemo, probed: ProbedBackend[], chosenId: BackendId): void {
  const set = fashion.trained;
  const video = $<HTMLVideoElement>('video');
  const backendSelect = $<HTMLSelectElement>('video-backend');
  backendSelect.replaceChildren(
    ...probed.map((p) => {
      const o = document.createElement('option');
      o.value = o.textContent = p.id;
      return o;
    }),
  );
  backendSelect.value = probed.some((p) => p.id === VIDEO) ? VIDEO! : chosenId;
  const sourceSelect = $<HTMLSelectElement>('video-source');
  const fileInput = $<HTMLInputElement>('video-file');
  const start = $<HTMLButtonElement>('video-start');
  const stop = $<HTMLButtonElement>('video-stop');
  const videoStatus = (text: string) => {
    $('video-status').textContent = text;
  };
  // A camera is offered only where the browser lists one (headless Chromium has none).
  const cameraOption = sourceSelect.querySelector<HTMLOptionElement>('option[value=camera]')!;
  void (navigator.mediaDevices?.enumerateDevices() ?? Promise.resolve([])).then((devices) => {
    if (!devices.some((d) => d.kind === 'videoinput')) {
      cameraOption.disabled = true;
      cameraOption.textContent = 'camera (none found)';
    }
  });
  sourceSelect.addEventListener('change', () => {
    fileInput.hidden = sourceSelect.value !== 'file';
  });
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const live = new LiveVideo(video as ConstructorParameters<typeof LiveVideo>[0], set, (r, last, pixels) => {
    window.videoResult = r;
    $('video-fps').textContent = r.classified > 1 ? r.fps.toFixed(1) : '—';
    $('video-pre').textContent = r.classified ? ms(r.preprocessMs) : '—';
    $('video-model').textContent = r.classified ? ms(r.modelMs) : '—';
    $('video-counts').textContent = `${r.presented} / ${r.classified} / ${r.dropped}`;
    $('video-longtask').textContent = r.longestTaskMs ? ms(r.longestTaskMs) : 'none over 50 ms';
    if (pixels)
      drawGray($<HTMLCanvasElement>('video-converted'), pixels, Math.round(Math.sqrt(pixels.length)));
    if (last) showTop(last);
    if (r.error) videoStatus(`failed: ${r.error}`);
    else videoStatus(r.running ? `${r.model} on ${r.backend}, in a Web Worker` : 'stopped');
    start.disabled = r.running;
    stop.disabled = !r.running;
  });
  const showTop = (last: VideoFrameResult) => {
    const body = $<HTMLTableElement>('video-top').tBodies[0]!;
    body.replaceChildren();
    for (const t of last.top) {
      const row = body.insertRow();
      cell(row, t.label);
      cell(row, `${(100 * t.probability).toFixed(1)} %`, 'num');
      row.insertCell().innerHTML = `<div class="bar" style="width:${Math.max(2, Math.round(160 * t.probability))}px"></div>`;
    }
  };
  start.disabled = false;
  videoStatus('ready');
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const source = sourceSelect.value;
      if (source === 'camera') await live.useCamera();
      else if (source === 'file') {
        const file = fileInput.files?.[0];
        if (!file) throw new Error('pick a video file first');
        live.useFile(file);
      } else live.useGenerated(GENERATED);
      const p = probed.find((b) => b.id === backendSelect.value)!;
      videoStatus(`compiling ${$<HTMLSelectElement>('fashion-model').value} on ${p.id} in a Web Worker…`);
      stop.disabled = false;
      if (!(await live.start(p, $<HTMLSelectElement>('fashion-model').value, source))) {
        videoStatus('stopped');
        start.disabled = false;
        stop.disabled = true;
      }
    } catch (e) {
      videoStatus(`failed: ${(e as Error).message}`);
      start.disabled = false;
      stop.disabled = true;
    }
  });
  stop.addEventListener('click', () => live.stop());
}

main().catch((e: Error) => status(`failed: ${e.message}`));
