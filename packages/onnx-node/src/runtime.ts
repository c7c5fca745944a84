import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { INPUT_NAME, probeModel } from '@resblocks/onnx';
import { describeError, isSoftwareRenderer } from '@resblocks/spec';
import type * as OrtModule from 'onnxruntime-node';
import { misplaced, profileFolder } from './placement.js';
import type { ExecutionProvider } from './providers.js';

export type Ort = typeof OrtModule;
export type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;
type SessionOptions = OrtModule.InferenceSession.SessionOptions;

/** onnxruntime-node opened for one execution provider, after a probe model really ran on it. */
export interface OpenedProvider {
  readonly ep: ExecutionProvider;
  readonly ort: Ort;
  readonly version: string;
  /** webgpu: the Vulkan driver (ICD) the process uses, when one was named. */
  readonly vulkanIcd?: string;
}

/** Sessions held open for the life of the process (see openProvider). */
const anchors: Session[] = [];

const PEER = 'onnxruntime-node@1.30.0';
const here = `${process.platform}/${process.arch}`;

async function loadOrt(): Promise<Ort> {
  try {
    const m = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    return m.default ?? m;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      /'onnxruntime-node'/.test(describeError(e))
    ) {
      throw new Error(`onnxruntime-node is not installed (a peer dependency): npm install ${PEER}`);
    }
    throw new Error(`onnxruntime-node failed to load on ${here}: ${describeError(e)}`);
  }
}

/** Session options that put every node on `ep` or fail: ORT's CPU fallback is off for the others. */
export function sessionOptions(ep: ExecutionProvider): SessionOptions {
  return {
    executionProviders: [ep.name],
    graphOptimizationLevel: 'all',
    ...(ep.name === 'cpu' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
  };
}

/** Why onnxruntime-node cannot offer `ep` here before any session is tried, or undefined. */
function missing(ort: Ort, ep: ExecutionProvider): string | undefined {
  const offered = ort.listSupportedBackends();
  const entry = offered.find((b) => b.name === ep.name);
  const version = ort.env.versions.node ?? 'unknown';
  if (!entry) {
    const list = offered.map((b) => (b.bundled ? b.name : `${b.name} (downloaded separately)`)).join(', ');
    if (!ep.platforms.includes(here)) {
      return `wrong platform: onnxruntime-node ships the ${ep.ortProvider} only for ${ep.platforms.join(', ')}, and this is ${here} (onnxruntime-node ${version} here offers ${list})`;
    }
    return `not built into this install: onnxruntime-node ${version} (${here}) has no ${ep.ortProvider} (it offers ${list})`;
  }
  const problems: string[] = [];
  if (!entry.bundled && ep.providerLibrary) {
    const binding = join(
      dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
      '..',
      'bin',
      'napi-v6',
      process.platform,
      process.arch,
    );
    if (!existsSync(join(binding, ep.providerLibrary.file))) {
      problems.push(
        `the ${ep.ortProvider}'s library (${ep.providerLibrary.file}) is not installed in ${binding}: ${ep.providerLibrary.install}`,
      );
    }
  }
  if (ep.name === 'cuda' && process.platform === 'linux' && !existsSync('/proc/driver/nvidia/version')) {
    problems.push('no NVIDIA driver is loaded (/proc/driver/nvidia/version is missing)');
  }
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * Loads onnxruntime-node and proves `ep` works: a one-node model runs on it with profiling on, and
 * the profile must show the node on that provider. Throws an Error saying why not.
 */
export async function openProvider(ep: ExecutionProvider): Promise<OpenedProvider> {
  const ort = await loadOrt();
  const why = missing(ort, ep);
  if (why) throw new Error(why);
  let vulkanIcd: string | undefined;
  if (ep.name === 'webgpu' && process.platform === 'linux') {
    // ORT's Dawn reads the Vulkan driver once, at its first WebGPU session.
    const { useSwiftShaderWithoutGpu } = await import('@resblocks/spec/node-webgpu');
    vulkanIcd = useSwiftShaderWithoutGpu() ?? process.env.VK_ICD_FILENAMES;
  }
  const probe = probeModel();
  const profile = profileFolder();
  try {
    let session: Session;
    try {
      session = await ort.InferenceSession.create(probe.bytes, {
        ...sessionOptions(ep),
        enableProfiling: true,
        profileFilePrefix: profile.prefix,
      });
    } catch (e) {
      throw new Error(`onnxruntime-node could not create a ${ep.ortProvider} session: ${firstLine(e)}`);
    }
    try {
      const x = new ort.Tensor('float32', probe.input, probe.shape);
      const y = (await session.run({ [INPUT_NAME]: x })).output?.data as Float32Array | undefined;
      if (String(y && [...y]) !== String(probe.expected)) {
        throw new Error(`the probe model gave ${y ? [...y] : 'nothing'}, not ${probe.expected}`);
      }
      session.endProfiling();
    } finally {
      await session.release();
    }
    const wrong = misplaced(profile.read(), ep.ortProvider);
    if (wrong) throw new Error(`onnxruntime-node did not run on ${ep.name}: ${wrong}`);
    if (ep.name === 'webgpu') {
      // ORT keeps its WebGPU context (the device and its compiled shaders) only while a session
      // lives: one stays open, so models compiled one after another share the shaders.
      anchors.push(await ort.InferenceSession.create(probe.bytes, sessionOptions(ep)));
    }
  } finally {
    profile.remove();
  }
  return { ep, ort, version: ort.env.versions.node ?? 'unknown', ...(vulkanIcd ? { vulkanIcd } : {}) };
}

/** Whether the provider computes on a CPU implementation of a GPU API (SwiftShader's Vulkan). */
export function isSoftware(p: OpenedProvider): boolean {
  return p.ep.name === 'webgpu' && isSoftwareRenderer(p.vulkanIcd);
}

export function firstLine(e: unknown): string {
  return describeError(e).split('\n')[0]!.trim();
}
