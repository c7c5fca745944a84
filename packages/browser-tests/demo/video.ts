import { fromBrowserImage, type Image8 } from '@resblocks/image';
import type { BackendId, ProbedBackend } from '@resblocks/spec';
import { fashionInput, pictureToFashion, type TrainedSet } from '@resblocks/spec/trained';
import { type HostedAdapter, type HostedCompiledModel, hostAdapter } from '@resblocks/worker';
import { topK } from './preprocess.js';

/** Longest edge a frame is read at: larger frames are scaled down by the canvas first (the network sees 28 pixels). */
export const VIDEO_EDGE = 320;
/** Frames kept, with their pixels, for the browser test to check against the reference. */
const KEPT = 12;
/** Frames averaged for the shown times; frames/s counts the last two seconds. */
const WINDOW = 30;
const RATE_MS = 2000;

/** One classified frame. */
export interface VideoFrameResult {
  /** The video's presented-frame number. */
  frame: number;
  /** The 28x28 gray pixels the network was given (the frame converted like the data set). */
  pixels: number[];
  logits: number[];
  top: { label: string; probability: number }[];
  /** What the generated source was drawing when the frame was read (a test image), if generated. */
  shown?: { index: number; label: string };
  preprocessMs: number;
  modelMs: number;
}

/** What the live-video section measured, as window.videoResult for the browser test. */
export interface VideoResult {
  backend: BackendId;
  model: string;
  source: string;
  running: boolean;
  /** Frames the video presented since the start, frames classified, and those dropped (neither classified nor in flight). */
  presented: number;
  classified: number;
  dropped: number;
  /** Classified frames per second over the last two seconds. */
  fps: number;
  /** Mean milliseconds per frame over the last frames: frame to tensor on the page, and the worker's run. */
  preprocessMs: number;
  modelMs: number;
  /** Most runs ever in flight at once (the loop keeps it at one). */
  maxInFlight: number;
  /** Messages the page exchanged with its workers (to the worker and back). */
  workerMessages: number;
  /** Generated frames classified, and those whose top class is the label the source was drawing. */
  shownFrames: number;
  shownAgree: number;
  /** Longest task on the page's thread while running (ms; PerformanceObserver 'longtask'). */
  longestTaskMs: number;
  frames: VideoFrameResult[];
  error?: string;
}

type FrameCallback = (now: number, meta: { presentedFrames: number }) => void;
type VideoWithFrames = HTMLVideoElement & {
  requestVideoFrameCallback(cb: FrameCallback): number;
  cancelVideoFrameCallback(handle: number): void;
};

/**
 * A generated video: Fashion-MNIST test images drawn dark on white (as a photo of a garment would
 * be), growing and shrinking so every frame differs, one image after another, into a canvas whose
 * captureStream() feeds the <video>. Used where there is no camera (headless Chromium).
 */
export class GeneratedSource {
  readonly canvas: HTMLCanvasElement;
  /** The test image drawn last: its index in the sample and its label. */
  shown = { index: -1, label: '' };
  /** The canvas's frames as a stream (drawn while started). */
  readonly stream: MediaStream;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tiles: { index: number; label: string; canvas: OffscreenCanvas }[];

  constructor(
    set: TrainedSet,
    indices: readonly number[],
    private readonly fps = 30,
    size = 240,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = this.canvas.height = size;
    this.stream = this.canvas.captureStream(fps);
    const { sample, classes } = set;
    const plane = sample.size * sample.size;
    this.tiles = indices.map((i) => {
      const tile = new OffscreenCanvas(sample.size, sample.size);
      const ctx = tile.getContext('2d')!;
      const img = ctx.createImageData(sample.size, sample.size);
      for (let p = 0; p < plane; p++) {
        const v = 255 - sample.images[i * plane + p]!;
        img.data.set([v, v, v, 255], 4 * p);
      }
      ctx.putImageData(img, 0, 0);
      return { index: i, label: classes[sample.labels[i]!]!, canvas: tile };
    });
  }

  /** Starts (or resumes) drawing. */
  start(): void {
    if (this.timer !== undefined) return;
    const t0 = performance.now();
    const draw = () => {
      const t = (performance.now() - t0) / 1000;
      const tile = this.tiles[Math.floor(t / 1.5) % this.tiles.length]!;
      const ctx = this.canvas.getContext('2d')!;
      const size = this.canvas.width;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, size, size);
      // Side 120..200 px: a scale that changes every frame, so consecutive frames convert differently.
      const side = Math.round(160 + 40 * Math.sin(t * 2.3));
      const x = (size - side) / 2 + 12 * Math.sin(t * 1.1);
      const y = (size - side) / 2 + 8 * Math.cos(t * 0.7);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tile.canvas, Math.round(x), Math.round(y), side, side);
      this.shown = { index: tile.index, label: tile.label };
    };
    draw();
    this.timer = setInterval(draw, 1000 / this.fps);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** RGB pixels as RGBA (opaque), the layout pictureToFashion reads. */
