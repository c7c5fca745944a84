import Table from 'cli-table3';

/** A plain table (no colours, so it reads the same in logs and terminals). */
export function renderTable(
  head: string[],
  rows: (string | number)[][],
  options: { align?: ('left' | 'right')[]; wrap?: Record<number, number>; compact?: boolean } = {},
): string {
  const colWidths = head.map((_, i) => options.wrap?.[i] ?? null);
  const table = new Table({
    head,
    style: { head: [], border: [], compact: options.compact ?? false },
    colAligns: options.align ?? [],
    ...(options.wrap ? { colWidths, wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  for (const r of rows) table.push(r.map(String));
  return table.toString();
}
