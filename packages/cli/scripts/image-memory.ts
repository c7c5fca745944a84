/**
 * Measures the decoders' peak memory per image kind against decoderBytes(), the estimate the image
 * limits are enforced with (not a test: each image is decoded in a fresh child process).
 *
 *   npx tsx scripts/image-memory.ts [--megapixels 10] [--json FILE]
 *
 * Prints JSON rows: kind, size, estimated bytes, measured peak RSS rise, and their ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decoderBytes, readImageHeader } from '@resblocks/image';
import { decodeImage } from '../src/image.js';
import { jpegFile, pngFile } from './image-files.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const maxRss = () => process.resourceUsage().maxRSS * 1024;

if (process.argv[2] === '--child') {
  const bytes = new Uint8Array(readFileSync(process.argv[3]!));
  const before = maxRss();
  const img = await decodeImage(bytes, process.argv[3]!);
  process.stdout.write(JSON.stringify({ rise: maxRss() - before, pixels: img.width * img.height }));
  process.exit(0);
}

const mp = Number(flag('megapixels', '10'));
const side = Math.round(Math.sqrt(mp * 1e6));
const cases: { kind: string; make: () => Uint8Array }[] = [
  { kind: 'png rgba8', make: () => pngFile({ width: side, height: side }) },
  { kind: 'png rgb8', make: () => pngFile({ width: side, height: side, colorType: 2 }) },
  { kind: 'png grey8', make: () => pngFile({ width: side, height: side, colorType: 0 }) },
  { kind: 'png palette8', make: () => pngFile({ width: side, height: side, colorType: 3 }) },
  { kind: 'png rgba16', make: () => pngFile({ width: side, height: side, bitDepth: 16 }) },
  {
    kind: 'png rgb8 interlaced',
    make: () => pngFile({ width: side, height: side, colorType: 2, interlaced: true }),
  },
  { kind: 'jpeg 4:4:4', make: () => jpegFile(side, side) },
];
const dir = mkdtempSync(join(tmpdir(), 'resblocks-image-memory-'));
const rows = [];
try {
  for (const c of cases) {
    const bytes = c.make();
    const path = join(dir, 'image');
    writeFileSync(path, bytes);
    const estimate = decoderBytes(readImageHeader(bytes));
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--child', path],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`${c.kind}: ${child.stderr}`);
    const { rise } = JSON.parse(child.stdout) as { rise: number };
    rows.push({
      kind: c.kind,
      width: side,
      height: side,
      fileBytes: bytes.length,
      estimateMiB: Math.round(estimate / 2 ** 20),
      measuredMiB: Math.round(rise / 2 ** 20),
      measuredOverEstimate: Number((rise / estimate).toFixed(2)),
    });
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const json = JSON.stringify({ megapixels: mp, rows }, null, 2);
const out = flag('json', '');
if (out) writeFileSync(out, json);
process.stdout.write(`${json}\n`);
