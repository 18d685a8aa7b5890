// Percentiles and the rows `npm run bench` prints. Every row is one measured claim; a row that
// could not be measured says why instead of carrying a number.

export interface Row {
  name: string;
  /** The headline number (rate, bytes, ms…); null when not measured. */
  value: number | null;
  unit: string;
  /** Median and p99 of the per-operation samples behind the value, in `latencyUnit`. */
  median?: number;
  p99?: number;
  latencyUnit?: string;
  /** Ours ÷ peer (or measured ÷ budget) where the row compares. */
  ratio?: number;
  /** Human-readable target ("≥ 2×", "≤ 10 ms"); `met` says whether it was reached. */
  target?: string;
  met?: boolean;
  note?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { median: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { median: percentile(s, 50), p99: percentile(s, 99), mean };
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/** A row with no number: with a target, it is a target not met. */
export function notMeasured(name: string, unit: string, reason: string, target?: string): Row {
  return { name, value: null, unit, ...(target !== undefined ? { target, met: false } : {}), note: `not measured: ${reason}` };
}

const fmt = (n: number | undefined | null): string => {
  if (n === undefined || n === null || Number.isNaN(n)) return '';
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
};

export function formatTable(rows: Row[]): string {
  const head = ['name', 'median', 'p99', 'value', 'unit', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [
    r.name,
    r.median === undefined ? '' : `${fmt(r.median)} ${r.latencyUnit ?? ''}`.trim(),
    r.p99 === undefined ? '' : `${fmt(r.p99)} ${r.latencyUnit ?? ''}`.trim(),
    r.value === null ? '—' : fmt(r.value),
    r.unit,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined ? (r.value === null ? 'n/a' : '') : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  return [...out, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

export function jsonRows(rows: Row[]): Array<{ name: string; value: number | null; unit: string; ratio?: number; target?: string; met?: boolean; median?: number; p99?: number; note?: string }> {
  return rows.map((r) => ({
    name: r.name,
    value: r.value,
    unit: r.unit,
    ...(r.ratio !== undefined ? { ratio: r.ratio } : {}),
    ...(r.target !== undefined ? { target: r.target } : {}),
    ...(r.met !== undefined ? { met: r.met } : {}),
    ...(r.median !== undefined ? { median: r.median, p99: r.p99 } : {}),
    ...(r.note ? { note: r.note } : {}),
  }));
}

export const now = (): number => performance.now();
