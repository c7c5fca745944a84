// Destroys the GPU device under each WebGPU backend named on the command line and prints one JSON
// line per backend: what the in-flight run, the next run and a fresh compile did. Run as a child
// process, so a runtime that crashes or hangs on a lost device fails its own check, not the tests.
import { blockContract, initWeights, lowerBlock, parseBackendId, seededInput } from '@resblocks/spec';
import { ensureNodeWebGPU } from '@resblocks/spec/node-webgpu';
import { loadAdapters, usable } from '../../dist/adapters.js';

/** How long a step may take before it counts as hung (a tiny block; SwiftShader needs ~1 s). */
const STEP_MS = 10_000;

/** Settles with what the promise did, or `{ hung: true }` after STEP_MS. */
function outcome(promise) {
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ hung: true }), STEP_MS);
  });
  const settled = promise.then(
    (y) => ({ data: Array.from(y.data) }),
    (e) => ({
      code: e?.code ?? null,
      message: String(e?.message ?? e)
        .split('\n')[0]
        .slice(0, 300),
    }),
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}

await ensureNodeWebGPU();
// Every device an engine asks for is recorded, so it can be destroyed as a driver reset would.
const devices = [];
const proto = globalThis.GPUAdapter.prototype;
const requestDevice = proto.requestDevice;
proto.requestDevice = async function (...args) {
  const device = await requestDevice.apply(this, args);
  devices.push(device);
  return device;
};
const adapters = usable(await loadAdapters());
const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'lost');
const weights = initWeights(graph, 1);
const x = seededInput([1, 4, 6, 6], 2);

for (const id of process.argv.slice(2)) {
  const report = { backend: id };
  devices.length = 0; // only the devices this backend asks for
  try {
    const { adapter: adapterId, backend } = parseBackendId(id);
    const adapter = adapters.find((a) => a.id === adapterId);
    const probe = await adapter.probe(backend);
    if (!probe.available) report.unavailable = probe.reason;
    else {
      const model = await adapter.compile(graph, weights, { backend });
      report.expected = Array.from((await model.run(x)).data);
      report.devices = devices.length;
      const inFlight = outcome(model.run(x));
      for (const d of devices.splice(0)) d.destroy();
      report.inFlight = await inFlight;
      report.next = await outcome(model.run(x));
      await outcome(model.dispose().then(() => ({ data: [] })));
      report.compileAgain = await outcome(
        adapter.compile(graph, weights, { backend }).then(async (m) => {
          const y = await m.run(x);
          await m.dispose();
          return y;
        }),
      );
    }
  } catch (e) {
    report.error = String(e?.stack ?? e).slice(0, 600);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
process.exit(0);
