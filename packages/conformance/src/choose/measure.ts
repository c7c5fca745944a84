import {
  type Adapter,
  type BackendId,
  chooseBackend as chooseByRank,
  initWeights,
  networkGraph,
  type ProbedBackend,
  probeAll,
  ResblocksError,
} from '@resblocks/spec';
import { runConformance } from '../runner.js';
import {
  type CachedChoice,
  CHOICE_FORMAT,
  cacheKey,
  defaultChoiceCache,
  parseCachedChoice,
} from './cache.js';
import { deviceFingerprint } from './fingerprint.js';
import { type Timing, timeBackend } from './timing.js';
import type { MeasuredChoice, MeasuredRow, MeasureOptions, MeasureRequest } from './types.js';

/**
 * The short verification each backend passes before it is timed: enough to catch a wrong
 * backend (the identity case always runs first), one block of each kind and one network.
 */
export const VERIFY_CASES = [
  'blocks/basic-identity-7x9-batch3',
  'blocks/bottleneck-v1.5-stride2-7x9-batch2',
  'blocks/resnext-groups32-stride2',
  'tiny-networks/resnet18-classic-stem-maxpool',
] as const;

const firstLine = (s: string) => s.split('\n')[0]!.trim();
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Runs the short verification; returns why it failed, or undefined when it passed. */
async function verify(p: ProbedBackend): Promise<string | undefined> {
  const report = await runConformance(p.adapter, p.backend, {
    availability: p.availability,
    only: VERIFY_CASES,
    groups: [],
    networks: [],
    randomCases: 0,
    fixtures: async () => [],
    required: true,
  });
  const bad = report.cases.find((c) => c.status !== 'pass');
  if (!bad) return report.cases.length === VERIFY_CASES.length + 1 ? undefined : 'verification cases missing';
  return `${bad.status === 'skip' ? 'skipped' : 'failed'} ${bad.id}: ${firstLine(bad.message ?? '')}`;
}

function normalize(r: MeasureRequest): Required<MeasureRequest> {
  const size = r.size ?? 224;
  const batch = r.batch ?? 1;
  for (const [k, v] of [
    ['size', size],
    ['batch', batch],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 4096)
      throw new ResblocksError(
        'INVALID_CONTRACT',
        `measure.${k} must be an integer from 1 to 4096, got ${v}`,
        {
          [k]: v,
        },
      );
  }
  networkGraph(r.model); // UNKNOWN_MODEL names the known ones
  return { model: r.model, size, batch };
}

function rowOf(p: ProbedBackend, extra: Partial<MeasuredRow>): MeasuredRow {
  return {
    backend: p.id,
    api: p.api,
    device: p.availability.device ?? null,
    available: p.availability.available,
    verified: null,
    verifyMs: null,
    compileMs: null,
    medianMs: null,
    runs: 0,
    estimateMs: null,
    chosen: false,
    reason: null,
    ...extra,
  };
}

