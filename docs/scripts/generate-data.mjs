// Regenerates the docs' data files from measurements on the machine it runs on:
//   docs/data/probes.json      probeAll over every adapter in Node, plus the Chromium probes the browser tests saved
//   docs/data/conformance.json every conformance report under packages/*/reports (Node and Chromium)
//   docs/data/bench.json       bench JSON files found under packages/*/reports and packages/*/bench, plus --bench runs
//   docs/public/benchmarks.svg a bar chart of bench.json; docs/public/diagrams/*.svg; docs/public/demo.png (the demo test's screenshot)
// Usage: node docs/scripts/generate-data.mjs [--bench]   (build the packages first: npm run build)
// --bench times resnet18 at 224x224, batch 1, on each available Node backend that is not a software GPU or plain JS.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawDiagrams } from './diagrams.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(root, 'docs', 'data');
const publicDir = join(root, 'docs', 'public');
const runBench = process.argv.includes('--bench');

const cpu = cpus();
const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'} x${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}`;
const nodeMachine = `Node ${process.version}; ${machine}`;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const packagesDir = join(root, 'packages');
const packageNames = readdirSync(packagesDir).filter((p) => existsSync(join(packagesDir, p, 'package.json')));
const filesIn = (dir, test) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter(test)
        .map((f) => join(dir, f))
    : [];

async function adapters() {
  const spec = await import('@resblocks/spec');
  const list = [];
  for (const [pkg, name] of [
    ['@resblocks/tfjs', 'tfjsAdapter'],
    ['@resblocks/onnx-web', 'onnxWebAdapter'],
    ['@resblocks/gpujs', 'gpujsAdapter'],
  ]) {
    try {
      const mod = await import(pkg);
      if (mod[name]) list.push(mod[name]);
      else console.error(`${pkg} does not export ${name}; left out`);
    } catch (e) {
      console.error(`cannot load ${pkg} (${e.message}); left out`);
    }
  }
  return { spec, list };
}

async function nodeProbes(spec, list) {
  const probed = await spec.probeAll(list);
  const chosen = await spec.chooseBackend(list).then(
    (c) => c.id,
    () => null,
  );
  return {
    measuredOn: nodeMachine,
    chosen,
    backends: probed.map(spec.probeSummary),
  };
}

function conformanceReports() {
  const rows = [];
  for (const pkg of packageNames) {
    const dir = join(packagesDir, pkg, 'reports');
    for (const file of filesIn(dir, (f) => /^(browser-)?conformance-.*\.json$/.test(f))) {
      const r = readJson(file);
      if (!r.summary || !r.backend) continue;
      const browser = basename(file).startsWith('browser-');
      rows.push({
        backend: r.backend,
        where: browser ? 'Chromium' : 'Node',
        startedAt: r.startedAt,
        device: r.info?.device ?? null,
        passed: r.summary.passed,
        failed: r.summary.failed,
        skipped: r.summary.skipped,
        worstFraction: r.summary.worstFraction,
        durationMs: Math.round(r.summary.durationMs),
        failures: r.cases.filter((c) => c.status === 'fail').map((c) => ({ id: c.id, message: c.message })),
        skips: r.cases.filter((c) => c.status === 'skip').map((c) => ({ id: c.id, message: c.message })),
        source: relative(root, file),
      });
    }
  }
  return rows.sort((a, b) => a.where.localeCompare(b.where) || a.backend.localeCompare(b.backend));
}

/** A bench file's machine: its own text, else this machine (bench files are read where they were written). */
function measuredOnOf(json, pkg) {
  for (const v of [json.measuredOn, json.machine]) if (typeof v === 'string') return v;
  const load = json.machine?.loadavg?.[0];
  return `${nodeMachine} (${pkg}'s bench${typeof load === 'number' ? `, 1-min load average ${load}` : ''})`;
}

