/** Each case must have run this engine's kernels on a WebGPU adapter, and say which, with the given storage. */
export const expectEngine = (storage: 'f32' | 'f16') => (info: Readonly<Record<string, unknown>>) =>
  info.engine !== 'resblocks WGSL'
    ? `ran '${String(info.engine)}', not the WGSL engine`
    : !info.adapter
      ? 'no WebGPU adapter info'
      : String(info.storage).startsWith(storage)
        ? undefined
        : `stored ${String(info.storage)}, expected ${storage}`;
