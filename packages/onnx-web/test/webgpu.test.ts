import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { assertMatchesReference, graphCase, materials } from '@resblocks/conformance';
import { exportOnnx } from '@resblocks/onnx';
import { seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { createWebGpuSessionForcingCpu } from '../src/adapter.js';
import { keepAliveActive } from '../src/dawn.js';
import { type OnnxWebCompileOptions, onnxWebAdapter } from '../src/index.js';

const adapter = onnxWebAdapter;
const availability = await adapter.probe('webgpu');
const CI = process.env.CI === 'true' || process.env.CI === '1';

describe('onnx-web:webgpu', () => {
  const why = availability.available ? '' : ` (skipped outside CI: ${availability.reason})`;
  it.skipIf(!availability.available && !CI)(`is available (required under CI=true)${why}`, () => {
    expect(availability.available, availability.reason).toBe(true);
    expect(availability.info).toMatchObject({ backend: 'webgpu', executionProvider: 'webgpu' });
    expect(['gpu', 'software']).toContain(availability.device);
  });

  it.skipIf(!availability.available)(
    'a tiny block runs on the WebGPU EP and matches (networks: see the conformance suite)',
    async () => {
      // One avgdown block (conv, folded BN, relu, add, ceil-mode avg pool): SwiftShader compiles
      // every shader on the CPU, so each extra case costs seconds.
      for (const c of [graphCase('blocks/avgdown-stride2-ceil-7x9')]) {
        const { graph, weights } = materials(c);
        const x = seededInput(c.shape, 2);
        const m = await adapter.compile(graph, weights, { backend: 'webgpu' });
        const y = await m.run(x);
        const info = m.info();
        expect(info.backend).toBe('webgpu');
        expect(info.adapter).toBeTruthy();
        assertMatchesReference(graph, weights, x, y, `${c.id}: `);
        await m.dispose();
      }
      // The dawn.node keep-alive timer must not outlive the work.
      expect(keepAliveActive()).toBe(false);
    },
    600_000,
  );

  it.skipIf(!availability.available)(
    'NCHW layout, and a fixed shape with graph capture (GPU-resident input and output), match the reference',
    async () => {
      const c = graphCase('blocks/basic-identity-7x9-batch3');
      const { graph, weights } = materials(c);
      // A fixed input shape turns graph capture on by default (measured: 3x faster at batch 1 on an H100).
      for (const [extra, settings] of [
        [{ layout: 'NCHW' }, { layout: 'NCHW', graphCapture: false }],
        [{ inputShape: [...c.shape] }, { layout: 'NHWC', inputShape: [...c.shape], graphCapture: true }],
      ] satisfies [Omit<OnnxWebCompileOptions, 'backend'>, object][]) {
        const m = await adapter.compile(graph, weights, {
          backend: 'webgpu',
          ...extra,
        } as OnnxWebCompileOptions);
        try {
          // Twice: a captured graph records on the first run and replays on the second.
          for (const seed of [4, 5]) {
            const x = seededInput(c.shape, seed);
            assertMatchesReference(
              graph,
              weights,
              x,
              await m.run(x),
              `${JSON.stringify(extra)} run ${seed - 3}: `,
            );
          }
          expect(m.info().session).toMatchObject(settings);
        } finally {
          await m.dispose();
        }
      }
    },
    600_000,
  );

  it.skipIf(!availability.available)(
    'a lost GPU device rejects runs with DEVICE_LOST; compiling again gets a working device',
    async () => {
      const c = graphCase('blocks/basic-identity-7x9-batch3');
      const { graph, weights } = materials(c);
      const x = seededInput(c.shape, 6);
      const m = await adapter.compile(graph, weights, { backend: 'webgpu' });
      const before = await m.run(x);
      const ort = (await import('onnxruntime-web/webgpu')) as unknown as {
        env: { webgpu: { device: { destroy(): void; lost: Promise<unknown> } } };
      };
      const device = ort.env.webgpu.device;
      device.destroy();
      await device.lost;
      await expect(m.run(x)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
      // The old model still holds its session on the lost device: the new one must not land there.
      const again = await adapter.compile(graph, weights, { backend: 'webgpu' });
      try {
        expect(Array.from((await again.run(x)).data)).toEqual(Array.from(before.data));
        expect(again.info().device).toContain('onnxruntime-web lost its own');
        await m.dispose();
        expect(Array.from((await again.run(x)).data)).toEqual(Array.from(before.data));
      } finally {
        await again.dispose();
      }
    },
    600_000,
  );

  it.skipIf(!availability.available)(
    'a node forced off the WebGPU EP fails session creation (no silent CPU)',
    async () => {
      const { graph, weights } = materials(graphCase('blocks/basic-identity-7x9-batch3'));
      const bytes = exportOnnx(graph, weights);
      await expect(createWebGpuSessionForcingCpu(bytes, ['relu1'])).rejects.toThrow(
        /fallback to CPU EP has been explicitly disabled/,
      );
    },
  );

  it.skipIf(!availability.available)(
    "starting the WebGPU runtime leaves its huge start-up functions to V8's baseline compiler",
    async () => {
      // Recompiling them with TurboFan costs ~45 s of CPU, and process exit waits for it (see
      // src/tiering.ts). A child process probes with V8's compile trace on and then exits.
      const index = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href;
      const script = [
        `import { writeSync } from 'node:fs';`,
        `import { onnxWebAdapter } from ${JSON.stringify(index)};`,
        `const a = await onnxWebAdapter.probe('webgpu');`,
        // On stderr, written at once: V8's trace fills stdout through its own buffer.
        `writeSync(2, 'PROBE ' + a.available + ' ' + (a.reason ?? '') + '\\n');`,
        'process.exit(0);',
      ].join('\n');
      const started = performance.now();
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--trace-wasm-compilation-times', '--input-type=module', '-e', script],
        // Without the fix the child only exits after the TurboFan compiles (~45 s of CPU).
        { maxBuffer: 64 << 20, timeout: 240_000 },
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      expect(stderr, `the child's probe (stderr: ${stderr.slice(-2000)})`).toContain('PROBE true');
      // One line per compiled function:
      // "Compiled function 0x..#10038 using Liftoff, took 115 ms and ... bodysize 1510955 ..."
      const huge = [...stdout.matchAll(/^Compiled function \S*#(\d+) using (\w+),.* bodysize (\d+)/gm)]
        .filter((m) => Number(m[3]) > 1_000_000)
        .map((m) => `#${m[1]} ${m[2]}`);
      const seen = `child ran ${seconds} s; huge functions: ${huge.join(', ') || 'none'}`;
      expect(
        huge.filter((h) => h.endsWith('Liftoff')).length,
        `the trace shows them (${seen})`,
      ).toBeGreaterThan(0);
      expect(
        huge.filter((h) => !h.endsWith('Liftoff')),
        seen,
      ).toEqual([]);
    },
    300_000,
  );
});