/** Accepts the shapes the bench scripts write: arrays of rows, or { rows | results: [...] }; `runtime` names the backend too. */
function benchRowsOf(json, pkg) {
  const rows = Array.isArray(json) ? json : (json.rows ?? json.results ?? []);
  const adapterOf = { tfjs: 'tfjs', 'onnx-web': 'onnx-web', gpujs: 'gpujs' }[pkg];
  const measuredOn = measuredOnOf(json, pkg);
  return rows.flatMap((r) => {
    const backend = r?.backend ?? r?.runtime;
    if (!r || typeof r.medianMs !== 'number' || !r.model || !backend) return [];
    const batch = r.batch ?? 1;
    return [
      {
        model: r.model,
        backend: String(backend).includes(':') || !adapterOf ? backend : `${adapterOf}:${backend}`,
        batch,
        size: r.size ?? 224,
        medianMs: r.medianMs,
        p90Ms: r.p90Ms ?? null,
        imagesPerSec: r.imagesPerSec ?? r.imagesPerSecond ?? (1000 * batch) / r.medianMs,
        measuredOn,
      },
    ];
  });
}

function collectBench() {
  const rows = [];
  for (const pkg of packageNames) {
    for (const dir of [join(packagesDir, pkg, 'reports'), join(packagesDir, pkg, 'bench')]) {
      for (const file of filesIn(dir, (f) => /bench.*\.json$|\.bench\.json$/.test(f))) {
        try {
          rows.push(...benchRowsOf(readJson(file), pkg).map((r) => ({ ...r, source: relative(root, file) })));
        } catch (e) {
          console.error(`skipping ${file}: ${e.message}`);
        }
      }
    }
  }
  return rows;
}

// ---- GPU figures: files written by `bash scripts/gpu-bench.sh run` (OUT/gpu-bench.json), copied
// into docs/data/gpu/. Each holds the runs of one GPU machine, which its machine.description names.
function gpuBenchRows() {
  const dir = join(dataDir, 'gpu');
  return filesIn(dir, (f) => f.endsWith('.json')).flatMap((file) => {
    const doc = readJson(file);
    if (doc.tool !== 'scripts/gpu-bench.sh' || !Array.isArray(doc.runs)) return [];
    const measuredOn = doc.machine?.description ?? 'a GPU machine';
    return doc.runs
      .filter((run) => run.result)
      .flatMap((run) => benchRowsOf({ ...run.result, measuredOn }, 'gpu-bench'))
      .map((r) => ({ ...r, source: relative(root, file) }));
  });
}
// ---- end of GPU figures

