import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One event of an ONNX Runtime profile (Chrome trace format). */
export interface ProfileEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly args?: { readonly provider?: string; readonly op_name?: string };
}

/** A folder for one session's profile; ONNX Runtime names the file `<prefix>_<timestamp>.json`. */
export function profileFolder(): { prefix: string; read(): ProfileEvent[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'resblocks-onnx-node-'));
  return {
    prefix: join(dir, 'profile'),
    read() {
      const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      if (files.length !== 1)
        throw new Error(`expected one ONNX Runtime profile in ${dir}, found ${files.length}`);
      return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as ProfileEvent[];
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Which execution provider ran each node, from a profile of one or more runs. */
export function placements(events: readonly ProfileEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.args?.provider || !e.name?.endsWith('_kernel_time')) continue;
    out.set(e.name.slice(0, -'_kernel_time'.length), e.args.provider);
  }
  return out;
}

/**
 * Why the profiled nodes did not all run on `provider`, or undefined when they did. A session that
 * was asked for one execution provider and ran (part of) the model on another must not pass.
 */
export function misplaced(events: readonly ProfileEvent[], provider: string): string | undefined {
  const ran = placements(events);
  if (!ran.size) return `the profile shows no node that ran (asked for ${provider})`;
  const elsewhere = [...ran].filter(([, p]) => p !== provider);
  if (!elsewhere.length) return undefined;
  return `asked for ${provider}, but ${elsewhere.map(([n, p]) => `node '${n}' ran on ${p}`).join(', ')}`;
}
