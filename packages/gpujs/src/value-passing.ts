import { backendFailed } from './failures.js';
import { type BufferHandle, type GpuJs, isBufferHandle, type KernelShortcut } from './gpujs-api.js';
import { elements, type Layout, unblock } from './layout.js';

/** How one gpu.js mode hands a value from a kernel to the next ones and, at the end, back. */
export interface ValuePassing {
  /** Whether kernels run in gpu.js pipeline mode (results stay where the backend keeps them). */
  readonly pipeline: boolean;
  /** Adjusts a freshly created kernel. */
  adopt(k: KernelShortcut): void;
  /** Turns what a kernel returned into what the next kernels receive. */
  take(result: unknown, l: Layout, id: string): unknown;
  /** Reads the output back in NCHW order, as a fresh array. */
  read(value: unknown, l: Layout, id: string): Promise<Float32Array>;
  /** Releases what one run left behind. */
  release(values: Iterable<unknown>): void;
}

/** gpu.js's nested result arrays (outermost = slowest axis), in order, as one array of layout `l`. */
function flatten(v: unknown, l: Layout, id: string): Float32Array {
  const out = new Float32Array(elements(l));
  let o = 0;
  const walk = (x: unknown): void => {
    if (ArrayBuffer.isView(x)) {
      if (o < out.length) out.set((x as Float32Array).subarray(0, out.length - o), o);
      o += (x as Float32Array).length;
    } else if (Array.isArray(x)) for (const item of x) walk(item);
    else if (typeof x === 'number') out[o++] = x;
    else throw backendFailed(id, 'gpu.js returned a result of unknown type');
  };
  walk(v);
  if (o !== out.length) throw backendFailed(id, `read back ${o} values, expected ${out.length}`);
  return out;
}

/** GL textures and plain-JS arrays: passed on as gpu.js returns them. */
export const asReturned: ValuePassing = {
  pipeline: true,
  adopt() {},
  take: (r) => r,
  async read(value, l, id) {
    const v =
      typeof (value as BufferHandle).toArray === 'function' ? await (value as BufferHandle).toArray() : value;
    return unblock(flatten(v, l, id), l);
  },
  release() {},
};

/**
 * webasm: every value is one flat Float32Array, which gpu.js copies into the next kernel's wasm
 * memory with a single `set`. gpu.js shapes a result as one subarray view per row, or per cell
 * for `Array(4)` returns (200,000 views for one ResNet-50 layer-1 conv); `adopt` replaces that
 * shaping on this package's own kernel instances with the flat array itself.
 */
export const flatArrays: ValuePassing = {
  pipeline: false,
  adopt(k) {
    // Kept on this instance only: if gpu.js swaps the instance, `take` still copes.
    if (typeof k.kernel._shapeOutput === 'function') k.kernel._shapeOutput = (data) => data;
  },
  take(r, l, id) {
    const length = elements(l);
    let leaf: unknown = r;
    while (Array.isArray(leaf)) leaf = leaf[0];
    // gpu.js's row views all share one buffer of exactly the result's values.
    if (leaf instanceof Float32Array && leaf.buffer.byteLength === length * 4) {
      return new Float32Array(leaf.buffer, 0, length);
    }
    return flatten(r, l, id);
  },
  async read(value, l) {
    const v = value as Float32Array;
    // The kernel reuses its result buffer on the next run: hand out a copy.
    return l.c4 ? unblock(v, l) : v.slice();
  },
  release() {},
};

/**
 * webgpu: every value is a GPU buffer (gpu.js pipeline handle) that the next kernel binds
 * directly. gpu.js refuses an `Array(4)` result as a kernel argument, although its buffer holds
 * exactly the flat channel-blocked values; the handle is re-made over the same buffer as a flat
 * 1-D result of `N*C*H*W` scalars, which every blocked kernel reads by flat index.
 */
export function gpuBuffers(lib: GpuJs): ValuePassing {
  return {
    pipeline: true,
    adopt() {},
    take(r, l, id) {
      if (!isBufferHandle(r)) throw backendFailed(id, 'gpu.js webgpu kernel returned no GPU buffer');
      if (r.componentCount === 1) return r;
      const flat = new lib.WebGPUBufferResult({
        buffer: r.buffer,
        output: [elements(l)],
        componentCount: 1,
        context: r.context,
        kernel: r.kernel,
      });
      r.delete();
      return flat;
    },
    async read(value, l, id) {
      return unblock(flatten(await (value as BufferHandle).toArray(), l, id), l);
    },
    release(values) {
      // Each handle holds a reference on its kernel's output buffer.
      for (const v of values) if (isBufferHandle(v)) v.delete();
    },
  };
}
