/** What the demo page is made of: its entries (the page and the live-video worker) and the files copied next to the bundle. */
export const DEMO_ENTRIES = { demo: 'demo/demo.ts', 'video-worker': 'demo/video-worker.ts' };
export const DEMO_FILES = {
  'index.html': 'demo/index.html',
  'sample.png': 'demo/sample.png',
  'labels.json': '../cli/imagenet-labels.json',
  'jpeg-turbo.wasm': '../image/dist/jpeg-turbo.wasm',
};
