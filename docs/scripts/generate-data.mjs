// Regenerates the docs' data files from measurements on the machine it runs on:
//   docs/data/probes.json      probeAll over every adapter in Node, plus the Chromium probes the browser tests saved
//   docs/data/conformance.json every conformance report under packages/*/reports (Node and Chromium)
//   docs/data/bench.json       bench JSON files found under packages/*/reports and packages/*/bench, plus --bench runs
//   docs/data/accuracy.json    the trained networks' record and the `resblocks accuracy --json` files in docs/data/accuracy/
//   docs/public/benchmarks-<model>-<size>.svg one chart per model (bench-charts.mjs); docs/public/diagrams/*.svg;
//   docs/public/demo.png, demo-fashion.png and demo-video.png (the demo test's screenshots)
// Usage: node docs/scripts/generate-data.mjs [--bench]   (build the packages first: npm run build)
// --bench times resnet18 at 224x224, batch 1, on each available Node backend that is not a software GPU or plain JS.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMachines, benchModels, writeBenchCharts } from './bench-charts.mjs';
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
  const importer = async (pkg) => {
    try {
      return { module: await import(pkg) };
    } catch (e) {
      return { reason: `cannot load ${pkg} (${e.message})` };
    }
  };
  const list = [];
  for (const l of await spec.loadAdapters(importer)) {
    if (l.id === 'reference') continue;
    if (l.adapter) list.push(l.adapter);
    else console.error(`${l.reason}; left out`);
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
        // The trained networks' sample, as the suite ran it (the Trained model page shows it).
        accuracy: r.cases
          .filter((c) => c.group === 'accuracy')
          .map((c) => ({ id: c.id, status: c.status, fraction: c.fraction, measured: c.measured ?? null })),
        source: relative(root, file),
      });
    }
  }
  return rows.sort((a, b) => a.where.localeCompare(b.where) || a.backend.localeCompare(b.backend));
}

/**
 * A bench file's machine (its own description, else this machine: bench files are read where they
 * were written) and the conditions of the run, kept apart so the page names each machine once.
 */
function machineOf(json, pkg) {
  const load = json.machine?.loadavg?.[0];
  const conditions = `${pkg}'s bench${typeof load === 'number' ? `, 1-min load average ${load}` : ''}`;
  for (const v of [json.measuredOn, json.machine, json.machine?.description])
    if (typeof v === 'string') return { machine: v, conditions };
  return { machine: nodeMachine, conditions };
}

/** Accepts the shapes the bench scripts write: arrays of rows, or { rows | results: [...] }; `runtime` names the backend too. */
function benchRowsOf(json, pkg) {
  const rows = Array.isArray(json) ? json : (json.rows ?? json.results ?? []);
  const adapterOf = { tfjs: 'tfjs', 'onnx-web': 'onnx-web', gpujs: 'gpujs' }[pkg];
  const { machine, conditions } = machineOf(json, pkg);
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
        machine,
        conditions,
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

// ---- Trained networks: files written by `resblocks accuracy --json FILE`, copied into
// docs/data/accuracy/. One row per backend run; a later file replaces an earlier run of the same
// model, backend and image count.
function accuracyRuns() {
  const rows = new Map();
  for (const file of filesIn(join(dataDir, 'accuracy'), (f) => f.endsWith('.json')).sort()) {
    const doc = readJson(file);
    if (!doc.model || !Array.isArray(doc.results)) continue;
    for (const r of doc.results) {
      if (!r.summary) continue;
      const s = r.summary;
      const row = {
        model: doc.model,
        backend: r.backend,
        device: r.device ?? null,
        images: s.images,
        source: doc.source,
        correct: s.correct,
        referenceCorrect: s.referenceCorrect,
        agree: s.agree,
        disagreements: s.disagreements,
        worstFraction: s.worstFraction,
        outOfBudget: s.outOfBudget,
        imagesPerSecond: r.imagesPerSecond ?? null,
        batch: doc.batch,
        machine: doc.machine?.description ?? null,
        createdAt: doc.createdAt,
        file: relative(root, file),
      };
      rows.set(`${row.model}/${row.backend}/${row.images}`, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.model.localeCompare(b.model) || b.images - a.images || a.backend.localeCompare(b.backend),
  );
}

async function trainedRecord(spec) {
  const { readFile } = await import('node:fs/promises');
  const { trainedDir } = await import('@resblocks/spec/trained');
  const manifest = JSON.parse(await readFile(`${trainedDir()}manifest.json`, 'utf8'));
  const trained = Object.entries(manifest.models).map(([name, m]) => {
    const costs = spec.graphCosts(spec.networkGraph(name), [1, 3, 32, 32]);
    const { history, ...training } = m.training;
    return {
      model: name,
      parameters: costs.parameters,
      macs: costs.macs,
      testAccuracy: m.testAccuracy,
      smallestTop2Margin: m.smallestTop2Margin,
      logitsBy: manifest.logitsBy,
      training,
    };
  });
  return { classes: manifest.dataset.classes, trained };
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
        machine: nodeMachine,
        // A busy machine skews latency: say how busy it was.
        conditions: `1-min load average ${loadavg()[0].toFixed(1)}`,
        source: 'docs/scripts/generate-data.mjs --bench',
      });
    } catch (e) {
      console.error(`bench ${p.id} failed: ${e.message}`);
    }
  }
  return rows;
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
const benchData = {
  generatedAt: new Date().toISOString(),
  machines: benchMachines(bench),
  models: benchModels(bench),
  rows: bench,
  browserDemo: demo ? { measuredOn: demo.measuredOn, chosen: demo.chosen, timings: demo.timings } : null,
};
write('bench.json', benchData);
write('accuracy.json', {
  generatedAt: new Date().toISOString(),
  ...(await trainedRecord(spec)),
  runs: accuracyRuns(),
});
drawDiagrams();
for (const shot of ['demo.png', 'demo-fashion.png', 'demo-video.png']) {
  const file = join(packagesDir, 'browser-tests', 'reports', shot);
  if (existsSync(file)) copyFileSync(file, join(publicDir, shot));
}
await writeBenchCharts(benchData);
console.error(
  `wrote docs/data (probes: ${node.backends.length} Node${browser ? ` + ${browser.backends.length} Chromium` : ''}, ${conformance.length} conformance reports, ${bench.length} bench rows) and ${benchData.models.length} benchmark charts`,
);
// Dawn (WebGPU in Node) keeps the process alive.
process.exit(0);
