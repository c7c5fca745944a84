/** Worst error as a percentage of the tolerance budget ('-' when nothing numeric was compared). */
export function formatFraction(f: number | null | undefined): string {
  if (f === null || f === undefined || Number.isNaN(f)) return '-';
  if (!Number.isFinite(f)) return 'non-finite';
  const pct = f * 100;
  return `${pct >= 100 ? pct.toFixed(0) : pct >= 1 ? pct.toFixed(1) : pct.toFixed(2)}%`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function firstLine(text: string, max = 240): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Images per second with enough digits to tell slow backends apart. */
export function formatRate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2);
}
