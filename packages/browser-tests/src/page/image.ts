import { decodeImage, type PresetOptions, preprocess, setJpegWasm } from '@resblocks/image';
import { IMAGE_FIXTURES, IMAGE_WASM } from './image-paths.js';

/** A preset case of the fixtures' manifest: its options as torchvision ran them. */
export interface TensorCase extends PresetOptions {
  readonly name: string;
  readonly source: string;
}

export interface ImageCheck {
  readonly name: string;
  readonly values: number;
  readonly differing: number;
}

declare global {
  interface Window {
    imageChecks?: (files: string[], tensors: TensorCase[]) => Promise<ImageCheck[]>;
  }
}

async function bytes(name: string, gzip = false): Promise<Uint8Array> {
  const res = await fetch(`${IMAGE_FIXTURES}${name}`);
  if (!res.ok) throw new Error(`GET ${name}: ${res.status}`);
  const body = gzip ? res.body!.pipeThrough(new DecompressionStream('gzip')) : res.body!;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = a.length === b.length ? 0 : Math.max(a.length, b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

setJpegWasm(`${location.origin}${IMAGE_WASM}jpeg-turbo.wasm`);

/** Decodes fixtures and runs the ImageNet preset in the page, compared with torchvision's values. */
window.imageChecks = async (files, tensors) => {
  const out: ImageCheck[] = [];
  for (const f of files) {
    const img = await decodeImage(await bytes(f), { name: f });
    const want = await bytes(`${f}.rgb.gz`, true);
    out.push({ name: f, values: want.length, differing: differing(img.data, want) });
  }
  for (const t of tensors) {
    const x = preprocess(await decodeImage(await bytes(t.source)), t);
    const u8 = await bytes(`tensor-${t.name}.u8.gz`, true);
    const lut = new Float32Array((await bytes(`tensor-${t.name}.lut`)).buffer);
    const plane = u8.length / 3;
    const want = Float32Array.from(u8, (v, i) => lut[Math.floor(i / plane) * 256 + v]!);
    out.push({ name: `tensor ${t.name}`, values: want.length, differing: differing(x.data, want) });
  }
  return out;
};
