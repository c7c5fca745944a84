/**
 * libjpeg-turbo's TurboJPEG API compiled to WebAssembly (the wasm file of @cwasm/jpeg-turbo, loaded
 * here without that package's Node-only wrapper). Node reads the file from the installed
 * dependency; a browser fetches `jpeg-turbo.wasm` next to this module, or wherever setJpegWasm
 * says.
 */

/** What setJpegWasm accepts: the wasm's URL, its bytes, a compiled module, or a fetch response. */
export type JpegWasmSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response;

interface TurboJpeg {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(
    h: number,
    src: number,
    size: number,
    w: number,
    hgt: number,
    ss: number,
    cs: number,
  ): number;
  tjDecompress2(
    h: number,
    src: number,
    size: number,
    dst: number,
    w: number,
    pitch: number,
    hgt: number,
    format: number,
    flags: number,
  ): number;
  tjDestroy(h: number): number;
}

let source: JpegWasmSource | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Where the JPEG decoder's WebAssembly comes from, for pages that serve it elsewhere than next to
 * this package's modules (or bundle it as bytes). Call before the first JPEG is decoded.
 */
export function setJpegWasm(wasm: JpegWasmSource): void {
  source = wasm;
  compiled = undefined;
}

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

/** Loads a Node built-in without a static import, so browser bundles stay free of it. */
async function nodeModule<T>(id: string): Promise<T> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.getBuiltinModule) return proc.getBuiltinModule(id) as T;
  const specifier = id;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}

async function defaultBytes(): Promise<ArrayBuffer | ArrayBufferView | Response> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.versions?.node) {
    const { createRequire } = await nodeModule<typeof import('node:module')>('node:module');
    const { readFile } = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
    return readFile(createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm'));
  }
  return fetch(new URL('./jpeg-turbo.wasm', import.meta.url));
}

async function compile(): Promise<WebAssembly.Module> {
  let s: JpegWasmSource = source ?? (await defaultBytes());
  if (s instanceof WebAssembly.Module) return s;
  if (typeof s === 'string' || s instanceof URL) s = await fetch(s);
  if (typeof Response !== 'undefined' && s instanceof Response) {
    if (!s.ok) throw new Error(`cannot load the JPEG decoder from ${s.url}: HTTP ${s.status}`);
    s = await s.arrayBuffer();
  }
  return WebAssembly.compile(s as BufferSource);
}

/** The compiled decoder, loaded once. */
export function jpegModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = compile();
    compiled.catch(() => {
      compiled = undefined; // let a later call try again
    });
  }
  return compiled;
}

/** Raised by the module's longjmp: libjpeg-turbo gave up on the file. */
export class JpegAbort extends Error {}

const IMPORTS = {
  // TurboJPEG recovers from libjpeg's errors with setjmp/longjmp: setjmp returns 0 once, and a
  // longjmp unwinds by a JavaScript exception, after which the instance is thrown away.
  env: {
    setjmp: () => 0,
    longjmp: () => {
      throw new JpegAbort('libjpeg-turbo stopped on an error in the file');
    },
  },
  wasi_snapshot_preview1: {
    environ_sizes_get: () => 0,
    environ_get: () => 0,
    proc_exit: () => {
      throw new JpegAbort('libjpeg-turbo exited');
    },
    fd_close: () => 0,
    fd_seek: () => 0,
    fd_write: () => 0,
  },
};

/** An instance whose memory grew past this is dropped after use: wasm memory never shrinks. */
const KEEP_BYTES = 64 * 2 ** 20;
let idle: TurboJpeg | undefined;

/** An instance to decode with (the idle one, or a fresh one); give it back with releaseTurboJpeg. */
export async function acquireTurboJpeg(): Promise<TurboJpeg> {
  const module = await jpegModule();
  const tj = idle;
  idle = undefined;
  if (tj) return tj;
  const instance = await WebAssembly.instantiate(module, IMPORTS);
  return instance.exports as unknown as TurboJpeg;
}

/**
 * Keeps the instance for the next file unless it aborted (a longjmp leaves its stack and heap
 * unwound by force) or grew large.
 */
export function releaseTurboJpeg(tj: TurboJpeg, healthy: boolean): void {
  if (healthy && tj.memory.buffer.byteLength <= KEEP_BYTES) idle = tj;
}
