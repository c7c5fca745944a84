interface GlLike {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
}

/** GL_RENDERER, reported when the browser hides the unmasked renderer. */
const GL_RENDERER = 0x1f01;

/**
 * The WebGL renderer string (e.g. "ANGLE (Google, Vulkan ... SwiftShader ...)") of a fresh canvas, or
 * undefined where there is no document or no context of that version.
 */
export function webglRenderer(version: 1 | 2 = 2): string | undefined {
  const doc = (globalThis as { document?: { createElement(t: string): unknown } }).document;
  const canvas = doc?.createElement('canvas') as { getContext(t: string): GlLike | null } | undefined;
  const gl = version === 2 ? canvas?.getContext('webgl2') : canvas?.getContext('webgl');
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const r = gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : GL_RENDERER);
  return typeof r === 'string' ? r : undefined;
}
