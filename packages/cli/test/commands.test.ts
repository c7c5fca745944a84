import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareTensors,
  describeComparison,
  errorModel,
  initWeights,
  networkGraph,
  readWeights,
  runReference,
} from '@resblocks/spec';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BackendRow, resolveBackends } from '../src/adapters.js';
import { decodeImage, preprocessImageNet } from '../src/image.js';
import { parseNpy } from '../src/npy.js';
import { writeSeededFiles } from './fixtures-files.js';
import { cli, resblocks, tempDir } from './spawn.js';

const graph = networkGraph('resnet8_cifar');
let dir: string;
let files: ReturnType<typeof writeSeededFiles>;
/** Availability of the backends these tests use, probed once (only these: GPU probes are slow). */
let probed: BackendRow[];
/** A fast backend for 224x224 inputs, or the reference when none can run. */
let fast: string;

beforeAll(async () => {
  dir = tempDir();
  files = writeSeededFiles(dir);
  probed = await resolveBackends([
    'reference:float64',
    'tfjs:cpu',
    'tfjs:wasm',
    'tfjs:webgl',
    'onnx-web:wasm',
  ]);
  expect(available('reference:float64')).toBe(true);
  fast = ['tfjs:wasm', 'onnx-web:wasm', 'tfjs:cpu'].find((id) => available(id)) ?? 'reference:float64';
});

const available = (id: string) => probed.some((b) => b.id === id && !b.reason);

/** Logits of resnet8_cifar on the seeded input must match the float64 reference under the tolerance policy. */
function expectReferenceLogits(path: string, input = files.x): void {
  const y = parseNpy(new Uint8Array(readFileSync(path)));
  const expected = runReference(graph, initWeights(graph, 1), input);
  expect(y.shape).toEqual([...expected.shape]);
  const c = compareTensors(y.data, expected.data, 'float32', errorModel(graph));
  expect(c.pass, describeComparison(c)).toBe(true);
}

