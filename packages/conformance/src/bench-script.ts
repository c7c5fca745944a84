// Node-only helpers of the bench scripts; node: modules load on call, so the package stays
// loadable in browsers.
import { DEFAULT_TIMING, type TimingOptions } from './bench.js';

/** A bench script's `--name value` flags. */
export interface BenchFlags {
  string(name: string): string | undefined;
  number(name: string, fallback: number): number;
  /** A comma-separated list. */
  list(name: string, fallback: readonly string[]): string[];
  /** A flag given without a value. */
  has(name: string): boolean;
}

export function benchFlags(argv: readonly string[] = process.argv.slice(2)): BenchFlags {
  const string = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    string,
    number: (name, fallback) => Number(string(name) ?? fallback),
    list: (name, fallback) => string(name)?.split(',').filter(Boolean) ?? [...fallback],
    has: (name) => argv.includes(`--${name}`),
  };
}

/** The flags every network bench takes, with the flags' own accessors. */
export interface BenchArgs extends BenchFlags {
  /** --models */
  readonly models: string[];
  /** --batches */
  readonly batches: number[];
  /** --size: input height and width. */
  readonly size: number;
  /** --warmup, --iterations, --max-ms: what timeRuns and benchModel take. */
  readonly timing: Required<TimingOptions>;
}

export function benchArgs(
  defaults: TimingOptions & { models: readonly string[]; batches?: readonly number[]; size?: number },
  argv?: readonly string[],
): BenchArgs {
  const flags = benchFlags(argv);
  return {
    ...flags,
    models: flags.list('models', defaults.models),
    batches: flags.list('batches', (defaults.batches ?? [1]).map(String)).map(Number),
    size: flags.number('size', defaults.size ?? 224),
    timing: {
      warmup: flags.number('warmup', defaults.warmup ?? DEFAULT_TIMING.warmup),
      iterations: flags.number('iterations', defaults.iterations ?? DEFAULT_TIMING.iterations),
      maxMs: flags.number('max-ms', defaults.maxMs ?? DEFAULT_TIMING.maxMs),
    },
  };
}

/** The machine a bench ran on, for its report (the docs name machines and their load from it). */
export async function benchMachine(): Promise<Record<string, unknown>> {
  const os = await import('node:os');
  return {
    cpus: os.availableParallelism(),
    cpu: os.cpus()[0]?.model,
    loadavg: os.loadavg(),
    node: process.version,
    platform: process.platform,
  };
}

/**
 * Runs a bench script: the report `main` returns goes as JSON to `file` when given, else to
 * stdout. The process then exits (Dawn keeps it alive once WebGPU was touched), with 1 on an error.
 */
export function runBenchScript(main: () => Promise<object>, file?: string): void {
  main()
    .then(async (report) => {
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (file) (await import('node:fs')).writeFileSync(file, json);
      else process.stdout.write(json);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
