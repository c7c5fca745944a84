import { defineConfig } from 'vitepress';

// Build: npx vitepress build docs. Dead internal links fail the build (VitePress default).
export default defineConfig({
  title: 'resblocks',
  description: 'ResNet and ResNeXt blocks that agree on every JavaScript backend',
  cleanUrls: false,
  lastUpdated: false,
  // The generator script and its data are inputs, not pages.
  srcExclude: ['scripts/**', 'data/**', 'README.md'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'API', link: '/api/' },
      { text: 'Benchmarks', link: '/guide/benchmarks' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Choosing a backend', link: '/guide/choosing-a-backend' },
          { text: 'Vite and webpack', link: '/guide/bundlers' },
          { text: 'Block contracts and variants', link: '/guide/blocks' },
          { text: 'Tolerance policy', link: '/guide/tolerance' },
          { text: 'Conformance report', link: '/guide/conformance' },
          { text: 'Finding where backends diverge', link: '/guide/divergence' },
          { text: 'Trained model', link: '/guide/trained-model' },
          { text: 'Benchmarks', link: '/guide/benchmarks' },
        ],
      },
      {
        text: 'API',
        items: [
          { text: 'Overview', link: '/api/' },
          { text: '@resblocks/spec', link: '/api/spec' },
          { text: '@resblocks/image', link: '/api/image' },
          { text: '@resblocks/conformance', link: '/api/conformance' },
          { text: '@resblocks/tfjs', link: '/api/tfjs' },
          { text: '@resblocks/onnx', link: '/api/onnx' },
          { text: '@resblocks/onnx-web', link: '/api/onnx-web' },
          { text: '@resblocks/onnx-node', link: '/api/onnx-node' },
          { text: '@resblocks/gpujs', link: '/api/gpujs' },
          { text: '@resblocks/webgpu', link: '/api/webgpu' },
          { text: '@resblocks/worker', link: '/api/worker' },
          { text: 'resblocks (CLI)', link: '/api/cli' },
        ],
      },
      {
        text: 'Internals',
        items: [
          { text: 'How it fits together', link: '/internals/how-it-fits-together' },
          { text: 'Writing an adapter', link: '/internals/writing-an-adapter' },
          { text: 'How the WGSL engine works', link: '/internals/wgsl-engine' },
        ],
      },
      { text: 'Project', items: [{ text: 'Releasing', link: '/release' }] },
    ],
    search: { provider: 'local' },
  },
});
