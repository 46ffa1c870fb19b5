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

/** One-column rows padded on the right, so a table of notes (formatTable pads on the left) reads as a paragraph. */
export function leftAligned(texts: string[]): string[][] {
  const width = Math.max(...texts.map((t) => t.length));
  return texts.map((t) => [t.padEnd(width)]);
}

/**
 * The JSON lines a bench's scenario run printed as `<tag> {…}` (wherever they start in a line: a test runner may
 * prefix them), in order. The scenarios run in a namespace or a lab of their own, so their figures come back as
 * output.
 */
export function taggedLines<T>(output: string, tag: string): T[] {
  const out: T[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf(`${tag} {`);
    if (at >= 0) out.push(JSON.parse(line.slice(at + tag.length + 1)) as T);
  }
  return out;
}

/** The 1-minute load average before and after a bench: the machine is shared, so every report states it. */
export interface LoadAverage {
  before: number;
  after: number;
}

/** A bench's closing `Notes` table: its notes, then the load average it ran under. */
export function notesTable(notes: string[], load: LoadAverage): BenchTable {
  return {
    title: 'Notes',
    columns: ['note'],
    rows: leftAligned([
      ...notes,
      `load: 1-minute load average of this shared 2-core machine (${load.before.toFixed(1)} before the bench, ${load.after.toFixed(1)} after).`,
    ]),
  };
}
