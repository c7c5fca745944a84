import { readFileSync } from 'node:fs';

let labels: string[] | undefined;

/** The 1000 ImageNet class names in the standard index order (shipped as imagenet-labels.json). */
export function imagenetLabels(): string[] {
  labels ??= JSON.parse(
    readFileSync(new URL('../imagenet-labels.json', import.meta.url), 'utf8'),
  ) as string[];
  return labels;
}

export interface TopClass {
  index: number;
  label: string;
  probability: number;
  logit: number;
}

/** The k most likely classes of one row of logits (softmax probabilities). */
export function topK(logits: Float32Array, k: number, names?: readonly string[]): TopClass[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Array.from(logits, (logit, index) => ({ index, logit }))
    .sort((a, b) => b.logit - a.logit)
    .slice(0, k)
    .map(({ index, logit }) => ({
      index,
      logit,
      label: names?.[index] ?? `class ${index}`,
      probability: Math.exp(logit - max) / sum,
    }));
}