function rgba(img: Image8): Uint8ClampedArray {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(4 * n).fill(255);
  for (let i = 0; i < n; i++) {
    out[4 * i] = img.data[3 * i]!;
    out[4 * i + 1] = img.data[3 * i + 1]!;
    out[4 * i + 2] = img.data[3 * i + 2]!;
  }
  return out;
}

/** The video's current frame as RGB, at most VIDEO_EDGE on its longest side. */
function grab(video: HTMLVideoElement): Image8 {
  const w = video.videoWidth;
  const h = video.videoHeight;
  const scale = Math.min(1, VIDEO_EDGE / Math.max(w, h));
  if (scale === 1) return fromBrowserImage(video);
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return fromBrowserImage(canvas);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Classifies a <video> frame by frame with a trained network compiled in a Web Worker
 * (@resblocks/worker's hostAdapter), so the page's thread only reads and converts frames. At most
 * one frame is in flight: a frame that arrives meanwhile is dropped, never queued.
 */
export class LiveVideo {
  result?: VideoResult;
  private hosts = new Map<string, HostedAdapter>();
  private compiled?: { key: string; model: HostedCompiledModel };
  private frameHandle: number | undefined;
  private inFlight = 0;
  private abort?: AbortController;
  private firstPresented = -1;
  private times: { at: number; preprocessMs: number; modelMs: number }[] = [];
  private observer?: PerformanceObserver;
  private messages = 0;
  private generated?: GeneratedSource;
  private stream?: MediaStream;
  /** Bumped by every start and stop, so a start that a stop overtook does not begin its loop. */
  private session = 0;

  constructor(
    private readonly video: VideoWithFrames,
    private readonly set: TrainedSet,
    private readonly show: (r: VideoResult, last?: VideoFrameResult, pixels?: Uint8Array) => void,
  ) {}

  /** The worker host for a backend's adapter; each worker counts the messages it exchanges. */
  private host(p: ProbedBackend): HostedAdapter {
    let h = this.hosts.get(p.adapter.id);
    if (!h) {
      const count = () => {
        this.messages++;
        if (this.result) this.result.workerMessages = this.messages;
      };
      class CountingWorker extends Worker {
        override postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions): void {
          count();
          super.postMessage(message, transfer as Transferable[]);
        }
      }
      h = hostAdapter(p.adapter, {
        createWorker: () => {
          const w = new CountingWorker(`./hosted-worker.js?adapter=${p.adapter.id}`, { type: 'module' });
          w.addEventListener('message', count);
          return w;
        },
        // Each frame's tensor is made for this one run: move it instead of copying it.
        transfer: true,
      });
      this.hosts.set(p.adapter.id, h);
    }
    return h;
  }

  private async model(p: ProbedBackend, name: string): Promise<HostedCompiledModel> {
    const key = `${p.id} ${name}`;
    if (this.compiled?.key !== key) {
      await this.compiled?.model.dispose();
      this.compiled = undefined;
      const trained = this.set.models.find((m) => m.name === name);
      if (!trained) throw new Error(`no trained network '${name}'`);
      const model = await this.host(p).compile(trained.graph, trained.weights, { backend: p.backend });
      this.compiled = { key, model };
    }
    return this.compiled.model;
  }

  /** Generated frames: the given test images of the sample, one after another. */
  useGenerated(indices: readonly number[]): void {
    this.release();
    this.generated = new GeneratedSource(this.set, indices);
    this.generated.start();
    this.stream = this.generated.stream;
    this.video.srcObject = this.stream;
    this.video.loop = false;
  }

  async useCamera(): Promise<void> {
    this.release();
    if (!navigator.mediaDevices?.getUserMedia)
      throw new Error('this browser gives the page no camera access');
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    this.video.srcObject = this.stream;
  }

  useFile(file: File): void {
    this.release();
    this.video.src = URL.createObjectURL(file);
    this.video.loop = true;
  }

  /** Stops the current source's tracks and generator. */
  private release(): void {
    this.generated?.stop();
    this.generated = undefined;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = undefined;
    if (this.video.src) URL.revokeObjectURL(this.video.src);
    this.video.removeAttribute('src');
    this.video.srcObject = null;
  }

  /**
   * Compiles the network in a worker (once per backend and network) and starts the frame loop.
   * False when stop() came first (during the compile or the warm-up pass).
   */
  async start(p: ProbedBackend, name: string, source: string): Promise<boolean> {
    this.stop();
    const session = ++this.session;
    const abort = new AbortController();
    this.abort = abort;
    try {
      const model = await this.model(p, name);
      // One tiny pass first, so the first frame's time is not the engine's warm-up.
      if (session === this.session)
        await model.run(fashionInput(new Uint8Array(28 * 28), 0, 1, this.set.preprocess), {
          signal: abort.signal,
        });
    } catch (e) {
      if (session === this.session) throw e;
    }
    if (session !== this.session) return false;
    this.result = {
      backend: p.id,
      model: name,
      source,
      running: true,
      presented: 0,
      classified: 0,
      dropped: 0,
      fps: 0,
      preprocessMs: 0,
      modelMs: 0,
      maxInFlight: 0,
      workerMessages: this.messages,
      longestTaskMs: 0,
      shownFrames: 0,
      shownAgree: 0,
      frames: [],
    };
    this.times = [];
    this.firstPresented = -1;
    this.generated?.start();
    if (
      typeof PerformanceObserver !== 'undefined' &&
      PerformanceObserver.supportedEntryTypes.includes('longtask')
    ) {
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          if (this.result) this.result.longestTaskMs = Math.max(this.result.longestTaskMs, e.duration);
      });
      this.observer.observe({ type: 'longtask' });
    }
    this.frameHandle = this.video.requestVideoFrameCallback(this.onFrame);
    await this.video.play();
    this.show(this.result);
    return true;
  }

  /** Stops the loop: no further frame is read, the run in flight is abandoned, the video pauses. */
  stop(): void {
    this.session++;
    if (this.frameHandle !== undefined) this.video.cancelVideoFrameCallback(this.frameHandle);
    this.frameHandle = undefined;
    this.abort?.abort();
    this.abort = undefined;
    this.observer?.disconnect();
    this.generated?.stop();
    this.video.pause();
    if (this.result?.running) {
      this.result.running = false;
      this.show(this.result);
    }
  }

  private readonly onFrame: FrameCallback = (_now, meta) => {
    const r = this.result;
    if (!r?.running) return;
    this.frameHandle = this.video.requestVideoFrameCallback(this.onFrame);
    if (this.firstPresented < 0) this.firstPresented = meta.presentedFrames - 1;
    r.presented = meta.presentedFrames - this.firstPresented;
    // One frame in flight: this one is dropped, the next presented frame is read instead.
    if (this.inFlight === 0) void this.classify(meta.presentedFrames, r);
    // Dropped: every presented frame neither classified nor in flight (including frames presented
    // while the page's thread was too busy to be called back for them).
    r.dropped = r.presented - r.classified - this.inFlight;
  };

  private async classify(frame: number, r: VideoResult): Promise<void> {
    const signal = this.abort?.signal;
    const compiled = this.compiled?.model;
    if (!signal || !compiled) return;
    this.inFlight++;
    r.maxInFlight = Math.max(r.maxInFlight, this.inFlight);
    try {
      const shown = this.generated?.shown;
      const t0 = performance.now();
      const img = grab(this.video);
      const pixels = pictureToFashion(rgba(img), img.width, img.height, this.set.preprocess.size);
      const input = fashionInput(pixels, 0, 1, this.set.preprocess);
      const t1 = performance.now();
      const out = await compiled.run(input, { signal });
      const t2 = performance.now();
      if (!r.running) return;
      const top = topK(out.data, 3).map((t) => ({
        label: this.set.classes[t.index]!,
        probability: t.probability,
      }));
      const last: VideoFrameResult = {
        frame,
        pixels: Array.from(pixels),
        logits: Array.from(out.data),
        top,
        ...(shown ? { shown } : {}),
        preprocessMs: t1 - t0,
        modelMs: t2 - t1,
      };
      r.classified++;
      if (shown) {
        r.shownFrames++;
        if (top[0]!.label === shown.label) r.shownAgree++;
      }
      r.frames.push(last);
      if (r.frames.length > KEPT) r.frames.shift();
      this.times.push({ at: t2, preprocessMs: t1 - t0, modelMs: t2 - t1 });
      if (this.times.length > 4 * WINDOW) this.times.splice(0, this.times.length - WINDOW);
      const recent = this.times.slice(-WINDOW);
      r.preprocessMs = mean(recent.map((t) => t.preprocessMs));
      r.modelMs = mean(recent.map((t) => t.modelMs));
      const since = this.times.filter((t) => t.at > t2 - RATE_MS);
      const span = since.length > 1 ? since.at(-1)!.at - since[0]!.at : 0;
      r.fps = span > 0 ? (1000 * (since.length - 1)) / span : 0;
      this.show(r, last, pixels);
    } catch (e) {
      if (!r.running) return;
      r.error = (e as Error).message;
      this.stop();
    } finally {
      this.inFlight--;
    }
  }
}
