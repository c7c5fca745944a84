import type * as Conformance from '@resblocks/conformance';
import { CliError } from './cli-error.js';

export type { BenchResult, CaseResult, ConformanceReport, ReferenceNetwork } from '@resblocks/conformance';

let loaded: Promise<typeof Conformance> | undefined;

/** The conformance runner, imported on first use (only verify and bench need it). */
export function loadConformance(): Promise<typeof Conformance> {
  loaded ??= import('@resblocks/conformance').catch((e: unknown) => {
    loaded = undefined;
    throw new CliError(
      `the conformance runner (@resblocks/conformance) could not be loaded: ${(e as Error).message.split('\n')[0]}`,
      'Install and build @resblocks/conformance',
    );
  });
  return loaded;
}

/** Names of the networks that have PyTorch fixtures (read from the spec's fixture manifest). */
export async function fixtureNetworks(): Promise<string[]> {
  const { fixtureDir } = await import('@resblocks/spec/fixtures');
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    const manifest = JSON.parse(await readFile(join(fixtureDir(), 'manifest.json'), 'utf8')) as {
      cases?: { kind?: string; network?: string }[];
    };
    return [
      ...new Set(
        (manifest.cases ?? []).flatMap((c) => (c.kind === 'network' && c.network ? [c.network] : [])),
      ),
    ];
  } catch {
    return [];
  }
}
