import type { BackendApi } from '@resblocks/spec';

/** The execution providers onnxruntime-node can be built with, as resblocks backends. */
export interface ExecutionProvider {
  /** The resblocks backend name and the name onnxruntime-node takes in `executionProviders`. */
  readonly name: 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
  readonly api: BackendApi;
  readonly description: string;
  /** What ONNX Runtime calls it in profiles and logs. */
  readonly ortProvider: string;
  /** `process.platform/process.arch` pairs onnxruntime-node ships it for (its README's table). */
  readonly platforms: readonly string[];
  /** Where its library comes from when onnxruntime-node lists it as not bundled. */
  readonly providerLibrary?: { readonly file: string; readonly install: string };
  /** Whether NaN/Inf inputs propagate like PyTorch (true), or why not. */
  readonly nonFinite: true | string;
}

export const PROVIDERS: readonly ExecutionProvider[] = [
  {
    name: 'cpu',
    api: 'native',
    description: 'ONNX Runtime native CPU execution provider (MLAS kernels, all cores)',
    ortProvider: 'CPUExecutionProvider',
    platforms: ['linux/x64', 'linux/arm64', 'darwin/x64', 'darwin/arm64', 'win32/x64', 'win32/arm64'],
    nonFinite: true,
  },
  {
    name: 'cuda',
    api: 'native',
    description: 'ONNX Runtime CUDA execution provider (NVIDIA GPUs, CUDA 12 and cuDNN 9)',
    ortProvider: 'CUDAExecutionProvider',
    platforms: ['linux/x64'],
    providerLibrary: {
      file: 'libonnxruntime_providers_cuda.so',
      install:
        "onnxruntime-node's install script downloads them: reinstall it with install scripts allowed and ONNXRUNTIME_NODE_INSTALL=cuda12 (npm rebuild onnxruntime-node --ignore-scripts=false)",
    },
    nonFinite: true,
  },
  {
    name: 'dml',
    api: 'native',
    description: 'ONNX Runtime DirectML execution provider (any DirectX 12 GPU on Windows)',
    ortProvider: 'DmlExecutionProvider',
    platforms: ['win32/x64', 'win32/arm64'],
    nonFinite: true,
  },
  {
    name: 'coreml',
    api: 'native',
    description: 'ONNX Runtime Core ML execution provider (Apple GPU and Neural Engine on macOS)',
    ortProvider: 'CoreMLExecutionProvider',
    platforms: ['darwin/x64', 'darwin/arm64'],
    nonFinite: true,
  },
  {
    name: 'webgpu',
    api: 'webgpu',
    description:
      "ONNX Runtime WebGPU execution provider, native (Dawn inside onnxruntime-node: Vulkan, D3D12 or Metal); SwiftShader's Vulkan when Linux has no GPU",
    ortProvider: 'WebGpuExecutionProvider',
    platforms: ['linux/x64', 'darwin/x64', 'darwin/arm64', 'win32/x64', 'win32/arm64'],
    // Measured with the conformance suite on SwiftShader: NaN inputs come out finite.
    nonFinite: "ONNX Runtime's WebGPU kernels do not propagate NaN/Inf like PyTorch",
  },
];
