import { chooseBackend, type ProbedBackend } from '@resblocks/spec';
import { loadAdapters, resolveBackends, usable } from '../adapters.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { renderTable } from '../table.js';

const HELP = `Usage: resblocks backends [--json]

Lists every backend the installed adapters offer, whether it can run on this machine (and
why not), what it runs on (device: gpu, software for a CPU-emulated GPU such as SwiftShader,
cpu), and the backend recommended here. The recommendation comes from chooseBackend in
@resblocks/spec, the same function applications call: a hardware GPU through WebGPU, then
WebGL, native, wasm, software GPUs, plain JavaScript. The float64 reference is listed but
never recommended (it is the oracle, not a runtime).

Options:
  --json        print the list as JSON
  --verbose     print stack traces on errors
  -h, --help    show this help

Example:
  resblocks backends
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
  summary: 'list backends, whether they can run here, and the recommended one',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs('backends', argv, { json: { type: 'boolean' } });
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
