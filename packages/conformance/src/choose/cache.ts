import { type BackendApi, isNode } from '@resblocks/spec';
import { canonicalJson, type DeviceFingerprint, fingerprintChanges } from './fingerprint.js';
import type { MeasuredRow, MeasureRequest } from './types.js';

/** Where measured decisions are kept: one text entry per request (model, size, batch). */
export interface ChoiceCache {
  /** Where entries live, for messages. */
  readonly where: string;
  read(key: string): Promise<string | undefined>;
  write(key: string, text: string): Promise<void>;
}

/** Bumped whenever verification or timing changes, so older decisions are not trusted. */
export const CHOICE_FORMAT = 1;
/** Decisions older than this are measured again (browsers and drivers update). */
export const CHOICE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** A cache entry is a small JSON document; anything larger is not read. */
const MAX_ENTRY_BYTES = 1 << 20;
const APIS: readonly BackendApi[] = ['webgpu', 'webgl', 'native', 'wasm', 'cpu'];

export interface CachedChoice {
  readonly format: typeof CHOICE_FORMAT;
  readonly request: Required<MeasureRequest>;
  readonly fingerprint: DeviceFingerprint;
  readonly measuredAt: string;
  readonly chosen: string;
  readonly rows: readonly MeasuredRow[];
}

export function cacheKey(request: Required<MeasureRequest>): string {
  return `choice-${request.model}-${request.size}-b${request.batch}`.replace(/[^a-zA-Z0-9_.-]/g, '_');
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const orNull =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ROW: Record<keyof MeasuredRow, Check> = {
  backend: (v) => isString(v) && /^[a-z0-9-]+:[a-z0-9-]+$/.test(v as string),
  api: (v) => APIS.includes(v as BackendApi),
  device: orNull(isString),
  available: (v) => typeof v === 'boolean',
  verified: orNull((v) => typeof v === 'boolean'),
  verifyMs: orNull(isNumber),
  compileMs: orNull(isNumber),
  medianMs: orNull(isNumber),
  runs: (v) => Number.isInteger(v) && (v as number) >= 0,
  estimateMs: orNull(isNumber),
  chosen: (v) => typeof v === 'boolean',
  reason: orNull(isString),
};

/** The first problem with a row, or undefined. */
function rowProblem(row: unknown, i: number): string | undefined {
  if (!isObject(row)) return `rows[${i}] is not an object`;
  for (const [k, check] of Object.entries(ROW)) if (!check(row[k])) return `rows[${i}].${k} is invalid`;
  return undefined;
}

/**
 * Reads a cached decision, trusting nothing: the entry must parse, match the schema, be for this
 * request and this device fingerprint, and be recent. Returns the entry, or why it is ignored.
 */
export function parseCachedChoice(
  text: string,
  request: Required<MeasureRequest>,
  fingerprint: DeviceFingerprint,
  now = Date.now(),
): { entry: CachedChoice } | { ignored: string } {
  if (text.length > MAX_ENTRY_BYTES)
    return { ignored: `corrupt: entry larger than ${MAX_ENTRY_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ignored: `corrupt: not JSON (${(e as Error).message})` };
  }
  if (!isObject(doc)) return { ignored: 'corrupt: not a JSON object' };
  if (doc.format !== CHOICE_FORMAT)
    return { ignored: `stale: format ${String(doc.format)}, expected ${CHOICE_FORMAT}` };
  const req = doc.request;
  if (!isObject(req) || !isString(req.model) || !isNumber(req.size) || !isNumber(req.batch))
    return { ignored: 'corrupt: request is invalid' };
  if (req.model !== request.model || req.size !== request.size || req.batch !== request.batch)
    return { ignored: 'stale: measured for another request' };
  const fp = doc.fingerprint;
  if (!isObject(fp) || !Array.isArray(fp.backends) || !fp.backends.every(isObject))
    return { ignored: 'corrupt: fingerprint is invalid' };
  if (canonicalJson(fp) !== canonicalJson(fingerprint)) {
    const changed = fingerprintChanges(fp as unknown as DeviceFingerprint, fingerprint);
    return { ignored: `stale: the device changed (${changed.join(', ') || 'fingerprint'})` };
  }
  if (!isString(doc.measuredAt) || Number.isNaN(Date.parse(doc.measuredAt as string)))
    return { ignored: 'corrupt: measuredAt is invalid' };
  const age = now - Date.parse(doc.measuredAt as string);
  if (age < 0 || age > CHOICE_MAX_AGE_MS) return { ignored: `stale: measured ${doc.measuredAt}` };
  if (!Array.isArray(doc.rows)) return { ignored: 'corrupt: rows is not a list' };
  for (let i = 0; i < doc.rows.length; i++) {
    const problem = rowProblem(doc.rows[i], i);
    if (problem) return { ignored: `corrupt: ${problem}` };
  }
  const rows = doc.rows as MeasuredRow[];
  const chosen = rows.filter((r) => r.chosen);
  if (!isString(doc.chosen) || chosen.length !== 1 || chosen[0]!.backend !== doc.chosen)
    return { ignored: 'corrupt: the chosen backend does not match the table' };
  if (chosen[0]!.verified !== true || chosen[0]!.medianMs === null)
    return { ignored: 'corrupt: the chosen backend was not verified and timed' };
  return { entry: doc as unknown as CachedChoice };
}

/** Entries as files in a directory (Node). */
export function fileChoiceCache(dir: string): ChoiceCache {
  return {
    where: dir,
    async read(key) {
      const { readFile, stat } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const file = join(dir, `${key}.json`);
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      if (size > MAX_ENTRY_BYTES) throw new Error(`${file} is ${size} bytes, over ${MAX_ENTRY_BYTES}`);
      return await readFile(file, 'utf8');
    },
    async write(key, text) {
      const { mkdir, rename, writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${key}.json`);
      // Written aside and renamed: a reader never sees half an entry.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    },
  };
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Entries in a browser's localStorage, under `resblocks.<key>`. */
export function storageChoiceCache(storage: StorageLike): ChoiceCache {
  return {
    where: 'localStorage',
    async read(key) {
      return storage.getItem(`resblocks.${key}`) ?? undefined;
    },
    async write(key, text) {
      storage.setItem(`resblocks.${key}`, text);
    },
  };
}

/** The user's cache: $XDG_CACHE_HOME/resblocks or ~/.cache/resblocks in Node, localStorage in a browser. */
export async function defaultChoiceCache(): Promise<ChoiceCache | undefined> {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    localStorage?: StorageLike;
  };
  if (isNode()) {
    const { homedir } = await import('node:os');
    const { join } = await import('node:path');
    const base = g.process?.env?.XDG_CACHE_HOME || join(homedir(), '.cache');
    return fileChoiceCache(join(base, 'resblocks'));
  }
  try {
    // Reading localStorage throws where storage is disabled.
    return g.localStorage ? storageChoiceCache(g.localStorage) : undefined;
  } catch {
    return undefined;
  }
}
