/** CLI output: one function prints a table on a terminal or JSON under --json; one fail() with exit codes 0 ok, 1 work failed, 2 usage. */
import { SluiceError } from '../core/errors.js';

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function defaultOutput(json: boolean): Output {
  return { json, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]/g, ' ');
}

/** A plain-text table with a header row; widths fit the content (cells cut at 60 characters). */
export function formatTable(columns: string[], rows: unknown[][]): string {
  const text = rows.map((r) =>
    r.map((v) => {
      const s = cell(v);
      return s.length > 60 ? `${s.slice(0, 59)}…` : s;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n')}\n`;
}

export function printJson(o: Output, value: unknown): void {
  o.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print `value` as JSON under --json, else as a table of `rows`. */
export function printRecords(o: Output, value: unknown, columns: string[], rows: unknown[][]): void {
  if (o.json) printJson(o, value);
  else o.out(rows.length ? formatTable(columns, rows) : '(none)\n');
}

export function csvCell(v: unknown): string {
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The exit code for an error, after writing its message to stderr. */
export function fail(o: Output, err: unknown): number {
  if (err instanceof SluiceError) {
    o.err(`sluice: ${err.message}\n`);
    return err.exitCode;
  }
  o.err(`sluice: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
