import { describe, expect, it } from 'vitest';
import { printProblems } from '../src/commands/verify/report.js';
import type { ConformanceReport } from '../src/conformance.js';

const report: ConformanceReport = {
  backend: 'tfjs:wasm',
  info: {},
  startedAt: '2025-01-01T00:00:00.000Z',
  cases: [
    {
      id: 'fixture/networks/resnet8_cifar',
      group: 'networks',
      backend: 'tfjs:wasm',
      status: 'fail',
      fraction: 52.1,
      durationMs: 10,
      message: 'max |err| 1.2e-3 vs budget 2.3e-5',
      divergence: {
        node: 'layer3.0.bn1',
        module: 'layer3.0.bn1',
        op: 'conv2d',
        fraction: 31.4,
        verdict:
          'tfjs:wasm diverges from reference:float64 at layer3.0.bn1, conv2d with layer3.0.conv1 folded in',
      },
    },
  ],
  summary: { passed: 0, failed: 1, skipped: 0, worstFraction: 52.1, durationMs: 10 },
};

function printed(details: boolean): string {
  const lines: string[] = [];
  printProblems({ out: (t) => lines.push(t), err: () => {}, errIsTTY: false }, [report], details);
  return lines.join('\n');
}

describe('verify --details', () => {
  it('names the first node over budget of a failing case', () => {
    expect(printed(true)).toContain('first node over budget: layer3.0.bn1 (conv2d, 3140% of its budget)');
    expect(printed(false)).not.toContain('first node over budget');
  });
});
