import { ResblocksError } from '@resblocks/spec';

/** gpu.js failed while building or running a kernel, or handed back something unexpected. */
export function backendFailed(
  id: string,
  why: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): ResblocksError {
  return new ResblocksError(
    'BACKEND_FAILED',
    `${id}: ${why}`,
    { backend: id, ...details },
    cause === undefined ? undefined : { cause },
  );
}

/** The WebGPU device gpu.js shares was lost: compiling again opens a fresh one. */
export function deviceLost(id: string, cause?: unknown): ResblocksError {
  return new ResblocksError(
    'DEVICE_LOST',
    `${id}: the WebGPU device was lost; compile the model again to run on a fresh device`,
    { backend: id },
    cause === undefined ? undefined : { cause },
  );
}
