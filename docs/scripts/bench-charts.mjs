// One chart per model from docs/data/bench.json: images/s per backend, grouped by batch size, drawn
// with the same SVG code as `resblocks bench --chart`. Written to docs/public/benchmarks-<model>-<size>.svg.
// Usage: node docs/scripts/bench-charts.mjs   (redraws from the committed data; build the packages first)
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const publicDir = join(root, 'docs', 'public');

/** The models measured, each with the file name of its chart. */
export function benchModels(rows) {
  const seen = new Map();
  for (const r of rows) {
    const key = `${r.model}-${r.size}`;
    if (!seen.has(key)) seen.set(key, { model: r.model, size: r.size, chart: `benchmarks-${key}.svg` });
  }
  return [...seen.values()].sort((a, b) => a.model.localeCompare(b.model) || a.size - b.size);
}

/** Every distinct machine, numbered from 1 in the order the rows name them. */
export function benchMachines(rows) {
  return [...new Set(rows.map((r) => r.machine))];
}

const ms = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0));

export async function writeBenchCharts(bench) {
  const { barChartSvg } = await import('resblocks');
  for (const f of readdirSync(publicDir)) if (/^benchmarks.*\.svg$/.test(f)) unlinkSync(join(publicDir, f));
  const machines = bench.machines;
  for (const m of bench.models) {
    const rows = bench.rows
      .filter((r) => r.model === m.model && r.size === m.size)
      .sort((a, b) => a.batch - b.batch || b.imagesPerSec - a.imagesPerSec);
    const several = new Set(rows.map((r) => r.machine)).size > 1;
    const svg = barChartSvg({
      title: `${m.model}, ${m.size}x${m.size} input: images per second (higher is better)`,
      subtitle: machines.length === 1 ? machines[0] : 'machines as numbered on the page, e.g. "(machine 1)"',
      axisLabel: 'images per second',
      footer:
        'images/s = batch / median latency over the timed runs, input upload and output readback included',
      bars: rows.map((r) => ({
        label: several ? `${r.backend} (machine ${machines.indexOf(r.machine) + 1})` : r.backend,
        group: `batch ${r.batch}`,
        value: r.imagesPerSec,
        note: `median ${ms(r.medianMs)} ms`,
      })),
    });
    writeFileSync(join(publicDir, m.chart), svg);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bench = JSON.parse(readFileSync(join(root, 'docs', 'data', 'bench.json'), 'utf8'));
  await writeBenchCharts(bench);
  console.error(`wrote ${bench.models.length} charts to docs/public`);
}
