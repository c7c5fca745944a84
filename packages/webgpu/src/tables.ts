import { isNode } from '@resblocks/spec';
import { BUILTIN_TABLES } from './builtin-tables.js';
import type { Tile } from './kernels.js';

/** The layer classes a tile table covers (see layerClass). */
export const LAYER_CLASSES = [
  'stem',
  'pointwise-large',
  'pointwise-small',
  'spatial-large',
  'spatial-small',
  'grouped',
] as const;
export type LayerClass = (typeof LAYER_CLASSES)[number];

export interface TileTable {
  /** `default`, or the `<vendor>-<architecture>` it was tuned on. */
  readonly device: string;
  readonly note?: string;
  readonly classes: Readonly<Record<LayerClass, Tile>>;
}

/** tables/default.json: serves every adapter without a table of its own. */
export const DEFAULT_TABLE: TileTable = BUILTIN_TABLES.default!;

/** A table's file name for an adapter: `<vendor>-<architecture>.json`, lower case, [a-z0-9-] only. */
export function tableName(vendor: string, architecture: string): string {
  const part = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'unknown';
  return `${part(vendor)}-${part(architecture)}`;
}

/** Why a tile cannot run: a string naming the problem, or undefined when it is valid. */
export function tileProblem(t: Tile, maxThreads = 256, maxWorkgroupBytes = 16384): string | undefined {
  const pow2 = (v: number) => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
  if (![t.tm, t.tn, t.tk, t.rm, t.rn].every(pow2)) return 'every tile size must be a power of two';
  if (t.tn < 4 || t.tk < 4 || t.rn < 4) return 'tn, tk and rn must be at least 4 (one packet)';
  if (t.rm > t.tm || t.rn > t.tn) return 'the register tile must fit in the workgroup tile';
  const threads = (t.tm / t.rm) * (t.tn / t.rn);
  if (threads > maxThreads) return `${threads} threads per workgroup, more than ${maxThreads}`;
  const bytes = (t.tk * t.tm + t.tk * t.tn) * 4;
  if (bytes > maxWorkgroupBytes) return `${bytes} bytes of workgroup memory, more than ${maxWorkgroupBytes}`;
  return undefined;
}

/** Checks a parsed table: every class present with a valid tile. Throws an Error naming the problem. */
export function checkTable(table: unknown, source: string): TileTable {
  const t = table as TileTable;
  if (!t || typeof t !== 'object' || typeof t.classes !== 'object')
    throw new Error(`${source}: not a tile table (no classes)`);
  for (const c of LAYER_CLASSES) {
    const tile = t.classes[c];
    if (!tile) throw new Error(`${source}: no tile for layer class '${c}'`);
    const problem = tileProblem(tile);
    if (problem) throw new Error(`${source}: class '${c}': ${problem}`);
  }
  return t;
}

/**
 * The table for an adapter: `<vendor>-<architecture>`, read from `dir` or the package's tables/
 * folder where files can be read (Node: a table just written by the tuning script), else the one
 * built in (every committed table, in every environment), else the default. Never throws: a broken
 * file is reported in `problem`.
 */
export async function lookupTable(
  vendor: string,
  architecture: string,
  /** Where the tables are (default: the package's tables/ folder). */
  dir?: string,
): Promise<{ table: TileTable; file?: string; problem?: string }> {
  const name = tableName(vendor, architecture);
  const file = `${name}.json`;
  if (isNode()) {
    try {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const url = dir ? join(dir, file) : new URL(`../tables/${file}`, import.meta.url);
      let text: string | undefined;
      try {
        text = await readFile(url, 'utf8');
      } catch {
        // No such file: the built-in tables answer.
      }
      if (text !== undefined) return { table: checkTable(JSON.parse(text), file), file };
    } catch (e) {
      return { table: DEFAULT_TABLE, problem: (e as Error).message };
    }
  }
  const builtin = name === 'default' ? undefined : BUILTIN_TABLES[name];
  return builtin ? { table: builtin, file } : { table: DEFAULT_TABLE };
}

export interface LayerShape {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly groups: number;
  /** Input channels per group. */
  readonly inPerGroup: number;
  /** Output channels per group. */
  readonly outPerGroup: number;
  /** GEMM rows: N * OH * OW. */
  readonly rows: number;
}

/** Rows times columns below which a layer is 'small' (few workgroups of the large tile). */
const SMALL = 1 << 18;

export function layerClass(l: LayerShape): LayerClass {
  if (l.groups > 1) return 'grouped';
  if (l.inPerGroup <= 4 && l.kernel[0] * l.kernel[1] >= 25) return 'stem';
  const pointwise = l.kernel[0] === 1 && l.kernel[1] === 1;
  const small = l.rows * l.outPerGroup < SMALL;
  return `${pointwise ? 'pointwise' : 'spatial'}-${small ? 'small' : 'large'}`;
}

/** The class's tile shrunk to the layer: no wider than its output channels, no taller than its rows. */
export function fitTile(tile: Tile, rows: number, cols: number): Tile {
  let { tm, tn, rm, rn } = tile;
  const cols4 = Math.ceil(cols / 4) * 4;
  while (tn > 4 && tn / 2 >= cols4) tn /= 2;
  rn = Math.min(rn, tn);
  while (tm > rm && tm / 2 >= rows) tm /= 2;
  rm = Math.min(rm, tm);
  return { tm, tn, tk: tile.tk, rm, rn };
}
