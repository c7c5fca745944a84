import { chooseBackend, type MeasuredChoice, type MeasuredRow } from '@resblocks/conformance';
import type { Adapter } from '@resblocks/spec';

const ms = (v: number | null) => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** The row as the CLI's `resblocks backends --measure` table shows it. */
function cells(r: MeasuredRow): string[] {
  return [
    r.backend,
    r.device ?? '—',
    r.verified === null ? '—' : r.verified ? 'yes' : 'NO',
    ms(r.compileMs),
    r.medianMs === null && r.estimateMs !== null ? `~${ms(r.estimateMs)}` : ms(r.medianMs),
    String(r.runs),
    r.chosen ? 'chosen: fastest verified' : (r.reason ?? ''),
  ];
}

export function renderMeasured(body: HTMLTableSectionElement, choice: MeasuredChoice): void {
  body.replaceChildren();
  for (const r of choice.rows) {
    const row = body.insertRow();
    cells(r).forEach((text, i) => {
      const td = row.insertCell();
      td.textContent = text;
      if (i >= 3 && i <= 5) td.className = 'num';
      if (r.chosen) td.classList.add('chosen');
      if (i === 2 && r.verified === false) td.classList.add('bad');
    });
  }
}

/**
 * Verifies every backend this browser can run, times ResNet-18 on each and picks the fastest
 * verified one; the decision is kept in localStorage per device fingerprint.
 */
export function measureAndChoose(
  adapters: readonly Adapter[],
  size: number,
  fresh: boolean,
  status: (text: string) => void,
): Promise<MeasuredChoice> {
  return chooseBackend(adapters, {
    measure: { model: 'resnet18', size, batch: 1 },
    fresh,
    onProgress: (p) => status(`${p.message}${p.total ? ` (${p.done}/${p.total})` : ''}…`),
  });
}
