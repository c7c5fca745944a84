import { chooseBackend, type ProbedBackend } from '@resblocks/spec';
import { loadAdapters, resolveBackends, usable } from '../adapters.js';
import { defineCommand } from '../command.js';
import type { OptionValues } from '../options.js';
import { SHARED } from '../shared-options.js';
import { renderTable } from '../table.js';
import { measureBackends } from './backends-measure.js';

/** The measure options apply only with --measure. */
export const BACKENDS_OPTIONS = {
  measure: { type: 'boolean', help: 'measure and choose instead of ranking' },
  model: { ...SHARED.model, default: 'resnet50', needs: 'measure', help: 'network to time' },
  size: { ...SHARED.size, needs: 'measure' },
  batch: { type: 'int', min: 1, max: 4096, default: 1, needs: 'measure', help: 'batch size' },
  fresh: { type: 'boolean', needs: 'measure', help: 'measure again even when a cached decision holds' },
  'include-software': {
    type: 'boolean',
    needs: 'measure',
    help: 'also measure software-rendered GPUs, which takes minutes',
  },
  exclude: {
    ...SHARED.backends,
    default: [],
    needs: 'measure',
    help: 'backends to leave out, as adapter:backend',
  },
  json: { type: 'boolean', help: 'print the list (or the measured table) as JSON' },
} as const;

export type BackendsValues = OptionValues<typeof BACKENDS_OPTIONS>;

function infoSummary(p: ProbedBackend): string {
  const info = p.availability.info ?? {};
  const parts = Object.entries(info)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.join(', ');
}

export const backendsCommand = defineCommand({
  name: 'backends',
  summary: 'list backends, whether they can run here, and the recommended (or measured) one',
  usage: `resblocks backends [--json]
       resblocks backends --measure [--model resnet50] [--size 224] [--batch 1] [--fresh]
                         [--include-software] [--exclude x,y] [--json]`,
  about: `Lists every backend the installed adapters offer, whether it can run on this machine (and
why not), what it runs on (device: gpu, software for a CPU-emulated GPU such as SwiftShader,
cpu), and the backend recommended here. The recommendation comes from chooseBackend in
@resblocks/spec, the same function applications call: a hardware GPU through WebGPU, then
WebGL, native, wasm, software GPUs, plain JavaScript. The float64 reference is listed but
never recommended (it is the oracle, not a runtime).

With --measure, the choice is measured instead (chooseBackend with measure, from
@resblocks/conformance): every available backend first passes a short verification against
the float64 reference (backend identity, a basic, a bottleneck and a grouped ResNeXt block,
a small network), then the model is timed on it (compile, one warm-up, a few timed runs;
backends that cannot win are stopped early from small pilot runs). The fastest verified
backend is chosen, and the table says why each other one was not. Software-rendered GPUs
are listed but not measured unless --include-software. The decision is cached per device
fingerprint (CPU, threads, runtime, every backend's probe) in $XDG_CACHE_HOME/resblocks
(or ~/.cache/resblocks); an entry that does not match is ignored and measured again.`,
  examples: ['resblocks backends', 'resblocks backends --measure --model resnet18 --size 224'],
  options: BACKENDS_OPTIONS,
  async run({ values }, io) {
    if (values.measure) return measureBackends(values, io);
    const rows = await resolveBackends(undefined);
    let recommended: ProbedBackend | undefined;
    let noneReason: string | undefined;
    try {
      recommended = await chooseBackend(usable(await loadAdapters()));
    } catch (e) {
      noneReason = (e as Error).message;
    }
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            backends: rows.map((r) => ({
              id: r.id,
              adapter: r.adapterId,
              api: r.probed?.api ?? null,
              available: !r.reason,
              device: r.probed?.availability.device ?? null,
              reason: r.reason ?? null,
              description:
                r.probed?.adapter.backends.find((b) => b.name === r.probed?.backend)?.description ?? null,
              info: r.probed?.availability.info ?? {},
              recommended: r.id === recommended?.id,
            })),
            recommended: recommended?.id ?? null,
            ...(noneReason ? { reason: noneReason } : {}),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const table = renderTable(
      ['backend', 'api', 'device', 'available', 'details'],
      rows.map((r) => [
        `${r.id}${r.id === recommended?.id ? ' *' : ''}`,
        r.probed?.api ?? '-',
        r.probed?.availability.device ?? '-',
        r.reason ? 'no' : 'yes',
        r.reason ??
          (r.probed
            ? infoSummary(r.probed) ||
              (r.probed.adapter.backends.find((b) => b.name === r.probed?.backend)?.description ?? '')
            : ''),
      ]),
      { wrap: { 4: 70 } },
    );
    io.out(table);
    io.out(
      recommended
        ? `recommended here: ${recommended.id} (* above)`
        : `recommended here: none; ${noneReason ?? 'no backend can run'}`,
    );
    return 0;
  },
});
