import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import { CaseFailure } from '../check.js';
import type { CaseGroup, ConformanceCase } from '../types.js';

/**
 * The first case of every run: the backend must really be the one requested. A backend that
 * silently fell back (tfjs to cpu, ORT to wasm, gpu.js to cpu) fails here.
 */
export const identityCase: ConformanceCase = {
  id: 'backend/identity',
  group: 'backend',
  async run(ctx) {
    const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'identity');
    const model = await ctx.compile(graph, initWeights(graph, 1));
    try {
      await model.run(seededInput([1, 4, 4, 4], 1));
      const info = model.info();
      if (model.backend !== ctx.id)
        throw new CaseFailure(`compiled model says it is ${model.backend}, expected ${ctx.id}`);
      if (info.backend !== ctx.backend) {
        throw new CaseFailure(
          `requested backend '${ctx.backend}' but the engine ran on '${String(info.backend)}' (info: ${JSON.stringify(info)})`,
        );
      }
      const problem = ctx.options.expectInfo?.(info);
      if (problem) throw new CaseFailure(`backend check failed: ${problem} (info: ${JSON.stringify(info)})`);
    } finally {
      await model.dispose();
    }
    return {};
  },
};

export const backendGroup: CaseGroup = { name: 'backend', cases: () => [identityCase] };
