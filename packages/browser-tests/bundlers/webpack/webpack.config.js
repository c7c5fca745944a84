export default {
  mode: 'production',
  entry: './main.js',
  output: { path: new URL('./dist/', import.meta.url).pathname, clean: true },
  // @resblocks/spec and @resblocks/onnx-web import Node's built-ins on their Node-only paths (WebGPU through
  // Dawn, fixtures from disk): left to the runtime, never loaded in a browser.
  externalsPresets: { node: true },
};
