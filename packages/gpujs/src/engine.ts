import type { WebGpuAdapterInfo } from '@resblocks/spec';
import type { GpuInstance, GpuJs, WebGPUContext } from './gpujs-api.js';
import type { KernelFamily } from './kernel-family.js';
import type { ValuePassing } from './value-passing.js';

/** gpu.js modes this adapter exposes, each backend named after the mode that runs it. */
export type GpujsMode = 'webgpu' | 'webgl2' | 'webasm' | 'cpu';

/** One opened gpu.js mode: the instance every model of that backend builds its kernels on. */
export interface Engine {
  readonly mode: GpujsMode;
  readonly lib: GpuJs;
  readonly gpu: GpuInstance;
  /** The kernels this mode's code generator compiles well, and how values pass between them. */
  readonly family: KernelFamily;
  readonly passing: ValuePassing;
  /** webgpu: the device gpu.js shares, and the adapter it came from. */
  readonly context?: WebGPUContext;
  readonly adapter?: WebGpuAdapterInfo;
  /** webgl2: the WebGL renderer. */
  readonly renderer?: string;
  /**
   * Whether each model needs a gpu.js instance of its own. GL kernels of one instance share a
   * context whose vertex state points at the buffer of the kernel built last: destroying that
   * kernel (another model's dispose) leaves every other kernel drawing nothing.
   */
  readonly instancePerModel?: boolean;
}
