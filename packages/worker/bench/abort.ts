// How long an aborted run takes to reject, on the plain adapter (the abort lands after the pass)
// and through the worker host (the worker is ended), and what the next run costs (it compiles
// again in a fresh worker). `npx tsx bench/abort.ts [adapter:backend] [batch]`
import { onnxWebAdapter } from '@resblocks/onnx-web';
import { type Adapter, type CompiledModel, initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { tfjsAdapter } from '@resblocks/tfjs';
import { hostAdapter } from '@resblocks/worker';

const [which = 'onnx-web:wasm', batchArg = '4'] = process.argv.slice(2);
const [adapterId, backend = 'wasm'] = which.split(':');
const adapter: Adapter = adapterId === 'tfjs' ? tfjsAdapter : onnxWebAdapter;
const graph = networkGraph('resnet50');
const weights = initWeights(graph, 0);
const x = seededInput([Number(batchArg), 3, 224, 224], 1);
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

/** From the moment abort() was due to the moment the run settled (a busy main thread delays both). */
async function abortAfter(model: CompiledModel, delayMs: number): Promise<string> {
  const controller = new AbortController();
  const due = performance.now() + delayMs;
  setTimeout(() => controller.abort(), delayMs);
  const how = await model.run(x, { signal: controller.signal }).then(
    () => 'resolved with the result',
    (e: { code?: string }) => `rejected ${e.code}`,
  );
  return `${how} ${(performance.now() - due).toFixed(0)} ms after abort() was due`;
}

for (const [label, a] of [
  ['plain', adapter],
  ['hosted', hostAdapter(adapter)],
] as const) {
  let t = performance.now();
  const model = await a.compile(graph, weights, { backend });
  console.log(`${label} ${which} resnet50 224 batch ${batchArg}: compile ${ms(t)}`);
  t = performance.now();
  const first = await model.run(x);
  console.log(`  first pass ${ms(t)}`);
  t = performance.now();
  await model.run(x);
  console.log(`  second pass ${ms(t)}`);
  console.log(`  abort 200 ms into a pass: ${await abortAfter(model, 200)}`);
  t = performance.now();
  const again = await model.run(x);
  const same = again.data.every((v, i) => Object.is(v, first.data[i]));
  console.log(`  next run ${ms(t)} (${same ? 'bit-identical' : 'DIFFERENT'})`);
  t = performance.now();
  await model.run(x);
  console.log(`  run after that ${ms(t)}`);
  await model.dispose();
  if ('terminateWorkers' in a) a.terminateWorkers();
}
