import type { BackendId, CompiledModel, ProbedBackend } from '@resblocks/spec';
import { fashionInput, pictureToFashion, type TrainedSet, top2 } from '@resblocks/spec/trained';
import { fetchTrained } from '../src/page/trained.js';
import { topK } from './preprocess.js';

/** Test images shown in the gallery: the first ones of the shipped sample. */
export const GALLERY = 30;
/** Longest edge a dropped picture is drawn at before conversion (bounds the memory it takes). */
const MAX_EDGE = 1024;

export interface FashionResult {
  backend: BackendId;
  model: string;
  images: { index: number; label: string; predicted: string; confidence: number; pytorch: string }[];
  correct: number;
  agree: number;
  picture?: { name: string; top3: { label: string; probability: number }[] };
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Draws uint8 gray pixels (size x size) into a canvas, scaled up without smoothing. */
export function drawGray(canvas: HTMLCanvasElement, pixels: Uint8Array, size: number): void {
  const small = new OffscreenCanvas(size, size);
  const ctx = small.getContext('2d')!;
  const img = ctx.createImageData(size, size);
  pixels.forEach((v, i) => {
    img.data.set([v, v, v, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
  const out = canvas.getContext('2d')!;
  out.imageSmoothingEnabled = false;
  out.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** The trained-network section of the demo: a gallery of test images and a drop-in picture. */
export class FashionDemo {
  private set?: TrainedSet;

  /** The trained networks and test sample (after init). */
  get trained(): TrainedSet {
    if (!this.set) throw new Error('the trained networks are not loaded yet');
    return this.set;
  }
  private compiled?: { key: string; model: CompiledModel };
  result?: FashionResult;

  constructor(
    private readonly backend: ProbedBackend,
    private readonly status: (text: string) => void,
  ) {}

  /** Fetches the trained models and draws the gallery with the true labels. */
  async init(): Promise<void> {
    this.set = await fetchTrained(new URL('../fixtures/trained/', location.href).href);
    const select = $<HTMLSelectElement>('fashion-model');
    select.replaceChildren(
      ...this.set.models.map((m) => {
        const o = document.createElement('option');
        o.value = m.name;
        o.textContent = `${m.name} (PyTorch: ${(100 * m.entry.testAccuracy).toFixed(2)}% on the 10,000 test images)`;
        return o;
      }),
    );
    const gallery = $('gallery');
    gallery.replaceChildren();
    const { sample, classes } = this.set;
    const plane = sample.size * sample.size;
    for (let i = 0; i < Math.min(GALLERY, sample.count); i++) {
      const card = document.createElement('figure');
      card.className = 'tile';
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 84;
      drawGray(canvas, sample.images.subarray(i * plane, (i + 1) * plane), sample.size);
      const caption = document.createElement('figcaption');
      caption.innerHTML = `<span class="muted">#${i}</span> ${classes[sample.labels[i]!]}<br><span class="pred">…</span>`;
      card.append(canvas, caption);
      gallery.append(card);
    }
  }

  private async model(): Promise<{ name: string; model: CompiledModel }> {
    const set = this.set!;
    const name = $<HTMLSelectElement>('fashion-model').value;
    const trained = set.models.find((m) => m.name === name)!;
    if (this.compiled?.key !== name) {
      await this.compiled?.model.dispose();
      this.compiled = undefined;
      const model = await this.backend.adapter.compile(trained.graph, trained.weights, {
        backend: this.backend.backend,
      });
      this.compiled = { key: name, model };
    }
    return { name, model: this.compiled.model };
  }

  /** Classifies the gallery on the chosen backend; PyTorch's top-1 is shown next to each. */
  async classify(): Promise<FashionResult> {
    const set = this.set!;
    const { sample, classes, preprocess } = set;
    const count = Math.min(GALLERY, sample.count);
    this.status(`classifying ${count} images on ${this.backend.id}…`);
    const { name, model } = await this.model();
    const logits = set.models.find((m) => m.name === name)!.logits;
    const out = await model.run(fashionInput(sample.images, 0, count, preprocess));
    const k = classes.length;
    const result: FashionResult = { backend: this.backend.id, model: name, images: [], correct: 0, agree: 0 };
    const captions = $('gallery').querySelectorAll<HTMLElement>('.pred');
    for (let i = 0; i < count; i++) {
      const [best] = topK(out.data.subarray(i * k, (i + 1) * k), 1);
      const pytorch = top2(logits.subarray(i * k, (i + 1) * k)).top;
      const label = sample.labels[i]!;
      if (best!.index === label) result.correct++;
      if (best!.index === pytorch) result.agree++;
      result.images.push({
        index: i,
        label: classes[label]!,
        predicted: classes[best!.index]!,
        confidence: best!.probability,
        pytorch: classes[pytorch]!,
      });
      const caption = captions[i]!;
      caption.textContent = `${classes[best!.index]} ${(100 * best!.probability).toFixed(1)}%`;
      caption.className = `pred ${best!.index === label ? 'good' : 'bad'}`;
      caption.title = `PyTorch says ${classes[pytorch]}`;
    }
    $('fashion-summary').textContent =
      `${result.correct}/${count} right on ${this.backend.id}; agrees with PyTorch's top-1 on ${result.agree}/${count}`;
    this.result = result;
    return result;
  }

  /** Converts a picture the way the data set was made, shows it, and classifies it. */
  async picture(file: File): Promise<FashionResult['picture']> {
    const set = this.set!;
    this.status(`converting ${file.name}…`);
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0, w, h);
    const pixels = pictureToFashion(ctx.getImageData(0, 0, w, h).data, w, h, set.preprocess.size);
    drawGray($<HTMLCanvasElement>('converted'), pixels, set.preprocess.size);
    const { model } = await this.model();
    const out = await model.run(fashionInput(pixels, 0, 1, set.preprocess));
    const top3 = topK(out.data, 3).map((t) => ({ label: set.classes[t.index]!, probability: t.probability }));
    $('picture-result').textContent = top3
      .map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`)
      .join(' · ');
    const picture = { name: file.name, top3 };
    if (this.result) this.result.picture = picture;
    return picture;
  }
}
