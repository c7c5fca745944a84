import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CI = process.env.CI === 'true' || process.env.CI === '1';

interface Outcome {
  data?: number[];
  code?: string | null;
  message?: string;
  hung?: boolean;
}
interface Report {
  backend: string;
  unavailable?: string;
  error?: string;
  expected?: number[];
  devices?: number;
  inFlight?: Outcome;
  next?: Outcome;
  compileAgain?: Outcome;
}

/**
 * Each WebGPU backend with its GPU device destroyed (as a driver reset would): the run in flight
 * and the next one reject with DEVICE_LOST (the one in flight may also finish first, correctly),
 * and compiling again gets a fresh device and the same results. The devices are taken from
 * navigator.gpu (Dawn) in a child process, so a runtime that crashes or hangs fails only its check.
 *
 * `status` says how far each backend's adapter is: 'kit' (reports device loss through the adapter
 * kit: the check must pass), 'wrong-error' (rejects, but not with DEVICE_LOST: an expected failure,
 * it.fails, until it does) or 'hangs' (the next run after the loss blocks the process in native
 * code, so the check is skipped rather than costing its whole time limit). When an adapter moves
 * to the kit its status becomes 'kit'.
 */
const BACKENDS: readonly { id: string; status: 'kit' | 'wrong-error' | 'hangs' }[] = [
  { id: 'tfjs:webgpu', status: 'kit' },
  { id: 'gpujs:webgpu', status: 'kit' },
  { id: 'onnx-web:webgpu', status: 'hangs' },
];

const child = fileURLToPath(new URL('./child/device-loss.mjs', import.meta.url));

/** The child's report for one backend; a child that hangs is killed after `timeout`. */
async function destroyDevice(id: string): Promise<Report> {
  const { stdout } = await promisify(execFile)(process.execPath, [child, id], {
    timeout: 120_000,
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Report;
}

describe.each(BACKENDS)('$id after its GPU device is destroyed', ({ id, status }) => {
  (status === 'kit' ? it : status === 'wrong-error' ? it.fails : it.skip)(
    'rejects with DEVICE_LOST, then compiles afresh with the same results',
    async (ctx) => {
      const r = await destroyDevice(id);
      if (r.unavailable) {
        expect(CI, `${id} is not available: ${r.unavailable}`).toBe(false);
        ctx.skip();
      }
      expect(r.error).toBeUndefined();
      expect(r.devices, 'the backend asked navigator.gpu for a device').toBeGreaterThan(0);
      const lost = { code: 'DEVICE_LOST' };
      if (r.inFlight?.data) expect(r.inFlight.data).toEqual(r.expected);
      else expect(r.inFlight).toMatchObject(lost);
      expect(r.next).toMatchObject(lost);
      expect(r.compileAgain?.data).toEqual(r.expected);
    },
    300_000,
  );
});