async function measureAndChoose(
  adapters: readonly Adapter[],
  options: MeasureOptions,
): Promise<MeasuredChoice> {
  const request = normalize(options.measure);
  const progress = options.onProgress ?? (() => {});
  let done = 0;
  let total = 0;
  const say = (phase: Parameters<typeof progress>[0]['phase'], message: string, backend?: BackendId) =>
    progress({ phase, done, total, message, ...(backend ? { backend } : {}) });

  say('probe', 'probing backends');
  // The float64 reference is the oracle, never a runtime choice.
  const probed = await probeAll(adapters.filter((a) => a.id !== 'reference'));
  const fingerprint = await deviceFingerprint(probed);
  const excluded = (p: ProbedBackend) => options.exclude?.includes(p.id) ?? false;
  const candidates = probed
    .filter((p) => p.availability.available && !excluded(p))
    .sort((a, b) => a.rank - b.rank);
  if (!candidates.length) {
    const why = probed.map(
      (p) => `${p.id}: ${p.availability.reason ?? (excluded(p) ? 'excluded' : 'unavailable')}`,
    );
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `no backend can run here (${why.join('; ') || 'no adapters given'})`,
      {},
    );
  }

  // A cached decision, if it holds for this request on this device.
  const cache = options.cache === false ? undefined : (options.cache ?? (await defaultChoiceCache()));
  const key = cacheKey(request);
  let cacheNote = cache ? 'not cached yet' : 'cache off';
  if (cache && !options.fresh) {
    say('cache', `reading ${cache.where}`);
    let text: string | undefined;
    try {
      text = await cache.read(key);
    } catch (e) {
      cacheNote = `ignored unreadable entry: ${firstLine((e as Error).message)}`;
    }
    if (text !== undefined) {
      const parsed = parseCachedChoice(text, request, fingerprint);
      if ('ignored' in parsed) cacheNote = `ignored ${parsed.ignored}`;
      else {
        const chosen = candidates.find((p) => p.id === parsed.entry.chosen);
        if (chosen) {
          say('done', `${chosen.id} (cached)`, chosen.id);
          return {
            chosen,
            rows: parsed.entry.rows,
            request,
            fingerprint,
            measuredAt: parsed.entry.measuredAt,
            fromCache: true,
            cacheNote: `used the decision measured ${parsed.entry.measuredAt} (${cache.where})`,
          };
        }
        cacheNote = `ignored stale entry: ${parsed.entry.chosen} is not offered now`;
      }
    }
  } else if (cache) cacheNote = 'measured again (fresh)';

  const software = (p: ProbedBackend) => p.availability.device === 'software' && !options.includeSoftware;
  const measured = candidates.filter((p) => !software(p));
  total = 2 * measured.length;
  const rows = new Map<BackendId, Partial<MeasuredRow>>();
  for (const p of probed) {
    if (!p.availability.available)
      rows.set(p.id, { reason: `unavailable: ${p.availability.reason ?? 'no reason given'}` });
    else if (excluded(p)) rows.set(p.id, { reason: 'excluded' });
    else if (software(p))
      rows.set(p.id, {
        reason:
          'software-rendered GPU: correct but far slower than wasm, so not measured unless asked (includeSoftware, --include-software)',
      });
  }

  const verified: ProbedBackend[] = [];
  for (const p of measured) {
    say('verify', `verifying ${p.id}`, p.id);
    const t0 = performance.now();
    const problem = await verify(p).catch(
      (e: unknown) => `verification crashed: ${firstLine((e as Error).message)}`,
    );
    const verifyMs = performance.now() - t0;
    done++;
    rows.set(p.id, {
      verified: !problem,
      verifyMs,
      ...(problem ? { reason: `failed verification: ${problem}` } : {}),
    });
    if (!problem) verified.push(p);
    else done++; // not timed
  }

  const graph = networkGraph(request.model);
  const weights = initWeights(graph, 0);
  const limits = { ...request, iterations: options.iterations ?? 5, maxMs: options.maxMs ?? 5000 };
  let fastest: { p: ProbedBackend; ms: number } | undefined;
  const timings = new Map<BackendId, Timing>();
  for (const p of verified) {
    say(
      'time',
      `timing ${p.id} on ${request.model} ${request.size}x${request.size}, batch ${request.batch}`,
      p.id,
    );
    try {
      const t = await timeBackend(p, graph, weights, limits, fastest?.ms);
      timings.set(p.id, t);
      if (t.medianMs !== null && !t.stopped && (!fastest || t.medianMs < fastest.ms))
        fastest = { p, ms: t.medianMs };
      rows.set(p.id, {
        ...rows.get(p.id),
        compileMs: t.compileMs,
        medianMs: t.medianMs,
        runs: t.runs,
        estimateMs: t.estimateMs,
        ...(t.stopped ? { reason: `slower: ${t.stopped}` } : {}),
      });
    } catch (e) {
      rows.set(p.id, {
        ...rows.get(p.id),
        reason: `failed while timing: ${firstLine((e as Error).message)}`,
      });
    }
    done++;
  }
  if (!fastest) {
    const why = [...rows].map(([id, r]) => `${id}: ${r.reason}`).join('; ');
    throw new ResblocksError(
      'BACKEND_UNAVAILABLE',
      `no backend passed verification and timing here (${why})`,
      {},
    );
  }
  const best = fastest;
  for (const [id, t] of timings) {
    if (id !== best.p.id && !t.stopped && t.medianMs !== null)
      rows.set(id, { ...rows.get(id), reason: `slower: median ${ms(t.medianMs)} ms vs ${ms(best.ms)} ms` });
  }
  rows.set(best.p.id, { ...rows.get(best.p.id), chosen: true, reason: null });
  const table = probed.map((p) => rowOf(p, rows.get(p.id) ?? {}));
  const measuredAt = new Date().toISOString();
  if (cache) {
    const entry: CachedChoice = {
      format: CHOICE_FORMAT,
      request,
      fingerprint,
      measuredAt,
      chosen: best.p.id,
      rows: table,
    };
    try {
      await cache.write(key, `${JSON.stringify(entry, null, 2)}\n`);
      cacheNote += `; decision saved (${cache.where})`;
    } catch (e) {
      cacheNote += `; could not save the decision: ${firstLine((e as Error).message)}`;
    }
  }
  say('done', `${best.p.id} (${ms(best.ms)} ms)`, best.p.id);
  return { chosen: best.p, rows: table, request, fingerprint, measuredAt, fromCache: false, cacheNote };
}

/**
 * Picks a backend for this device. Without `measure`, the static ranking of @resblocks/spec
 * (a hardware GPU through WebGPU, then WebGL, native, wasm, software GPUs, plain JS). With
 * `measure: { model, size, batch }`, every available backend first passes a short verification
 * (VERIFY_CASES), then the model is timed on it, and the fastest verified backend is chosen; the
 * table says why every other one was not. The decision is cached per device fingerprint.
 */
export function chooseBackend(
  adapters: readonly Adapter[],
  options?: { exclude?: readonly BackendId[] },
): Promise<ProbedBackend>;
export function chooseBackend(adapters: readonly Adapter[], options: MeasureOptions): Promise<MeasuredChoice>;
export function chooseBackend(
  adapters: readonly Adapter[],
  options: Partial<MeasureOptions> = {},
): Promise<ProbedBackend | MeasuredChoice> {
  if (!options.measure) return chooseByRank(adapters, options.exclude ? { exclude: options.exclude } : {});
  return measureAndChoose(adapters, options as MeasureOptions);
}
