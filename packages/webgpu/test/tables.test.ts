import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { foldBatchNorm, inferShapes, initWeights, networkGraph, requestWebGpuAdapter } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { tablesOnDisk } from '../scripts/tables-module.js';
import { BUILTIN_TABLES } from '../src/builtin-tables.js';
import { DEFAULT_TABLE, LAYER_CLASSES, layerClass, lookupTable, tableName } from '../src/index.js';
import { checkTable } from '../src/tables.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const tables = fileURLToPath(new URL('../tables/', import.meta.url));
const adapter = await requestWebGpuAdapter().then(
  (a) => a.info,
  () => undefined,
);

describe('tile tables', () => {
  it('tables/default.json is the built-in default, and every committed table is valid', () => {
    const files = readdirSync(tables).filter((f) => f.endsWith('.json'));
    expect(files).toContain('default.json');
    const onDisk = JSON.parse(readFileSync(join(tables, 'default.json'), 'utf8'));
    expect(onDisk).toEqual(DEFAULT_TABLE);
    for (const f of files) {
      const t = checkTable(JSON.parse(readFileSync(join(tables, f), 'utf8')), f);
      if (f !== 'default.json') expect(`${t.device}.json`).toBe(f);
    }
    expect(() => checkTable({ classes: { ...DEFAULT_TABLE.classes, stem: undefined } }, 'x')).toThrow(/stem/);
    expect(() =>
      checkTable(
        { classes: { ...DEFAULT_TABLE.classes, grouped: { tm: 64, tn: 64, tk: 16, rm: 1, rn: 4 } } },
        'x',
      ),
    ).toThrow(/1024 threads/);
  });

  it('builds every committed table in (browsers get the tuned tables too)', async () => {
    expect(BUILTIN_TABLES).toEqual(tablesOnDisk());
    expect(Object.keys(BUILTIN_TABLES)).toContain('google-swiftshader');
    // Where files cannot be read, or the package's folder lacks the table, the built-in one answers.
    const empty = mkdtempSync(join(tmpdir(), 'tables-'));
    try {
      const found = await lookupTable('Google', 'SwiftShader', empty);
      expect(found.file).toBe('google-swiftshader.json');
      expect(found.table).toBe(BUILTIN_TABLES['google-swiftshader']);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('names a table after the adapter and classes every resnet layer', async () => {
    expect(tableName('Google', 'SwiftShader')).toBe('google-swiftshader');
    expect(tableName('nvidia', 'hopper')).toBe('nvidia-hopper');
    expect(tableName('', '')).toBe('unknown-unknown');
    // An adapter without a table of its own gets the default.
    expect((await lookupTable('acme', 'nothing')).table).toBe(DEFAULT_TABLE);
    const seen = new Set<string>();
    for (const [name, batch, size] of [
      ['resnet50', 4, 224],
      ['resnet50', 1, 32],
      ['resnext50_32x4d', 1, 64],
    ] as const) {
      const g = networkGraph(name);
      const { graph } = foldBatchNorm(g, initWeights(g, 1));
      const shapes = inferShapes(graph, [batch, 3, size, size]);
      for (const n of graph.nodes) {
        if (n.op !== 'conv2d') continue;
        const [, , oh, ow] = shapes.get(n.name) as number[];
        seen.add(
          layerClass({
            kernel: n.kernel,
            stride: n.stride,
            pads: n.pads,
            groups: n.groups,
            inPerGroup: n.inChannels / n.groups,
            outPerGroup: n.outChannels / n.groups,
            rows: batch * oh! * ow!,
          }),
        );
      }
    }
    expect([...seen].sort()).toEqual([...LAYER_CLASSES].sort());
  });

  it.skipIf(!adapter && !CI)(
    'scripts/tune.ts --quick sweeps this adapter and writes the table the adapter then picks',
    async () => {
      expect(adapter, 'no WebGPU adapter').toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), 'tune-'));
      try {
        const script = fileURLToPath(new URL('../scripts/tune.ts', import.meta.url));
        await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', script, '--quick', '--budget-s', '20', '--out-dir', dir],
          { timeout: 120_000 },
        );
        const name = tableName(adapter!.vendor, adapter!.architecture);
        const found = await lookupTable(adapter!.vendor, adapter!.architecture, dir);
        expect(found.problem).toBeUndefined();
        expect(found.file).toBe(`${name}.json`);
        // The table just written, not the package's own of the same name.
        expect(found.table).toEqual(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
        const t = found.table as typeof found.table & { measured: Record<string, { tried: object }> };
        expect(t.device).toBe(name);
        // Some class was timed with more than one candidate.
        expect(Object.values(t.measured).some((m) => Object.keys(m.tried).length > 1)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
