import {
  type Activations,
  checkActivations,
  compareTrace,
  type ExpectedValues,
  foldBatchNorm,
  formatPercent,
  formatShape,
  type Graph,
  isResblocksError,
  ResblocksError,
  readActivations,
  referenceActivations,
  type Tensor,
  type TraceComparison,
  TraceNames,
  type TraceRow,
  traceFromValues,
  traceOnBackend,
  type Weights,
} from '@resblocks/spec';
import { selectBackends } from '../adapters.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { MAX_FILE_BYTES, readInputFile } from '../files.js';
import { firstLine } from '../format.js';
import { writeJsonReport } from '../json-report.js';
import { checkModelName, describeWeights, loadModelWeights } from '../model-files.js';
import { readModelInput } from '../model-input.js';
import { SHARED } from '../shared-options.js';
import { renderTable } from '../table.js';

const OPTIONS = {
  model: { ...SHARED.model, required: true },
  weights: { ...SHARED.weights, required: true },
  input: {
    type: 'string',
    short: 'i',
    placeholder: 'FILE',
    help: '.npy, .png or .jpg input, recognised by content',
    defaultText: 'the input stored in the --against file',
  },
  backends: SHARED.measuredBackends,
  against: {
    type: 'string',
    placeholder: 'FILE',
    help: "PyTorch's activations to compare every node with as well (.safetensors written by packages/spec/scripts/activations/dump.py)",
  },
  nodes: {
    type: 'list',
    placeholder: 'a,b',
    help: 'trace only these values, by torchvision module name (layer3.0, layer3.0.bn2)',
    defaultText: 'every node',
  },
  'keep-batchnorm': {
    type: 'boolean',
    help: 'keep BN apart from the convolutions, so each convolution is traced on its own',
  },
  classes: SHARED.classes,
  json: { ...SHARED.json, help: 'write every row of every comparison as JSON' },
} as const;

/** Where the reference and PyTorch disagree with a backend, and what the backend says it ran. */
interface BackendTrace {
  readonly backend: string;
  readonly info?: Readonly<Record<string, unknown>>;
  readonly error?: string;
  readonly comparisons: readonly TraceComparison[];
}

function inFile(what: string, path: string, e: unknown): never {
  if (isResblocksError(e))
    throw new ResblocksError(e.code, `${what} '${path}': ${e.message}`, { ...e.details }, { cause: e });
  throw e;
}

async function loadActivations(path: string): Promise<Activations> {
  const bytes = await readInputFile(path, 'activations file', MAX_FILE_BYTES.weights);
  try {
    return readActivations(bytes);
  } catch (e) {
    inFile('activations file', path, e);
  }
}

/** --nodes checked once on the graph the backends run (folded unless --keep-batchnorm), before any runs. */
function checkNodes(graph: Graph, weights: Weights, nodes: readonly string[], unfolded: boolean): void {
  const built = unfolded ? graph : foldBatchNorm(graph, weights).graph;
  try {
    new TraceNames(graph, built).resolve(
      nodes,
      built.nodes.map((n) => n.name),
      graph.name,
      '',
    );
  } catch (e) {
    if (!isResblocksError(e, 'UNKNOWN_NODE')) throw e;
    throw usageError(
      e.message.replace(/compile with foldBatchNorm: false/g, 'pass --keep-batchnorm'),
      'Name values as `resblocks trace` lists them (torchvision module names)',
    );
  }
}

const err = (v: number | null) => (v === null ? '-' : Number.isFinite(v) ? v.toExponential(2) : 'inf');

