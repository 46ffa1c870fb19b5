/** What every bench/<name>.bench.ts default-exports a function returning. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface BenchReport {
  /** File name under bench-results/ (without .json). */
  name: string;
  tables: BenchTable[];
  /** The same figures in machine-readable form, written to bench-results/<name>.json. */
  results: unknown;
}

export function formatTable(t: BenchTable): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(formatCell))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => r.map((c, i) => String(c).padStart(widths[i] ?? 0)).join('  ');
  return [
    `## ${t.title}`,
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

function formatCell(c: string | number): string {
  if (typeof c === 'string') return c;
  if (Number.isInteger(c)) return String(c);
  return Math.abs(c) >= 100 ? c.toFixed(0) : Math.abs(c) >= 1 ? c.toFixed(2) : c.toPrecision(3);
}

/** p-th percentile (0..100) of a sample, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
