/** What the demo page is made of: its entries (the page and the worker that runs the live video's model) and the files copied next to the bundle. */
export const DEMO_ENTRIES = { demo: 'demo/demo.ts', 'hosted-worker': 'src/page/hosted-worker.ts' };
export const DEMO_FILES = {
  'index.html': 'demo/index.html',
  'sample.png': 'demo/sample.png',
  'labels.json': '../cli/imagenet-labels.json',
  'jpeg-turbo.wasm': '../image/dist/jpeg-turbo.wasm',
};
