/**
 * Dashboards (QuickSight, our way): one automatic dashboard per final table,
 * and the dashboards declared in `sluice.yaml`. Every chart is one aggregate
 * query in DuckDB on the server; the browser receives only what it draws.
 * Column names from the spec are checked against the catalog and quoted;
 * filter values from the browser are quoted literals, compared as text.
 */
import { type ChartConfig, type DashboardConfig, MEASURE_PATTERN } from '../config/schema.js';
import { type CatalogTable, parseTableName } from '../core/catalog.js';
import { NotFoundError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { type ColumnSchema, typeFamily } from '../core/types.js';
import type { ReadOnlyRunner } from '../engine/query.js';
import { quoteIdentifier as q, quoteQualified, quoteString } from '../engine/sql.js';
import { requireTable } from './catalog.js';
import type { ReadContext } from './context.js';
import { withCatalogQueries } from './query.js';

type Scalar = string | number | boolean | null;
export type Filters = Record<string, Scalar[]>;

export interface DashboardInfo {
  id: string;
  title: string;
  table: string;
  auto: boolean;
}

/** A chart as the data endpoint computes it: the configured chart, or one an automatic dashboard chose. */
interface ChartSpec extends ChartConfig {
  title: string;
  /** Automatic dashboards only: a histogram of a numeric column. */
  histogram?: string;
  /** Where the chart is in sluice.yaml, for messages. */
  path: string;
}

interface ResolvedDashboard extends DashboardInfo {
  table: string;
  filters: string[];
  charts: ChartSpec[];
  errors: string[];
}

const FILTER_VALUES = 100;
const SCATTER_POINTS = 2000;
const MAX_GROUPS = 8;

export async function listDashboards(ctx: ReadContext): Promise<DashboardInfo[]> {
  const configured = Object.entries(ctx.config.dashboards).map(([id, d]) => ({ id, title: d.title ?? id, table: d.table, auto: false }));
  const auto = (await ctx.catalog.listTables('final'))
    .filter((t) => t.columns.length + t.partitionKeys.length > 0)
    .map((t) => ({ id: `final.${t.name}`, title: `final.${t.name}`, table: `final.${t.name}`, auto: true }));
  return [...configured, ...auto];
}

function columnsOf(t: CatalogTable): ColumnSchema[] {
  return [...t.columns, ...t.partitionKeys];
}

const isTemporal = (type: string) => ['date', 'timestamp'].includes(typeFamily(type));
const isNumeric = (type: string) => typeFamily(type) === 'numeric';
/** Identifiers and row numbers are not worth summing or plotting. */
const looksLikeKey = (name: string) => /(^|_)(id|key|code|zip|postcode|no|number)$/i.test(name);

/** An automatic dashboard for a final table, chosen from its schema and a look at its values. */
async function autoDashboard(t: CatalogTable, run: ReadOnlyRunner): Promise<ResolvedDashboard> {
  const table = `${t.database}.${t.name}`;
  const cols = columnsOf(t);
  const numeric = cols.filter((c) => isNumeric(c.type) && !looksLikeKey(c.name));
  const temporal = cols.find((c) => isTemporal(c.type));
  const textual = cols.filter((c) => ['text', 'boolean'].includes(typeFamily(c.type)));
  // Categories worth a chart and a filter: text columns with a handful of values.
  let categories: ColumnSchema[] = [];
  if (textual.length) {
    const r = await run(`SELECT ${textual.map((c) => `approx_count_distinct(${q(c.name)})`).join(', ')} FROM ${quoteQualified(t.database, t.name)}`, 1);
    const counts = (r.rows[0] ?? []).map(Number);
    categories = textual.filter((_, i) => (counts[i] ?? 0) >= 2 && (counts[i] ?? 0) <= 60).slice(0, 2);
  }
  const charts: ChartSpec[] = [{ kind: 'kpi', title: 'Rows', measures: ['count(*)'], path: 'rows' }];
  for (const c of numeric.slice(0, 2)) charts.push({ kind: 'kpi', title: `Total ${c.name}`, measures: [`sum(${c.name})`], path: `sum ${c.name}` });
  if (temporal) {
    const measures = ['count(*)', ...numeric.slice(0, 1).map((c) => `sum(${c.name})`)];
    charts.push({ kind: 'line', title: `By ${temporal.name}`, x: temporal.name, measures, path: `by ${temporal.name}` });
  }
  for (const c of categories) {
    charts.push({ kind: 'bar', title: `Top ${c.name}`, x: c.name, measures: ['count(*)'], limit: 12, path: `top ${c.name}` });
  }
  for (const c of numeric.slice(0, 3)) {
    charts.push({ kind: 'bar', title: `Distribution of ${c.name}`, histogram: c.name, path: `distribution ${c.name}` });
  }
  charts.push({ kind: 'table', title: 'Rows (first 20)', limit: 20, path: 'rows table' });
  return { id: table, title: table, table, auto: true, filters: categories.map((c) => c.name), charts, errors: [] };
}

/** A configured dashboard, with every column it names checked against the table (a bad one becomes that chart's error). */
function configuredDashboard(id: string, d: DashboardConfig, t: CatalogTable | undefined): ResolvedDashboard {
  const errors: string[] = [];
  const names = t ? columnsOf(t).map((c) => c.name) : [];
  if (!t) errors.push(`dashboards.${id}.table: ${d.table} is not in the catalog yet; ingest its data or run the job that writes it`);
  const filters = d.filters.filter((f, i) => {
    if (!t || names.includes(f)) return true;
    errors.push(`dashboards.${id}.filters[${i}]: unknown column "${f}" in ${d.table}${didYouMean(f, names)}`);
    return false;
  });
  const charts = d.charts.map((c, i) => ({ ...c, title: c.title ?? defaultTitle(c), path: `dashboards.${id}.charts[${i}]` }));
  return { id, title: d.title ?? id, table: d.table, auto: false, filters, charts, errors };
}

/** The title of a chart that has none in sluice.yaml (QuickSight visuals take the same). */
export function defaultTitle(c: ChartConfig): string {
  const what = (c.measures ?? []).join(', ');
  if (c.kind === 'scatter') return `${c.y} by ${c.x}`;
  if (c.kind === 'table') return 'Rows';
  return c.x ? `${what} by ${c.x}` : what;
}

async function resolve(ctx: ReadContext, id: string, run: ReadOnlyRunner): Promise<{ d: ResolvedDashboard; t?: CatalogTable }> {
  const configured = ctx.config.dashboards[id];
  if (configured) {
    const { database, name } = parseTableName(configured.table);
    const t = await ctx.catalog.getTable(database, name);
    return { d: configuredDashboard(id, configured, t), ...(t ? { t } : {}) };
  }
  const dashboards = await listDashboards(ctx);
  const info = dashboards.find((x) => x.id === id);
  if (!info) throw new NotFoundError('dashboard', id, `no dashboard "${id}" (dashboards: ${dashboards.map((x) => x.id).join(', ') || 'none yet'})`);
  const t = await requireTable(ctx.catalog, info.table);
  return { d: await autoDashboard(t, run), t };
}

/** A dashboard's layout: its filters with the values to pick from, and its charts. */
export async function getDashboard(ctx: ReadContext, id: string) {
  return withCatalogQueries(ctx, async (run) => {
    const { d, t } = await resolve(ctx, id, run);
    const filters = [];
    for (const column of d.filters) {
      const col = t && columnsOf(t).find((c) => c.name === column);
      if (!t || !col) continue;
      const r = await run(
        `SELECT DISTINCT ${q(column)} AS v FROM ${quoteQualified(t.database, t.name)} ORDER BY v NULLS LAST LIMIT ${FILTER_VALUES}`,
        FILTER_VALUES,
      );
      filters.push({ column, type: col.type, values: r.rows.map((row) => row[0] as Scalar) });
    }
    return {
      id: d.id,
      title: d.title,
      table: d.table,
      auto: d.auto,
      filters,
      charts: d.charts.map((c, i) => ({ id: i, kind: c.histogram ? 'histogram' : c.kind, title: c.title })),
      ...(d.errors.length ? { errors: d.errors } : {}),
    };
  });
}

/** The data of every chart of a dashboard under the viewer's filters. */
export async function dashboardData(ctx: ReadContext, id: string, filters: Filters) {
  return withCatalogQueries(ctx, async (run) => {
    const { d, t } = await resolve(ctx, id, run);
    const charts = [];
    for (const [i, c] of d.charts.entries()) {
      const base = { id: i, kind: c.histogram ? 'histogram' : c.kind, title: c.title };
      if (!t) {
        charts.push({ ...base, error: d.errors[0] ?? `${d.table} is not in the catalog` });
        continue;
      }
      try {
        charts.push({ ...base, ...(await chartData(c, t, filters, d.filters, run)) });
      } catch (err) {
        charts.push({ ...base, error: err instanceof ChartError ? err.message : `this chart could not be computed: ${(err as Error).message}` });
      }
    }
    return { charts };
  });
}

class ChartError extends Error {}

interface Measure {
  sql: string;
  label: string;
}

function parseMeasure(text: string, names: readonly string[], path: string): Measure {
  const m = MEASURE_PATTERN.exec(text);
  if (!m) throw new ChartError(`${path}: "${text}" is not a measure`);
  const agg = (m[1] as string).toLowerCase();
  const column = m[2] as string;
  if (column === '*') {
    if (agg !== 'count') throw new ChartError(`${path}: only count takes *, not ${agg}(*)`);
    return { sql: 'count(*)::DOUBLE', label: 'count' };
  }
  if (!names.includes(column)) throw new ChartError(`${path}: unknown column "${column}"${didYouMean(column, names)}`);
  const col = q(column);
  const sql = agg === 'count_distinct' ? `count(DISTINCT ${col})` : agg === 'count' ? `count(${col})` : `${agg}(${col})`;
  return { sql: `TRY_CAST(${sql} AS DOUBLE)`, label: `${agg}(${column})` };
}

/**
 * WHERE conditions for the chart's fixed filters and the viewer's filters
 * (only on the dashboard's filter columns). Each value is a quoted literal
 * converted to the column's type, so `10.5` matches a DECIMAL 10.50.
 */
function whereSql(c: ChartSpec, cols: readonly ColumnSchema[], filters: Filters, allowed: readonly string[]): string {
  const names = cols.map((col) => col.name);
  const conds: string[] = [];
  const add = (column: string, values: Scalar[], path: string) => {
    const type = cols.find((x) => x.name === column)?.type;
    if (!type) throw new ChartError(`${path}: unknown column "${column}"${didYouMean(column, names)}`);
    if (values.length === 0) return;
    const col = q(column);
    const literals = values.filter((v) => v !== null).map((v) => `TRY_CAST(${quoteString(String(v))} AS ${type})`);
    const parts = [...(literals.length ? [`${col} IN (${literals.join(', ')})`] : []), ...(values.includes(null) ? [`${col} IS NULL`] : [])];
    conds.push(`(${parts.join(' OR ')})`);
  };
  for (const [column, v] of Object.entries(c.where ?? {})) add(column, Array.isArray(v) ? v : [v], `${c.path}.where.${column}`);
  for (const [column, values] of Object.entries(filters)) {
    if (!allowed.includes(column) || !Array.isArray(values)) continue;
    add(
      column,
      values.filter((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)),
      `filter ${column}`,
    );
  }
  return conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
}

function requireColumn(column: string | undefined, names: readonly string[], path: string): string {
  if (column === undefined) throw new ChartError(`${path}: name a column`);
  if (!names.includes(column)) throw new ChartError(`${path}: unknown column "${column}"${didYouMean(column, names)}`);
  return column;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function chartData(c: ChartSpec, t: CatalogTable, filters: Filters, allowed: readonly string[], run: ReadOnlyRunner) {
  const cols = columnsOf(t);
  const names = cols.map((col) => col.name);
  const from = quoteQualified(t.database, t.name);
  const where = whereSql(c, cols, filters, allowed);
  const and = (cond: string) => (where ? `${where} AND ${cond}` : ` WHERE ${cond}`);

  if (c.histogram) {
    const col = q(requireColumn(c.histogram, names, c.path));
    const bounds = await run(`SELECT min(${col})::DOUBLE, max(${col})::DOUBLE FROM ${from}${where}`, 1);
    const [lo, hi] = (bounds.rows[0] ?? []).map(num);
    if (lo === null || hi === null || lo === undefined || hi === undefined) return { column: c.histogram, bins: [] };
    const bins = 12;
    const width = hi > lo ? (hi - lo) / bins : 1;
    const r = await run(
      `SELECT least(floor((${col}::DOUBLE - ${lo}) / ${width}), ${bins - 1})::INTEGER AS b, count(*) AS n FROM ${from}${and(`${col} IS NOT NULL`)} GROUP BY b ORDER BY b`,
      bins,
    );
    const counts = new Map(r.rows.map((row) => [Number(row[0]), Number(row[1])]));
    return {
      column: c.histogram,
      bins: Array.from({ length: hi > lo ? bins : 1 }, (_, b) => ({ from: lo + b * width, to: lo + (b + 1) * width, count: counts.get(b) ?? 0 })),
    };
  }
  if (c.kind === 'kpi') {
    const m = parseMeasure(c.measures?.[0] ?? 'count(*)', names, `${c.path}.measures[0]`);
    const r = await run(`SELECT ${m.sql} FROM ${from}${where}`, 1);
    return { value: num(r.rows[0]?.[0]), label: m.label };
  }
  if (c.kind === 'table') {
    const shown = (c.columns ?? names).map((name, i) => requireColumn(name, names, `${c.path}.columns[${i}]`));
    const limit = c.limit ?? 20;
    const r = await run(`SELECT ${shown.map((n) => q(n)).join(', ')} FROM ${from}${where} LIMIT ${limit}`, limit);
    return { columns: shown, rows: r.rows };
  }
  if (c.kind === 'scatter') {
    const x = q(requireColumn(c.x, names, `${c.path}.x`));
    const y = q(requireColumn(c.y, names, `${c.path}.y`));
    const limit = c.limit ?? SCATTER_POINTS;
    const r = await run(
      `SELECT ${x}::DOUBLE, ${y}::DOUBLE FROM (SELECT * FROM ${from}${and(`${x} IS NOT NULL AND ${y} IS NOT NULL`)}) USING SAMPLE reservoir(${limit} ROWS) REPEATABLE (7)`,
      limit,
    );
    return { x: c.x, y: c.y, points: r.rows.map((row) => [Number(row[0]), Number(row[1])]) };
  }
  // bar, line, area, pie: categories along x, one series per measure or per group value.
  const xName = requireColumn(c.x, names, `${c.path}.x`);
  const xType = cols.find((col) => col.name === xName)?.type ?? 'VARCHAR';
  const measures = (c.kind === 'pie' ? (c.measures ?? []).slice(0, 1) : (c.measures ?? [])).map((m, i) => parseMeasure(m, names, `${c.path}.measures[${i}]`));
  const temporal = isTemporal(xType);
  let xSql = q(xName);
  if (temporal) {
    let bucket = c.bucket;
    if (!bucket) {
      const span = await run(`SELECT date_diff('day', min(${q(xName)})::DATE, max(${q(xName)})::DATE) FROM ${from}${where}`, 1);
      const days = Number(span.rows[0]?.[0] ?? 0);
      bucket = days <= 93 ? 'day' : days <= 3 * 365 ? 'month' : 'year';
    }
    xSql = `date_trunc(${quoteString(bucket)}, ${q(xName)})::DATE`;
  }
  const ordered = temporal || (c.kind !== 'bar' && c.kind !== 'pie');
  const limit = c.limit ?? (temporal ? 1000 : c.kind === 'pie' ? 8 : 20);
  if (c.group) {
    const g = q(requireColumn(c.group, names, `${c.path}.group`));
    const m = measures[0] as Measure;
    // The groups with the largest totals become series; the rest are left out (said in the series names).
    const top = await run(
      `SELECT CAST(${g} AS VARCHAR) AS g FROM ${from}${where} GROUP BY g ORDER BY ${m.sql} DESC NULLS LAST LIMIT ${MAX_GROUPS}`,
      MAX_GROUPS,
    );
    const groups = top.rows.map((row) => (row[0] === null ? null : String(row[0])));
    const r = await run(
      `SELECT CAST(${xSql} AS VARCHAR) AS x, CAST(${g} AS VARCHAR) AS g, ${m.sql} AS v FROM ${from}${where} GROUP BY x, g ORDER BY x`,
      100_000,
    );
    const categories = [...new Set(r.rows.map((row) => String(row[0] ?? '(empty)')))].slice(0, limit);
    const index = new Map(categories.map((x, i) => [x, i]));
    const series = groups.map((name) => ({ name: name ?? '(empty)', values: categories.map(() => null as number | null) }));
    for (const [x, gv, v] of r.rows) {
      const si = groups.indexOf(gv === null ? null : String(gv));
      const xi = index.get(String(x ?? '(empty)'));
      if (si >= 0 && xi !== undefined) (series[si] as { values: (number | null)[] }).values[xi] = num(v);
    }
    return { x: xName, categories, series };
  }
  const r = await run(
    `SELECT CAST(${xSql} AS VARCHAR) AS x, ${measures.map((m, i) => `${m.sql} AS m${i}`).join(', ')} FROM ${from}${where} GROUP BY x ORDER BY ${ordered ? 'x' : 'm0 DESC NULLS LAST, x'} LIMIT ${limit}`,
    limit,
  );
  return {
    x: xName,
    categories: r.rows.map((row) => (row[0] === null ? '(empty)' : String(row[0]))),
    series: measures.map((m, i) => ({ name: m.label, values: r.rows.map((row) => num(row[i + 1])) })),
  };
}
