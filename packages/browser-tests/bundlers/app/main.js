// The page both apps build: resnet8_cifar on every browser backend, compared with the float64 reference
// under the tolerance policy. `?backends=tfjs:wasm,onnx-web:wasm` runs some of them; `?tfjs-wasm=/prefix/` and
// `?ort-wasm=/prefix/` host the engines' wasm elsewhere, as the bundlers guide shows. The result is shown in a
// table and kept in `window.resblocks` for the test.
import { gpujsAdapter } from '@resblocks/gpujs';
import { onnxWebAdapter } from '@resblocks/onnx-web';
import {
  compareTensors,
  describeComparison,
  errorModel,
  initWeights,
  networkGraph,
  referenceAdapter,
  runReference,
  seededInput,
} from '@resblocks/spec';
import { tfjsAdapter } from '@resblocks/tfjs';

const ADAPTERS = {
  reference: referenceAdapter,
  tfjs: tfjsAdapter,
  'onnx-web': onnxWebAdapter,
  gpujs: gpujsAdapter,
};
const ALL = [
  'reference:float64',
  'tfjs:webgpu',
  'tfjs:webgl',
  'tfjs:wasm',
  'onnx-web:webgpu',
  'onnx-web:wasm',
  'gpujs:webgpu',
  'gpujs:webgl2',
];

const params = new URLSearchParams(location.search);
if (params.get('tfjs-wasm')) {
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(params.get('tfjs-wasm'));
}
if (params.get('ort-wasm')) {
  for (const ort of [await import('onnxruntime-web'), await import('onnxruntime-web/webgpu')]) {
    ort.env.wasm.wasmPaths = params.get('ort-wasm');
  }
}

const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 1);
const input = seededInput([1, 3, 32, 32], 1);
const expected = runReference(graph, weights, input);

async function check(id) {
  const [name, backend] = id.split(':');
  const adapter = ADAPTERS[name];
  const started = performance.now();
  try {
    const model = await adapter.compile(graph, weights, { backend });
    try {
      const y = await model.run(input);
      const c = compareTensors(y.data, expected.data, adapter.dtype(backend), errorModel(graph));
      return {
        backend: id,
        pass: c.pass,
        fraction: c.fraction,
        message: describeComparison(c),
        ran: model.info().backend,
      };
    } finally {
      await model.dispose();
    }
  } catch (e) {
    return {
      backend: id,
      pass: false,
      code: e.code,
      message: e.message,
      details: e.cause?.details ?? e.details,
    };
  } finally {
    console.log(`${id}: ${Math.round(performance.now() - started)} ms`);
  }
}

const wanted = params.get('backends')?.split(',') ?? ALL;
const table = document.querySelector('#results');
const results = [];
for (const id of wanted) {
  const r = await check(id);
  results.push(r);
  const row = table.insertRow();
  row.insertCell().textContent = r.backend;
  row.insertCell().textContent = r.pass ? 'pass' : 'FAIL';
  row.insertCell().textContent = r.message;
}
window.resblocks = { crossOriginIsolated, results };
document.title = 'done';
