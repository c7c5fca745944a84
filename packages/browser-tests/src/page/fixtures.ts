import { type FixtureCase, type FixtureManifest, parseFixtures } from '@resblocks/spec/fixtures';

/**
 * The spec's PyTorch fixtures, fetched from the server: the block cases and the named networks'
 * cases, hash-checked by parseFixtures exactly as in Node.
 */
export async function fetchFixtures(base: string, networks: readonly string[]): Promise<FixtureCase[]> {
  const res = await fetch(`${base}manifest.json`);
  if (!res.ok) throw new Error(`GET ${base}manifest.json: ${res.status}`);
  const full = (await res.json()) as FixtureManifest;
  const cases = full.cases.filter(
    (c) => c.kind === 'block' || (c.network !== undefined && networks.includes(c.network)),
  );
  const manifest: FixtureManifest = { ...full, cases };
  const files: Record<string, Uint8Array> = {};
  await Promise.all(
    [...new Set(cases.map((c) => c.file))].map(async (name) => {
      const r = await fetch(`${base}${name}`);
      if (!r.ok) throw new Error(`GET ${base}${name}: ${r.status}`);
      files[name] = new Uint8Array(await r.arrayBuffer());
    }),
  );
  return parseFixtures(manifest, files);
}
