import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const dir = new URL('../fixtures/', import.meta.url);

export interface Manifest {
  files: { file: string; mode: string; width: number; height: number; note: string }[];
  resize: {
    name: string;
    source: string;
    width: number;
    height: number;
    channels: 1 | 3;
    size: number | [number, number];
    interpolation: 'bilinear' | 'bicubic' | 'box';
    max_size?: number;
    gray?: boolean;
  }[];
  crop: { name: string; source: string; size: [number, number]; width: number; height: number }[];
  tensor: {
    name: string;
    source: string;
    resize: number | [number, number];
    crop: number;
    interpolation: 'bilinear' | 'bicubic';
    mean: number[];
    std: number[];
    shape: number[];
  }[];
}

export const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as Manifest;

export const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
export const expected = (name: string) => new Uint8Array(gunzipSync(readFileSync(new URL(name, dir))));

/** torchvision's final tensor: lut[c][u8], the way the generator stored it (see scripts/fixtures.py). */
export function expectedTensor(name: string): Float32Array {
  const u8 = expected(`tensor-${name}.u8.gz`);
  const lutBytes = fixture(`tensor-${name}.lut`);
  const lut = new Float32Array(lutBytes.buffer, lutBytes.byteOffset, lutBytes.length / 4);
  const plane = u8.length / 3;
  return Float32Array.from(u8, (v, i) => lut[Math.floor(i / plane) * 256 + v]!);
}

/** How many values differ (Float32 compared bit for bit). */
export function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}
