import { parseTrained, type TrainedManifest, type TrainedSet, trainedFiles } from '@resblocks/spec/trained';

/**
 * The spec's trained networks and test sample, fetched from the server and hash-checked by
 * parseTrained exactly as in Node. `base` ends with a slash.
 */
export async function fetchTrained(base: string, models?: readonly string[]): Promise<TrainedSet> {
  const get = async (name: string) => {
    const r = await fetch(`${base}${name}`);
    if (!r.ok) throw new Error(`GET ${base}${name}: ${r.status}`);
    return r;
  };
  const manifest = (await (await get('manifest.json')).json()) as TrainedManifest;
  const files: Record<string, Uint8Array> = {};
  await Promise.all(
    trainedFiles(manifest, models).map(async (name) => {
      files[name] = new Uint8Array(await (await get(name)).arrayBuffer());
    }),
  );
  return parseTrained(manifest, files, models ? { models } : {});
}
