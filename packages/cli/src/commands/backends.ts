import { chooseBackend, type ProbedBackend } from '@resblocks/spec';
import { loadAdapters, resolveBackends, usable } from '../adapters.js';
import { parseCommandArgs } from '../args.js';
import { usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { renderTable } from '../table.js';
import { measureBackends } from './backends-measure.js';

const HELP = `Usage: resblocks backends [--json]
       resblocks backends --measure [--model resnet50] [--size 224] [--batch 1] [--fresh]
                         [--include-software] [--exclude x,y] [--json]

Lists every backend the installed adapters offer, whether it can run on this machine (and
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
(or ~/.cache/resblocks); an entry that does not match is ignored and measured again.

Options:
  --measure             measure and choose instead of ranking
  --model NAME          network to time (default resnet50)
  --size S              input height and width (default 224; 32 for CIFAR networks)
  --batch N             batch size (default 1)
  --fresh               measure again even when a cached decision holds
  --include-software    also measure software-rendered GPUs (slow: minutes)
  --exclude x,y         backends (adapter:backend) to leave out
  --json                print the list (or the measured table) as JSON
  --verbose             print stack traces on errors
  -h, --help            show this help

Examples:
  resblocks backends
  resblocks backends --measure --model resnet18 --size 224
`;

function infoSummary(p: ProbedBackend): string {
  const info = p.availability.info ?? {};
  const parts = Object.entries(info)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.join(', ');
}

export const backendsCommand: Command = {
  name: 'backends',
  summary: 'list backends, whether they can run here, and the recommended (or measured) one',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('backends', argv, {
      json: { type: 'boolean' },
      measure: { type: 'boolean' },
      model: { type: 'string' },
      size: { type: 'string' },
      batch: { type: 'string' },
      fresh: { type: 'boolean' },
      'include-software': { type: 'boolean' },
      exclude: { type: 'string' },
    });
    if (values.measure) return measureBackends(values, io);
    const stray = (['model', 'size', 'batch', 'fresh', 'include-software', 'exclude'] as const).find(
      (k) => values[k] !== undefined,
    );
    if (stray)
      throw usageError(`--${stray} needs --measure`, 'Run `resblocks backends --help` for the options');
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
};
