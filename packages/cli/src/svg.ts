/** A horizontal bar chart of throughput, written as plain SVG (a few rects and text). */
export interface ChartBar {
  readonly label: string;
  readonly group: string;
  readonly value: number;
  /** Shown after the value, e.g. the median latency. */
  readonly note: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly axisLabel: string;
  readonly footer: string;
  readonly bars: readonly ChartBar[];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2 or 5 times a power of ten, so axis ticks are round numbers. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

export function barChartSvg(spec: ChartSpec): string {
  const labelW = 230;
  const plotW = 520;
  const noteW = 200;
  const barH = 22;
  const gap = 6;
  const groupGap = 18;
  const top = 78;
  const left = 16;
  const width = left + labelW + plotW + noteW;
  const groups = [...new Set(spec.bars.map((b) => b.group))];
  const finite = spec.bars.map((b) => b.value).filter((v) => Number.isFinite(v) && v > 0);
  const max = finite.length ? Math.max(...finite) : 1;
  const step = niceStep(max, 5);
  const axisMax = Math.ceil(max / step) * step;
  const x0 = left + labelW;
  const scale = (v: number) => (Number.isFinite(v) && v > 0 ? (v / axisMax) * plotW : 0);
  const backends = [...new Set(spec.bars.map((b) => b.label))];
  const color = (label: string) => COLORS[backends.indexOf(label) % COLORS.length]!;

  const parts: string[] = [];
  let y = top;
  for (const g of groups) {
    parts.push(`<text x="${left}" y="${y + 12}" font-weight="bold">${esc(g)}</text>`);
    y += 20;
    for (const b of spec.bars.filter((bar) => bar.group === g)) {
      const w = scale(b.value);
      parts.push(
        `<text x="${x0 - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color(b.label)}"><title>${esc(`${b.label} ${g}: ${fmt(b.value)} ${spec.axisLabel}; ${b.note}`)}</title></rect>`,
        `<text x="${(x0 + w + 6).toFixed(1)}" y="${y + barH / 2 + 4}">${esc(Number.isFinite(b.value) && b.value > 0 ? `${fmt(b.value)}  (${b.note})` : b.note)}</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const plotBottom = y - groupGap + 4;
  const axis: string[] = [`<line x1="${x0}" y1="${top - 4}" x2="${x0}" y2="${plotBottom}" stroke="#333"/>`];
  axis.push(`<line x1="${x0}" y1="${plotBottom}" x2="${x0 + plotW}" y2="${plotBottom}" stroke="#333"/>`);
  for (let i = 0; i * step <= axisMax + step / 2; i++) {
    const v = i * step;
    const x = x0 + scale(v) || x0;
    axis.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${plotBottom}" stroke="#ddd"/>`,
      `<text x="${x.toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle">${esc(v.toFixed(Math.max(0, -Math.floor(Math.log10(step)))))}</text>`,
    );
  }
  const height = plotBottom + 62;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#222" role="img">
<title>${esc(spec.title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="26" font-size="18" font-weight="bold">${esc(spec.title)}</text>
<text x="${left}" y="48" fill="#555">${esc(spec.subtitle)}</text>
${axis.join('\n')}
${parts.join('\n')}
<text x="${x0 + plotW / 2}" y="${plotBottom + 36}" text-anchor="middle">${esc(spec.axisLabel)}</text>
<text x="${left}" y="${height - 8}" fill="#555" font-size="11">${esc(spec.footer)}</text>
</svg>
`;
}
