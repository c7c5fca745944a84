/**
 * Sweeps GEMM tile configurations per layer class on whatever WebGPU adapter this machine has and
 * writes tables/<vendor>-<architecture>.json, the table the adapter then picks for that adapter
 * (and src/builtin-tables.ts, the same tables built in for browsers).
 * Each candidate is timed on the GPU's clock (timestamp queries, the class's dispatches only) where
 * the adapter offers `timestamp-query`, else by the wall-clock time of the whole run. The best of
 * `--repeats` runs counts (a shared machine only ever adds time). The sweep stops at its budget;
 * classes not reached keep the default table's tile.
 *
 *   npx tsx scripts/tune.ts [--quick] [--budget-s 280] [--repeats 2] [--out-dir tables] [--out FILE]
 *                           [--classes pointwise-large,spatial-large]
 *
 * --classes: sweep only these; the others keep this adapter's current table (or the default).
 *
 * --quick: two candidates per class on resnet8_cifar and resnext29_8x4d_cifar at 16x16, what the package's
 * test runs (seconds on SwiftShader); its table is only a check that the sweep works.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFlags } from '@resblocks/conformance';
import { foldBatchNorm, inferShapes, initWeights, networkGraph, seededInput } from '@resblocks/spec';
import { openEngine } from '../src/engine.js';
import type { Tile } from '../src/kernels.js';
import { WebGpuModel } from '../src/model.js';
import {
  DEFAULT_TABLE,
  LAYER_CLASSES,
  type LayerClass,
  lookupTable,
  type TileTable,
  tableName,
  tileProblem,
} from '../src/tables.js';

const flags = benchFlags();
const quick = flags.has('quick');
const budgetMs = flags.number('budget-s', quick ? 60 : 280) * 1000;
const repeats = flags.number('repeats', quick ? 1 : 2);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(flags.string('out-dir') ?? join(here, '..', 'tables'));

const tile = (tm: number, tn: number, tk: number, rm: number, rn: number): Tile => ({ tm, tn, tk, rm, rn });

/** Candidates, most promising first: the sweep may stop before the end of the list. */
const CANDIDATES: Record<'dense' | 'grouped', Tile[]> = {
  dense: [
    tile(64, 64, 8, 8, 8),
    tile(128, 64, 8, 16, 8),
    tile(64, 64, 8, 16, 8),
    tile(128, 64, 16, 8, 4),
    tile(64, 64, 16, 4, 4),
    tile(64, 32, 8, 8, 8),
    tile(32, 64, 8, 8, 8),
    tile(32, 32, 8, 4, 4),
    tile(128, 128, 8, 8, 8),
    tile(64, 128, 8, 8, 16),
    tile(32, 32, 8, 8, 8),
    tile(16, 64, 8, 4, 8),
  ],
  grouped: [
    tile(64, 16, 16, 4, 4),
    tile(64, 16, 8, 8, 8),
    tile(128, 16, 8, 16, 8),
    tile(32, 16, 8, 8, 4),
    tile(128, 16, 8, 8, 4),
    tile(32, 16, 16, 4, 4),
    tile(64, 32, 8, 8, 8),
    tile(256, 16, 8, 16, 4),
  ],
};

/**
 * The network each class is timed on: the layers of that class in a real model. The large classes
 * need rows x columns of 2^18 and more: a batch of 4 at 64x64.
 */
function workload(cls: LayerClass): { name: string; batch: number; size: number } {
  const name = cls === 'grouped' ? 'resnext50_32x4d' : 'resnet50';
  if (!quick && cls.endsWith('-large')) return { name, batch: 4, size: 64 };
  return quick
    ? { name: cls === 'grouped' ? 'resnext29_8x4d_cifar' : 'resnet8_cifar', batch: 1, size: 16 }
    : { name, batch: 1, size: 64 };
}

const key = (t: Tile) => `${t.tm}x${t.tn}x${t.tk}/${t.rm}x${t.rn}`;

