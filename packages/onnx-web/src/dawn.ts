/**
 * Workarounds for onnxruntime-web's WebGPU EP on dawn.node (the `webgpu` package), applied only in
 * Node after `ensureNodeWebGPU()` installed Dawn. Both can be removed once fixed upstream:
 *
 * 1. ORT's wasm heap is a SharedArrayBuffer (threaded build) and it passes views of it straight to
 *    GPUQueue.writeBuffer; dawn.node rejects SharedArrayBuffer-backed data with "Invalid argument"
 *    (browsers accept it). The wrapper copies such data into a plain ArrayBuffer first.
 * 2. ORT waits on GPU work through callbacks that dawn.node only delivers when the event loop
 *    turns; with nothing else scheduled, session creation and the first run() stall for minutes.
 *    A referenced setInterval keeps the loop turning while a WebGPU create/run is pending and is
 *    cleared as soon as none is.
 */

const PATCHED = Symbol.for('resblocks.onnx-web.writeBuffer');

interface QueueProto {
  writeBuffer(buffer: unknown, offset: number, data: unknown, dataOffset?: number, size?: number): void;
  [PATCHED]?: true;
}

function isShared(data: unknown): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (data instanceof SharedArrayBuffer) return true;
  return ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer;
}

/** Copies SharedArrayBuffer-backed data into a plain ArrayBuffer of the same view type. */
function unshare(data: unknown): unknown {
  if (data instanceof SharedArrayBuffer) {
    const copy = new ArrayBuffer(data.byteLength);
    new Uint8Array(copy).set(new Uint8Array(data));
    return copy;
  }
  const view = data as ArrayBufferView & { constructor: new (b: ArrayBuffer) => ArrayBufferView };
  const copy = new ArrayBuffer(view.byteLength);
  new Uint8Array(copy).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  // dataOffset/size count elements of the view's type, so keep the type.
  return view instanceof DataView ? new DataView(copy) : new view.constructor(copy);
}

/** Workaround 1: patches GPUQueue.prototype.writeBuffer once. Returns whether it is in place. */
export function patchWriteBuffer(): boolean {
  const ctor = (globalThis as { GPUQueue?: { prototype: QueueProto } }).GPUQueue;
  if (!ctor) return false;
  const proto = ctor.prototype;
  if (proto[PATCHED]) return true;
  const original = proto.writeBuffer;
  proto.writeBuffer = function writeBuffer(this: unknown, buffer, offset, data, dataOffset, size) {
    const plain = isShared(data) ? unshare(data) : data;
    return original.call(this, buffer, offset, plain, dataOffset, size);
  };
  proto[PATCHED] = true;
  return true;
}

let pending = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Workaround 2: keeps the event loop turning while `work` is pending. */
export async function keepAlive<T>(work: () => Promise<T>): Promise<T> {
  pending++;
  timer ??= setInterval(() => {}, 5);
  try {
    return await work();
  } finally {
    if (--pending === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }
}

/** Whether the keep-alive timer is running (for tests: it must be cleared when idle). */
export function keepAliveActive(): boolean {
  return timer !== undefined;
}