/** One row per traced value: its error against each comparison as a share of that node's budget. */
function renderTrace(comparisons: readonly TraceComparison[]): string {
  const [first] = comparisons;
  if (!first) return '';
  const head = ['#', 'node', 'op', 'shape'];
  // `reference:float64` is the reference here: the adapter's name is enough for a column.
  for (const c of comparisons) head.push(`|err| ${c.against.split(':')[0]}`, 'of budget');
  head.push('');
  const rows = first.rows.map((r, i) => {
    const cells: (string | number)[] = [
      i + 1,
      r.module,
      r.folded ? `${r.op}+bn` : r.op,
      formatShape(r.shape),
    ];
    const marks: string[] = [];
    for (const c of comparisons) {
      const row = c.rows[i] as TraceRow;
      cells.push(err(row.maxAbsError), formatPercent(row.fraction));
      if (c.firstOver === row) marks.push(`<- first over budget (${c.against})`);
      else if (row.over) marks.push('over');
    }
    cells.push(marks.join('; '));
    return cells;
  });
  const align = head.map((_, i) => (i === 0 || (i >= 4 && i < head.length - 1) ? 'right' : 'left')) as (
    | 'left'
    | 'right'
  )[];
  return renderTable(head, rows, { align, compact: true });
}

export const traceCommand = defineCommand({
  name: 'trace',
  summary: 'find where a backend diverges: every node against the float64 reference and PyTorch',
  usage: `resblocks trace --model NAME --weights FILE [--input FILE] [--backends x,y]
                       [--against ACTS.safetensors] [--nodes a,b] [--keep-batchnorm] [--classes N]
                       [--json FILE]`,
  about: `Runs the model once per backend with every node traced (or the --nodes given) and compares
each value with the float64 reference's, and with PyTorch's own activations when --against
names a file of them. Each value is judged on the tolerance budget of its own depth (the conv
and linear layers before it), so the first node over budget is where the backend goes wrong:
the layers before it are in budget. Values carry torchvision's module names (conv1,
layer3.0.bn2, layer3.0 for a block's output, layer3.0.relu#2 for a ReLU's second call). With BN
folded (the default of most backends), a convolution's output is its BN's (layer3.0.bn2, op
conv2d+bn); --keep-batchnorm traces each convolution on its own.

The activations file comes from PyTorch: packages/spec/scripts/activations/dump.py runs the
torchvision model (or the spec's PyTorch definition) on the same weights and input with a
forward hook on every module. It must hold every value of the model under its name with the
shape the model gives it, and the input it was made from: missing, extra and mis-shaped names
are listed in one error. Without --input, the input stored in the file is used.`,
  after: `Exit codes: 0 when no node of any backend is over budget, 1 when one is (the table marks the
first, and the verdict names it) or a backend fails, 2 for a usage error.`,
  examples: [
    'resblocks trace --model resnet8_cifar --weights w.safetensors --input x.npy --backends tfjs:wasm,gpujs:webasm',
    `resblocks trace --model resnet18 --weights resnet18.pth --input cat.jpg \\
    --against resnet18-cat.safetensors --json trace.json`,
  ],
  options: OPTIONS,
  async run({ values }, io) {
    const { model: name } = values;
    const unfolded = values['keep-batchnorm'];
    checkModelName(name);
    const loaded = await loadModelWeights(name, values.weights, values.classes);
    const { graph, weights } = loaded;
    const acts = values.against === undefined ? undefined : await loadActivations(values.against);
    let input: Tensor;
    if (values.input !== undefined) input = (await readModelInput(values.input, graph.inChannels, io)).tensor;
    else if (acts?.input) input = acts.input;
    else
      throw usageError(
        'trace needs --input, or --against with the input stored in the file',
        'Pass --input FILE (.npy, .png or .jpg)',
      );
    if (acts) {
      try {
        checkActivations(acts, graph, values.input === undefined ? undefined : input);
      } catch (e) {
        inFile('activations file', values.against!, e);
      }
    }
    if (values.nodes) checkNodes(graph, weights, values.nodes, unfolded);
    const { runnable, unavailable, software } = await selectBackends(values.backends, { skipSlow: true });

    io.out(
      `${name} with ${describeWeights(values.weights, loaded)} on input ${formatShape(input.shape)}${
        values.input === undefined ? ` from ${values.against}` : ` from ${values.input}`
      }`,
    );
    const reference = referenceActivations(graph, weights, input);
    const results: BackendTrace[] = [];
    let referenceVsTorch: TraceComparison | undefined;
    if (acts) {
      // The oracle against PyTorch: when this is over budget, the weights or the model differ, not a backend.
      referenceVsTorch = compareTrace(traceFromValues(graph, reference), acts.values, {
        graph,
        dtype: 'float32',
        backend: 'reference:float64',
        against: 'PyTorch',
      });
      io.out(`\nreference:float64 vs PyTorch: ${referenceVsTorch.verdict}`);
      if (referenceVsTorch.firstOver)
        io.out(
          '  (the float64 reference differs from PyTorch too: the weights, the input or the model are not what PyTorch ran)',
        );
    }
    for (const row of runnable) {
      const { adapter, backend, id } = row.probed;
      try {
        const run = await traceOnBackend(adapter, backend, graph, weights, input, {
          trace: values.nodes ?? true,
          ...(unfolded ? { compile: { foldBatchNorm: false } } : {}),
        });
        const against = (label: string, expected: ExpectedValues) =>
          compareTrace(run.trace, expected, {
            graph,
            dtype: run.dtype,
            backend: id,
            against: label,
          });
        const comparisons = [
          against('reference:float64', reference),
          ...(acts ? [against('PyTorch', acts.values)] : []),
        ];
        results.push({ backend: id, info: run.info, comparisons });
        const folded = run.trace.filter((v) => v.folded).length;
        io.out(
          `\n${id}: ${run.trace.length} values${folded ? ` (BN folded into ${folded} convolutions)` : ''}`,
        );
        io.out(renderTrace(comparisons));
        for (const c of comparisons) io.out(`${id} vs ${c.against}: ${c.verdict}`);
      } catch (e) {
        const message = firstLine((e as Error)?.message ?? String(e), 400);
        results.push({ backend: id, error: message, comparisons: [] });
        io.out(`\n${id}: failed: ${message}`);
      }
    }
    if (software.length)
      io.out(
        `\nleft out (software GPU, slow; name them in --backends): ${software.map((r) => r.id).join(', ')}`,
      );
    const requiredMissing = values.backends ? unavailable : [];
    for (const r of unavailable)
      io.out(
        `${values.backends ? '' : '\n'}not available here: ${r.id}: ${firstLine(r.reason ?? 'unavailable', 300)}`,
      );

    const all = [...(referenceVsTorch ? [referenceVsTorch] : []), ...results.flatMap((r) => r.comparisons)];
    const over = all.filter((c) => c.firstOver);
    const failed = results.filter((r) => r.error);
    const ok = over.length === 0 && failed.length === 0 && requiredMissing.length === 0 && results.length > 0;
    const summary = ok
      ? `OK: every traced node in budget on ${results.length} backend(s)${acts ? ', against the reference and PyTorch' : ''}`
      : `FAILED: ${[
          ...over.map((c) => `${c.backend} first over budget at ${c.firstOver!.module} (vs ${c.against})`),
          ...failed.map((r) => `${r.backend} failed`),
          ...requiredMissing.map((r) => `${r.id} not available`),
          ...(results.length ? [] : ['no backend could run']),
        ].join('; ')}`;
    io.out(`\n${summary}`);

    if (values.json !== undefined) {
      await writeJsonReport(
        io,
        values.json,
        {
          model: name,
          weights: values.weights,
          input: { file: values.input ?? values.against, shape: [...input.shape] },
          against: values.against ?? null,
          foldBatchNorm: !unfolded,
          nodes: values.nodes ?? 'all',
          ok,
          summary,
          referenceVsPyTorch: referenceVsTorch ?? null,
          backends: results,
          unavailable: unavailable.map((r) => ({ backend: r.id, reason: r.reason ?? null })),
        },
        (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
      );
    }
    return ok ? 0 : 1;
  },
});
