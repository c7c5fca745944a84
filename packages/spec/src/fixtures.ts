import type { BlockContract } from './blocks.js';
import { ResblocksError } from './errors.js';
import { initWeights } from './init.js';
import type { Graph } from './ir.js';
import { lowerBlock } from './lower.js';
import { networkGraph } from './model.js';
import { entryToFloat32, entryToFloat64, parseSafetensors, type SafetensorsFile } from './safetensors.js';
import type { Tensor, Tensor64 } from './tensor.js';
import type { Weights } from './weights.js';

/**
 * PyTorch-checked fixtures. Every case was run in PyTorch (float64, eval mode) from an
 * independent nn.Module (or torchvision's own model) with weights loaded by
 * load_state_dict(strict=True); see scripts/fixtures/. Files are safetensors; the manifest pins
 * the SHA-256 of each file. Network weights are not stored: they are regenerated from the seed
 * and must hash to what PyTorch ran (see hashWeights).
 */

export type FixtureKind = 'block' | 'network';

export interface FixtureFileEntry {
  sha256: string;
  bytes: number;
}

export interface FixtureCaseEntry {
  id: string;
  group: string;
  kind: FixtureKind;
  contract?: BlockContract;
  network?: string;
  inputShape: number[];
  outputShape: number[];
  seed: number;
  /** File holding `input/<id>`, `expected/<id>` and, for blocks, `weights/<id>/<param>`. */
  file: string;
  /** hashWeights of the weights PyTorch loaded. */
  weightsSha256: string;
}

export interface FixtureManifest {
  format: 1;
  generator: string;
  torch: string;
  torchvision: string;
  python: string;
  /** Definition of weightsSha256. */
  weightsHash: string;
  files: Record<string, FixtureFileEntry>;
  cases: FixtureCaseEntry[];
}

export interface FixtureCase {
  id: string;
  group: string;
  kind: FixtureKind;
  contract?: BlockContract;
  network?: string;
  graph: Graph;
  inputShape: number[];
  seed: number;
  input: Tensor;
  expected: Tensor64;
  /** Block weights come from the file; network weights are regenerated from the seed. Both are hash-checked. */
  weights(): Weights;
}

/** A synchronous incremental SHA-256 (node:crypto's createHash fits). */
export interface SyncHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

export interface ParseOptions {
  groups?: readonly string[];
  kinds?: readonly FixtureKind[];
  /** Check file hashes (default true). Weight hashes are always checked. */
  verify?: boolean;
  /** Hash used for weights(); defaults to the built-in pure-JS SHA-256. */
  createHash?: () => SyncHash;
}

export const WEIGHTS_HASH_DEFINITION =
  'sha256 over every parameter in graph order: UTF-8 name, one 0x00 byte, uint32 LE rank, uint32 LE dims, float32 LE data';