describe('resblocks init-weights', () => {
  it('writes the spec seeded weights', async () => {
    const out = join(dir, 'init.safetensors');
    const r = await resblocks(['init-weights', '--model', 'resnet8_cifar', '--seed', '1', '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const read = readWeights(new Uint8Array(readFileSync(out)));
    const expected = initWeights(graph, 1);
    expect([...read.keys()]).toEqual([...expected.keys()]);
    for (const [k, t] of expected) {
      expect(read.get(k)!.shape).toEqual(t.shape);
      expect(Buffer.from(read.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    }
  });
});

describe('resblocks run', () => {
  it.each(['reference:float64', 'tfjs:cpu', 'tfjs:wasm'])(
    '%s matches the float64 reference on an .npy input',
    async (backend) => {
      if (!available(backend)) {
        console.warn(`skipping ${backend}: not available here`);
        return;
      }
      const out = join(dir, `y-${backend.replace(':', '-')}.npy`);
      const r = await resblocks(
        cli('run', {
          model: 'resnet8_cifar',
          weights: files.weights,
          input: files.input,
          backend,
          output: out,
        }),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`resnet8_cifar on ${backend}`);
      expect(r.stdout).toContain('logits [2, 10]');
      expectReferenceLogits(out);
    },
  );

  it('uses init-weights output unchanged', async () => {
    const w = join(dir, 'init2.safetensors');
    expect(
      (await resblocks(['init-weights', '--model', 'resnet8_cifar', '--seed', '1', '--output', w])).code,
    ).toBe(0);
    const out = join(dir, 'y-init.npy');
    const r = await resblocks(
      cli(
        'run',
        { model: 'resnet8_cifar', weights: w, input: files.input, backend: 'reference:float64' },
        '-o',
        out,
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expectReferenceLogits(out);
  });

  it('preprocesses a PNG the ImageNet way and prints the top classes', async () => {
    const png = new PNG({ width: 72, height: 48 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 251;
    const path = join(dir, 'image.png');
    writeFileSync(path, PNG.sync.write(png));
    const out = join(dir, 'y-image.npy');
    // 224x224 through the float64 reference takes seconds: use a fast backend when there is one.
    const backend = fast;
    const args = ['--weights', files.weights, '--input', path, '--backend', backend, '--output', out];
    const r = await resblocks(['run', '--model', 'resnet8_cifar', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const x = preprocessImageNet(await decodeImage(new Uint8Array(readFileSync(path)), path));
    expect(x.shape).toEqual([1, 3, 224, 224]);
    expectReferenceLogits(out, x);
    const y = parseNpy(new Uint8Array(readFileSync(out)));
    const best = y.data.indexOf(Math.max(...y.data));
    expect(r.stdout).toMatch(new RegExp(`1\\.\\s+[0-9.]+%\\s+class ${best} \\(`));
    expect(r.stdout.match(/^\s+\d\. /gm)).toHaveLength(5);
  });

  it('labels the top-5 of a 1000-class model with ImageNet names', async () => {
    const backend = fast;
    if (backend.startsWith('reference:')) {
      console.warn('skipping: no backend other than the reference can run here');
      return;
    }
    const w = join(dir, 'resnet18.safetensors');
    expect((await resblocks(['init-weights', '--model', 'resnet18', '--output', w])).code).toBe(0);
    const jpg = join(dir, 'image.jpg');
    const { default: jpeg } = await import('jpeg-js');
    const data = Buffer.alloc(320 * 240 * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
    writeFileSync(jpg, jpeg.encode({ width: 320, height: 240, data }, 90).data);
    const r = await resblocks(cli('run', { model: 'resnet18', weights: w, input: jpg, backend }));
    expect(r.code, r.stderr).toBe(0);
    const labels = JSON.parse(
      readFileSync(new URL('../imagenet-labels.json', import.meta.url), 'utf8'),
    ) as string[];
    const lines = r.stdout.split('\n').filter((l) => /^\s+\d\. /.test(l));
    expect(lines).toHaveLength(5);
    for (const l of lines) {
      const m = /%\s+(.+) \(class (\d+), logit/.exec(l);
      expect(m, l).toBeTruthy();
      expect(m![1]).toBe(labels[Number(m![2])]);
    }
  });
});

describe('resblocks export', () => {
  it('writes ONNX that onnxruntime-node runs to the reference logits', async () => {
    const out = join(dir, 'resnet8.onnx');
    const r = await resblocks(cli('export', { model: 'resnet8_cifar', weights: files.weights, output: out }));
    expect(r.code, r.stderr).toBe(0);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.inputNames).toEqual(['input']);
    const result = await session.run({ input: new ort.Tensor('float32', files.x.data, [...files.x.shape]) });
    const logits = result[session.outputNames[0]!]!;
    const expected = runReference(graph, initWeights(graph, 1), files.x);
    expect(logits.dims).toEqual([...expected.shape]);
    const c = compareTensors(logits.data as Float32Array, expected.data, 'float32', errorModel(graph));
    expect(c.pass, describeComparison(c)).toBe(true);
    await session.release();
  });
});

describe('resblocks verify', () => {
  it('checks a small subset, prints the table and exits 0', async () => {
    const backends = ['reference:float64', ...(available('tfjs:cpu') ? ['tfjs:cpu'] : [])];
    const json = join(dir, 'verify.json');
    const r = await resblocks(
      cli('verify', {
        backends: backends.join(','),
        models: 'resnet8_cifar',
        'max-block-cases': '12',
        random: '2',
        json,
      }),
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/│ backend\s+│ cases │ pass │ fail │ skip │ worst │\s+time │/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.ok).toBe(true);
    expect(report.reports.map((x: { backend: string }) => x.backend)).toEqual(backends);
    for (const rep of report.reports) {
      expect(rep.summary.failed).toBe(0);
      expect(rep.cases.some((c: { group: string }) => c.group === 'networks')).toBe(true);
      // One row per backend, with the same counts as the JSON.
      expect(r.stdout).toMatch(
        new RegExp(`│ ${rep.backend}\\s+│\\s+${rep.cases.length} │\\s+${rep.summary.passed} │`),
      );
    }
    expect(r.stdout).not.toMatch(/│ total/);
    expect(r.stdout).toMatch(/^OK: \d+ passed, 0 failed/m);
  });

  it('--details prints a row per group and its total', async () => {
    const r = await resblocks(
      cli(
        'verify',
        { backends: 'reference:float64', models: 'resnet8_cifar', 'max-block-cases': '2', random: '1' },
        '--details',
      ),
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/│ backend\s+│ group\s+│ pass │ fail │ skip │ worst │\s+time │/);
    expect(r.stdout).toMatch(/│ reference:float64 │ \S+/);
    expect(r.stdout).toMatch(/│\s+│ networks\s+│\s+\d+ │/);
    expect(r.stdout).toMatch(/│\s+│ total\s+│\s+\d+ │/);
  });

  it('fails when a requested backend cannot run here, naming the reason', async () => {
    const missing = probed.find((b) => b.reason);
    if (!missing) {
      console.warn('skipping: every backend can run here');
      return;
    }
    const r = await resblocks(cli('verify', { backends: missing.id, 'max-block-cases': '1', random: '0' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${missing.id}: ${missing.reason!.slice(0, 40)}`);
    expect(r.stdout).toMatch(/^FAILED:/m);
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('resblocks bench', () => {
  it('prints the table and writes JSON and an SVG chart', async () => {
    const json = join(dir, 'bench.json');
    const svg = join(dir, 'bench.svg');
    const r = await resblocks(
      cli('bench', {
        model: 'resnet8_cifar',
        batch: '1,2',
        backends: 'reference:float64',
        iterations: '3',
        warmup: '1',
        json,
        chart: svg,
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ backend\s+│ batch │ median ms │ p90 ms │ images\/s │/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.results.map((x: { batch: number }) => x.batch)).toEqual([1, 2]);
    for (const m of doc.results) {
      expect(m.samplesMs).toHaveLength(3);
      expect(m.imagesPerSec).toBeCloseTo((m.batch * 1000) / m.medianMs, 6);
      expect(r.stdout).toContain(`│ reference:float64 │     ${m.batch} │`);
    }
    const chart = readFileSync(svg, 'utf8');
    expect(chart).toContain('<svg');
    expect(chart).toContain('images per second');
    expect(chart).toContain(doc.machine.description.slice(0, 20));
    // One bar per measurement, widths proportional to images/s.
    const widths = [...chart.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(2);
    const ratio = doc.results[1].imagesPerSec / doc.results[0].imagesPerSec;
    expect(widths[1]! / widths[0]!).toBeCloseTo(ratio, 1);
  });

  it('--io gpu times the GPU-tensor path, and names a backend without one', async () => {
    const json = join(dir, 'bench-gpu.json');
    const options = { model: 'resnet8_cifar', size: '16', iterations: '2', warmup: '1', io: 'gpu' };
    const r = await resblocks(cli('bench', { ...options, backends: 'webgpu:f32,reference:float64', json }));
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    const gpu = doc.results.find((m: { backend: string }) => m.backend === 'webgpu:f32');
    if (gpu) {
      expect(gpu.io).toBe('gpu');
      expect(gpu.info.lastRun).toMatchObject({ input: 'gpu', output: 'gpu' });
    } else expect(process.env.CI, 'webgpu:f32 was not measured').not.toBe('true');
    expect(r.stdout).toMatch(/failed: reference:float64 batch 1: reference:float64 has no GPU tensors/);
    expect(r.stdout).toContain('GPU tensors in and out');
    const bad = await resblocks(cli('bench', { ...options, io: 'disk', backends: 'reference:float64' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--io/);
  });
});
