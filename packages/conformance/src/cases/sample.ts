/** Evenly spaced picks, so every part of a grid stays represented when a slow backend runs fewer. */
export function subsample<T>(items: readonly T[], max: number | undefined): T[] {
  if (max === undefined || items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}