function integrity(message: string, details: Record<string, unknown>): ResblocksError {
  return new ResblocksError('FIXTURE_INTEGRITY', message, details);
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** hashWeights as defined by WEIGHTS_HASH_DEFINITION; the Python generator computes the same. */
export function hashWeights(
  graph: Graph,
  weights: ReadonlyMap<string, Tensor>,
  createHash: () => SyncHash = () => new Sha256(),
): string {
  const h = createHash();
  const encoder = new TextEncoder();
  for (const p of graph.params) {
    const t = weights.get(p.name);
    if (!t) throw integrity(`weights of '${graph.name}' lack '${p.name}'`, { key: p.name });
    h.update(encoder.encode(p.name));
    const head = new DataView(new ArrayBuffer(5 + 4 * t.shape.length));
    head.setUint8(0, 0);
    head.setUint32(1, t.shape.length, true);
    for (const [i, d] of t.shape.entries()) head.setUint32(5 + 4 * i, d, true);
    h.update(new Uint8Array(head.buffer));
    const data = t.data;
    // Float32Array memory is little-endian on every engine in use.
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return toHex(h.digest());
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw integrity('cannot verify fixtures: globalThis.crypto.subtle is unavailable', {});
  // Copy into a plain ArrayBuffer: subtle rejects views of SharedArrayBuffer.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return toHex(new Uint8Array(await subtle.digest('SHA-256', copy)));
}

function selectCases(manifest: FixtureManifest, o: ParseOptions): FixtureCaseEntry[] {
  return manifest.cases.filter(
    (c) => (!o.groups || o.groups.includes(c.group)) && (!o.kinds || o.kinds.includes(c.kind)),
  );
}

function graphOf(c: FixtureCaseEntry): Graph {
  if (c.kind === 'block') {
    if (!c.contract) throw integrity(`fixture '${c.id}' has no contract`, { id: c.id });
    return lowerBlock(c.contract, c.id);
  }
  if (!c.network) throw integrity(`fixture '${c.id}' has no network name`, { id: c.id });
  return networkGraph(c.network);
}

function tensorEntry(file: SafetensorsFile, fileName: string, key: string) {
  const e = file.tensors.get(key);
  if (!e) throw integrity(`fixture file '${fileName}' lacks tensor '${key}'`, { file: fileName, key });
  return e;
}

/**
 * Builds the cases from a manifest and the bytes of its files (only the files the selected cases
 * use are needed). Pure: works in browsers (file hashes use globalThis.crypto.subtle).
 */
export async function parseFixtures(
  manifest: FixtureManifest,
  files: Readonly<Record<string, Uint8Array>>,
  options: ParseOptions = {},
): Promise<FixtureCase[]> {
  if (manifest?.format !== 1 || !Array.isArray(manifest.cases)) {
    throw integrity('fixture manifest has an unknown format', { format: manifest?.format });
  }
  const selected = selectCases(manifest, options);
  const needed = [...new Set(selected.map((c) => c.file))];
  const parsed = new Map<string, SafetensorsFile>();
  for (const name of needed) {
    const entry = manifest.files[name];
    const bytes = files[name];
    if (!entry) throw integrity(`fixture file '${name}' is not listed in the manifest`, { file: name });
    if (!bytes) throw integrity(`fixture file '${name}' is missing`, { file: name });
    if (options.verify !== false) {
      const actual = await sha256Hex(bytes);
      if (bytes.byteLength !== entry.bytes || actual !== entry.sha256) {
        throw integrity(
          `fixture file '${name}' is corrupt: sha256 ${actual} (${bytes.byteLength} bytes), manifest says ${entry.sha256} (${entry.bytes} bytes)`,
          { file: name, expected: entry.sha256, actual },
        );
      }
    }
    try {
      parsed.set(name, parseSafetensors(bytes));
    } catch (e) {
      throw integrity(`fixture file '${name}' is not valid safetensors: ${(e as Error).message}`, {
        file: name,
      });
    }
  }
  const createHash = options.createHash ?? (() => new Sha256());
  return selected.map((c) => {
    const file = parsed.get(c.file)!;
    const graph = graphOf(c);
    const inputKey = `input/${c.id}`;
    const input = entryToFloat32(inputKey, tensorEntry(file, c.file, inputKey));
    const expectedKey = `expected/${c.id}`;
    const expectedEntry = tensorEntry(file, c.file, expectedKey);
    const expected: Tensor64 = {
      shape: [...expectedEntry.shape],
      data: entryToFloat64(expectedKey, expectedEntry),
    };
    const weights = (): Weights => {
      const w: Weights =
        c.kind === 'network'
          ? initWeights(graph, c.seed)
          : new Map(
              graph.params.map((p) => {
                const key = `weights/${c.id}/${p.name}`;
                return [p.name, entryToFloat32(key, tensorEntry(file, c.file, key))];
              }),
            );
      const actual = hashWeights(graph, w, createHash);
      if (actual !== c.weightsSha256) {
        throw integrity(
          `fixture '${c.id}': weights hash ${actual} differs from the ${c.weightsSha256} PyTorch ran (${c.kind === 'network' ? 'seeded initializer or network definition changed' : 'weights in the file'})`,
          { id: c.id, expected: c.weightsSha256, actual },
        );
      }
      return w;
    };
    return {
      id: c.id,
      group: c.group,
      kind: c.kind,
      ...(c.contract ? { contract: c.contract } : {}),
      ...(c.network ? { network: c.network } : {}),
      graph,
      inputShape: [...c.inputShape],
      seed: c.seed,
      input,
      expected,
      weights,
    };
  });
}

/** The fixtures folder shipped with the package (works from src/ and dist/). */
export function fixtureDir(): string {
  const url = new URL('../fixtures/', import.meta.url);
  const path = decodeURIComponent(url.pathname);
  // file:///C:/x -> C:/x on Windows.
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

export interface LoadOptions {
  groups?: string[];
  kinds?: FixtureKind[];
  verify?: boolean;
}

/** Node: reads the package's own fixtures (only the files the selected cases need). */
export async function loadFixtures(options: LoadOptions = {}): Promise<FixtureCase[]> {
  const { readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const { join } = await import('node:path');
  const dir = fixtureDir();
  let manifest: FixtureManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as FixtureManifest;
  } catch (e) {
    throw integrity(`cannot read the fixture manifest in ${dir}: ${(e as Error).message}`, { dir });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of new Set(selectCases(manifest, options).map((c) => c.file))) {
    try {
      files[name] = new Uint8Array(await readFile(join(dir, name)));
    } catch (e) {
      throw integrity(`cannot read fixture file '${name}': ${(e as Error).message}`, { file: name });
    }
  }
  return parseFixtures(manifest, files, {
    ...options,
    createHash: () => {
      const h = createHash('sha256');
      return { update: (d: Uint8Array) => h.update(d), digest: () => new Uint8Array(h.digest()) };
    },
  });
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** FIPS 180-4 SHA-256, incremental and synchronous (crypto.subtle is neither). */
export class Sha256 {
  private readonly h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly block = new Uint8Array(64);
  private readonly w = new Uint32Array(64);
  private fill = 0;
  private length = 0;

  update(data: Uint8Array): this {
    let i = 0;
    this.length += data.length;
    if (this.fill) {
      const take = Math.min(64 - this.fill, data.length);
      this.block.set(data.subarray(0, take), this.fill);
      this.fill += take;
      i = take;
      if (this.fill < 64) return this;
      this.compress(this.block, 0);
      this.fill = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.fill = data.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bits = this.length * 8;
    const pad = new Uint8Array((this.fill < 56 ? 56 : 120) - this.fill + 8);
    pad[0] = 0x80;
    const v = new DataView(pad.buffer);
    v.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
    v.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let k = 0; k < 8; k++) ov.setUint32(4 * k, this.h[k]!);
    return out;
  }

  private compress(d: Uint8Array, at: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const j = at + 4 * t;
      w[t] = (d[j]! << 24) | (d[j + 1]! << 16) | (d[j + 2]! << 8) | d[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15]!;
      const b = w[t - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    const h = this.h;
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let e = h[4]!;
    let dd = h[3]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (dd + t1) | 0;
      dd = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + dd) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
}
