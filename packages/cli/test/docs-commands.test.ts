import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  initWeights,
  networkGraph,
  referenceActivations,
  seededInput,
  serializeSafetensors,
  type WritableTensor,
} from '@resblocks/spec';
import { loadTrained } from '@resblocks/spec/trained';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { torchSave } from '../../spec/test/checkpoint-files.js';
import { COMMANDS } from '../src/main.js';
import { FASHION_MNIST_ENV } from '../src/test-set.js';
import { type DocCommand, docCommands, optionValue, positionals } from './docs-commands.js';
import { writeFashionStandIn } from './fashion-stand-in.js';
import { f32Npy } from './npy-bytes.js';
import { errorLines, tempDir } from './spawn.js';

/** The command as `npx resblocks` runs it in the repository: the committed bin entry. */
const SHIM = fileURLToPath(new URL('../bin/resblocks.js', import.meta.url));
/**
 * A command still running after this long has passed every check of its options and files (they
 * come first) and is doing the work itself (verify, bench): it is stopped there.
 */
const STARTED_MS = 3000;

const commands = docCommands();
const unique = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
const runnable = unique(
  commands.filter((c) => !c.synopsis),
  (c) => c.text,
);
const synopses = commands.filter((c) => c.synopsis);

const made = new Map<string, Uint8Array>();
/** Seeded weights of a model as .safetensors or .pth, made once per model and format. */
function weightsBytes(model: string, torch: boolean): Uint8Array {
  const key = `${model}/${torch}`;
  let bytes = made.get(key);
  if (!bytes) {
    const w = initWeights(networkGraph(model), 0);
    bytes = torch ? torchSave(w) : serializeSafetensors(w);
    made.set(key, bytes);
  }
  return bytes;
}

/** The float64 reference's activations for the seeded weights, standing in for PyTorch's (with their input). */
function activationsBytes(model: string): Uint8Array {
  const graph = networkGraph(model);
  const size = graph.nodes.some((n) => n.op === 'maxpool') ? 64 : 32;
  const input = seededInput([1, 3, size, size], 1);
  const values = referenceActivations(graph, initWeights(graph, 0), input);
  return serializeSafetensors(new Map<string, WritableTensor>([['input', input], ...values]), { model });
}

/** Small stand-ins for the files a command reads, made from the spec's seeded weights and inputs. */
function writeStandIns(dir: string, c: DocCommand): void {
  const [name] = c.args;
  const model = optionValue(c.args, 'model') ?? 'resnet18';
  const graph = networkGraph(model);
  const write = (path: string, bytes: Uint8Array) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  };
  const w = name === 'convert' ? positionals(c.args)[0] : optionValue(c.args, 'weights');
  if (w) write(w, weightsBytes(model, /\.pth?$/.test(w)));
  const against = optionValue(c.args, 'against');
  if (against) write(against, activationsBytes(model));
  const input = optionValue(c.args, 'input');
  if (input?.endsWith('.npy')) {
    const size = graph.nodes.some((n) => n.op === 'maxpool') ? 64 : 32;
    write(input, f32Npy([1, 3, size, size], seededInput([1, 3, size, size], 1).data));
  } else if (input) {
    const png = new PNG({ width: 40, height: 30 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 31) % 256;
    write(
      input,
      input.endsWith('.png')
        ? PNG.sync.write(png)
        : jpeg.encode({ width: 40, height: 30, data: png.data }, 90).data,
    );
  }
  // Outputs go to folders that exist in the repository.
  for (const o of ['output', 'json', 'chart'].map((k) => optionValue(c.args, k)))
    if (o) mkdirSync(dirname(join(dir, o)), { recursive: true });
}

/** At most two commands at a time: each is a Node process loading the engines. */
let free = 2;
const waiting: (() => void)[] = [];
async function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  while (free === 0) await new Promise<void>((r) => waiting.push(r));
  free--;
  try {
    return await fn();
  } finally {
    free++;
    waiting.shift()?.();
  }
}

/** Optional data the documented commands read (the full Fashion-MNIST test set): stand-ins. */
let dataEnv: Record<string, string> = {};

function runUntilStarted(args: string[], cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; running: boolean }>((resolve) => {
    const child = spawn(process.execPath, [SHIM, ...args], {
      cwd,
      env: { ...process.env, ...dataEnv, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let running = false;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      running = true;
      child.kill('SIGKILL');
    }, STARTED_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, running });
    });
  });
}

describe('every resblocks command in the docs and READMEs', () => {
  const dirs = new Map<DocCommand, string>();
  beforeAll(async () => {
    // The same commands must run on a machine without Debian's dataset-fashion-mnist.
    const set = await loadTrained({ models: [] });
    dataEnv = { [FASHION_MNIST_ENV]: writeFashionStandIn(join(tempDir(), 'fashion-mnist'), set) };
    // The extraction itself must find the commands, or the tests below say nothing.
    expect(runnable.length).toBeGreaterThanOrEqual(12);
    expect(synopses.length).toBeGreaterThanOrEqual(8);
    // Made before any command starts, so no command waits on them.
    for (const c of runnable) {
      const dir = tempDir();
      writeStandIns(dir, c);
      dirs.set(c, dir);
    }
  }, 60_000);

  it.each(synopses.map((c) => [c.where, c] as const))('usage line at %s names real options', (_, c) => {
    const command = COMMANDS.find((x) => x.name === c.args[0]);
    expect(command, `${c.where}: ${c.text}`).toBeDefined();
    for (const option of c.args.filter((a) => /^--[a-z]/.test(a)).map((a) => a.replace(/[^a-z-].*$/, '')))
      expect(command!.help, `${c.where}: ${c.text}`).toContain(`${option} `);
  });

  it.concurrent.each(runnable.map((c) => [c.where, c] as const))(
    'runs as written: %s',
    async (_, c) => {
      const r = await oneAtATime(() => runUntilStarted(c.args, dirs.get(c)!));
      expect(errorLines(r.stderr), `${c.where}: ${c.text}\n${r.stderr}`).toEqual([]);
      if (!r.running) expect(r.code, `${c.where}: ${c.text}\n${r.stdout}\n${r.stderr}`).toBe(0);
    },
    60_000,
  );
});