async function main(): Promise<void> {
  const started = performance.now();
  const engine = await openEngine('f32');
  const { vendor, architecture } = engine.adapter;
  const timed = engine.features.timestampQuery;
  const limits = engine.device.limits;
  const fits = (t: Tile) =>
    !tileProblem(t, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupStorageSize);
  const only = flags.list('classes', []);
  for (const c of only)
    if (!(LAYER_CLASSES as readonly string[]).includes(c))
      throw new Error(`no layer class '${c}'; the classes are ${LAYER_CLASSES.join(', ')}`);
  const current = only.length ? await lookupTable(vendor, architecture, outDir) : { table: DEFAULT_TABLE };
  const classes: Record<string, Tile> = { ...current.table.classes };
  const previous = (current.table as { measured?: Record<string, unknown> }).measured ?? {};
  const measured: Record<
    string,
    { best: string; bestMs: number; defaultMs?: number; tried: Record<string, number> }
  > = {};
  const models = new Map<string, ReturnType<typeof prepare>>();
  function prepare(name: string) {
    const g = networkGraph(name);
    return foldBatchNorm(g, initWeights(g, 1));
  }

  /** The class's time for a tile: GPU time of its dispatches, or the whole run by the wall clock. */
  async function time(cls: LayerClass, t: Tile): Promise<number> {
    const w = workload(cls);
    let m = models.get(w.name);
    if (!m) {
      m = prepare(w.name);
      models.set(w.name, m);
    }
    const shape = [w.batch, 3, w.size, w.size];
    const x = seededInput(shape, 1).data;
    const model = new WebGpuModel(engine, m.graph, m.weights, { tiles: { ...classes, [cls]: t } });
    try {
      let best = Number.POSITIVE_INFINITY;
      // The first run compiles the pipelines: not timed.
      if (timed) {
        const p = await model.profile(x, shape);
        if (!p.some((d) => d.label === cls)) return Number.NaN;
      } else await model.run(x, shape, inferShapes(m.graph, shape));
      for (let i = 0; i < repeats; i++) {
        if (timed) {
          const p = await model.profile(x, shape);
          best = Math.min(
            best,
            p.filter((d) => d.label === cls).reduce((a, d) => a + d.ms, 0),
          );
        } else {
          const shapes = inferShapes(m.graph, shape);
          const t0 = performance.now();
          await model.run(x, shape, shapes);
          best = Math.min(best, performance.now() - t0);
        }
      }
      return best;
    } finally {
      model.release();
    }
  }

  const sweep = only.length ? (only as LayerClass[]) : LAYER_CLASSES;
  const perClass = budgetMs / sweep.length;
  let stopped = false;
  for (const cls of sweep) {
    const classStart = performance.now();
    const list = [DEFAULT_TABLE.classes[cls], ...CANDIDATES[cls === 'grouped' ? 'grouped' : 'dense']]
      .filter(fits)
      .filter((t, i, all) => all.findIndex((u) => key(u) === key(t)) === i)
      .slice(0, quick ? 2 : undefined);
    const tried: Record<string, number> = {};
    for (const t of list) {
      const spent = performance.now() - started;
      if (spent > budgetMs) {
        stopped = true;
        break;
      }
      // A class past its share of the budget yields to the next (the default tile was timed first).
      if (Object.keys(tried).length && performance.now() - classStart > perClass) break;
      const ms = await time(cls, t);
      if (Number.isNaN(ms)) {
        console.error(`${cls}: no layer of this class in ${workload(cls).name}; the default tile stays`);
        break;
      }
      tried[key(t)] = ms;
      console.error(`${cls} ${key(t)}: ${tried[key(t)]!.toFixed(2)} ms`);
    }
    const entries = Object.entries(tried);
    if (!entries.length) continue;
    const [bestKey, bestMs] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
    const best = list.find((t) => key(t) === bestKey)!;
    classes[cls] = best;
    measured[cls] = {
      best: bestKey,
      bestMs,
      ...(tried[key(DEFAULT_TABLE.classes[cls])] !== undefined
        ? { defaultMs: tried[key(DEFAULT_TABLE.classes[cls])]! }
        : {}),
      tried,
    };
    if (stopped) break;
  }
  const device = tableName(vendor, architecture);
  const table: TileTable & Record<string, unknown> = {
    device,
    note: `Tuned by scripts/tune.ts${quick ? ' --quick' : ''} on ${vendor} ${architecture} (${engine.adapter.description || engine.adapter.device}), ${timed ? 'GPU timestamps' : 'wall clock'}, best of ${repeats}.`,
    classes: classes as TileTable['classes'],
    measured: { ...(only.length ? previous : {}), ...measured },
    timing: timed ? 'timestamp-query' : 'wall-clock',
    seconds: Math.round((performance.now() - started) / 1000),
    date: new Date().toISOString(),
  };
  const file = flags.string('out') ?? join(outDir, `${device}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(table, null, 2)}\n`);
  console.error(`wrote ${file} in ${table.seconds} s`);
  // A table committed with the package is built in too (browsers cannot read tables/).
  // (A separate process: the GPU bench runs this script bundled, where there is no source tree.)
  if (resolve(dirname(file)) === resolve(here, '..', 'tables')) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'tables-module.ts')], {
      stdio: 'inherit',
    });
    if (r.status !== 0)
      throw new Error('scripts/tables-module.ts failed: src/builtin-tables.ts is not current');
  }
  engine.device.destroy();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
