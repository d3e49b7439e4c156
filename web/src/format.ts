/** Number, size, duration and date formatting for display, in the browser's locale. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 3 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A count: `1,894`; a missing one as a dash. */
export function count(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? integer.format(n) : '—';
}

/** A measure with up to two decimals: `2,608.22`. */
export function num(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? decimal.format(n) : '—';
}

/** An axis label: `12K`. */
export function short(n: number): string {
  return compact.format(n);
}

/** A bin of a histogram: `1.2K – 1.8K`. */
export function range(from: number, to: number): string {
  return `${compact.format(from)} – ${compact.format(to)}`;
}

export function pct(part: number, whole: number): string {
  return whole > 0 ? percent.format(part / whole) : '—';
}

export function bytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? integer.format(v) : decimal.format(v)} ${units[i]}`;
}

export function duration(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${integer.format(ms)} ms`;
  if (ms < 60_000) return `${decimal.format(ms / 1000)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** A value in a data table: text as is, numbers unformatted (ids stay ids), null as `null`. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** A KPI: numbers formatted, text as is, nothing as a dash. */
export function kpi(v: number | string | null): string {
  if (v === null) return '—';
  return typeof v === 'number' ? decimal.format(v) : v;
}