async function ownBench(spec, list, probes) {
  const { benchModel } = await import('@resblocks/conformance');
  const graph = spec.networkGraph('resnet18');
  const weights = spec.initWeights(graph, 1);
  const rows = [];
  for (const p of probes.backends) {
    if (!p.available || p.device === 'software' || p.api === 'cpu') continue;
    const [adapterId, backend] = p.id.split(':');
    const adapter = list.find((a) => a.id === adapterId);
    console.error(`bench ${p.id} resnet18 224x224 b1`);
    try {
      const r = await benchModel(adapter, backend, graph, weights, {
        batch: 1,
        size: 224,
        warmup: 2,
        iterations: 5,
        maxMs: 20_000,
      });
      rows.push({
        model: 'resnet18',
        backend: p.id,
        batch: 1,
        size: 224,
        medianMs: r.medianMs,
        p90Ms: r.p90Ms,
        imagesPerSec: r.imagesPerSec,
        // A busy machine skews latency: say how busy it was.
        measuredOn: `${nodeMachine}; 1-min load average ${loadavg()[0].toFixed(1)}`,
        source: 'docs/scripts/generate-data.mjs --bench',
      });
    } catch (e) {
      console.error(`bench ${p.id} failed: ${e.message}`);
    }
  }
  return rows;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Horizontal bars of median latency, grouped by model/size/batch; log-free so ratios read directly. */
function chartSvg(rows, machines) {
  const sorted = [...rows].sort(
    (a, b) =>
      `${a.model}${a.size}${a.batch}`.localeCompare(`${b.model}${b.size}${b.batch}`) ||
      a.medianMs - b.medianMs,
  );
  const label = (r) => `${r.model} ${r.size}px b${r.batch} · ${r.backend}`;
  const barH = 22;
  // About 7 px per character at 13 px: long labels widen the chart instead of being cut.
  const left = Math.max(300, 24 + Math.ceil(7.4 * Math.max(0, ...sorted.map((r) => label(r).length))));
  const footer = machines.map((m) => `Measured on: ${m}`);
  const width = Math.max(left + 560, 32 + Math.ceil(6 * Math.max(0, ...footer.map((f) => f.length))));
  const top = 40;
  const max = Math.max(1, ...sorted.map((r) => r.medianMs));
  const height = top + sorted.length * (barH + 6) + 24 + 16 * footer.length;
  const bars = sorted
    .map((r, i) => {
      const y = top + i * (barH + 6);
      const w = Math.max(2, ((width - left - 90) * r.medianMs) / max);
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(label(r))}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3" fill="#3b82f6"/>`,
        `<text x="${left + w + 6}" y="${y + 15}">${r.medianMs.toFixed(r.medianMs < 10 ? 1 : 0)} ms</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13" fill="#1d2430" role="img">
<title>Median latency per backend</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="600">Median latency per run (lower is better)</text>
${sorted.length ? bars : `<text x="16" y="${top + 16}">No benchmark data yet: run npm run bench, then node docs/scripts/generate-data.mjs --bench</text>`}
${footer.map((f, i) => `<text x="16" y="${height - 14 - 16 * (footer.length - 1 - i)}" font-size="11" fill="#5a6475">${esc(f)}</text>`).join('\n')}
</svg>
`;
}

const { spec, list } = await adapters();
const node = await nodeProbes(spec, list);
const browserFile = join(packagesDir, 'browser-tests', 'reports', 'browser-probes.json');
const browser = existsSync(browserFile) ? readJson(browserFile) : null;
const conformance = conformanceReports();
// --bench results are kept in their own file so a later run without --bench still shows them.
const ownBenchFile = join(dataDir, 'bench-generated.json');
if (runBench) writeFileSync(ownBenchFile, `${JSON.stringify(await ownBench(spec, list, node), null, 2)}\n`);
const bench = [
  ...collectBench(),
  ...gpuBenchRows(),
  ...(existsSync(ownBenchFile) ? readJson(ownBenchFile) : []),
];
const demoFile = join(packagesDir, 'browser-tests', 'reports', 'demo-result.json');
const demo = existsSync(demoFile) ? readJson(demoFile) : null;

mkdirSync(dataDir, { recursive: true });
mkdirSync(publicDir, { recursive: true });
const write = (name, value) => writeFileSync(join(dataDir, name), `${JSON.stringify(value, null, 2)}\n`);
write('probes.json', { generatedAt: new Date().toISOString(), node, browser });
write('conformance.json', {
  generatedAt: new Date().toISOString(),
  collectedOn: nodeMachine,
  reports: conformance,
});
write('bench.json', {
  generatedAt: new Date().toISOString(),
  rows: bench,
  browserDemo: demo ? { measuredOn: demo.measuredOn, chosen: demo.chosen, timings: demo.timings } : null,
});
drawDiagrams();
const demoShot = join(packagesDir, 'browser-tests', 'reports', 'demo.png');
if (existsSync(demoShot)) copyFileSync(demoShot, join(publicDir, 'demo.png'));
const benchMachines = [...new Set(bench.map((r) => r.measuredOn))];
if (!benchMachines.length) benchMachines.push(nodeMachine);
writeFileSync(join(publicDir, 'benchmarks.svg'), chartSvg(bench, benchMachines));
console.error(
  `wrote docs/data (probes: ${node.backends.length} Node${browser ? ` + ${browser.backends.length} Chromium` : ''}, ${conformance.length} conformance reports, ${bench.length} bench rows) and docs/public/benchmarks.svg`,
);
// Dawn (WebGPU in Node) keeps the process alive.
process.exit(0);
