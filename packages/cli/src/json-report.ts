import { writeOutputFile } from './files.js';
import type { Io } from './io.js';
import { describeMachine, machineInfo } from './machine.js';
import { VERSION } from './version.js';

type Replacer = (key: string, value: unknown) => unknown;

/** Writes a command's `--json FILE`: what made it, when and where first, then the command's own fields. */
export async function writeJsonReport(
  io: Io,
  path: string,
  fields: Record<string, unknown>,
  replacer?: Replacer,
): Promise<void> {
  const doc = {
    tool: `resblocks ${VERSION}`,
    createdAt: new Date().toISOString(),
    machine: { ...machineInfo(), description: describeMachine() },
    ...fields,
  };
  await writeOutputFile(path, `${JSON.stringify(doc, replacer, 2)}\n`, 'JSON report');
  io.out(`wrote ${path}`);
}
