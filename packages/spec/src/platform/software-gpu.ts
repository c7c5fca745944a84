/**
 * CPU implementations of GPU APIs: SwiftShader (Chromium's Vulkan/WebGPU/WebGL), Mesa's llvmpipe and
 * lavapipe, and renderers that call themselves software. They are correct but slow, so probes report
 * them as `device: 'software'` and the chooser ranks them below wasm.
 */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software/i;

export function isSoftwareRenderer(...descriptions: readonly (string | undefined)[]): boolean {
  return SOFTWARE_RENDERER.test(descriptions.filter(Boolean).join(' '));
}
