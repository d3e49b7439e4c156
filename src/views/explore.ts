/**
 * Looking into a catalog table from the web app: a preview of rows and a
 * profile of every column (nulls, distinct values, min and max, top values or
 * a histogram), the profiling Glue DataBrew offers. Everything is computed in
 * DuckDB on the server; the browser receives only the summary.
 */

import type { ColumnProfile } from '../api/types.js';
import { parseTableName } from '../core/catalog.js';
import { typeFamily } from '../core/types.js';
import { quoteIdentifier as q, quoteQualified } from '../engine/sql.js';
import { requireTable } from './catalog.js';
import type { ReadContext } from './context.js';
import { withCatalogQueries } from './query.js';

/** Columns profiled at most (a 2,000-column table profiles its first ones). */
const PROFILE_COLUMNS = 60;
const HISTOGRAM_BINS = 12;
const TOP_VALUES = 8;

export async function previewTable(ctx: ReadContext, qualified: string, limit = 50) {
  const t = await requireTable(ctx.catalog, qualified);
  const { database, name } = parseTableName(qualified);
  const result = await withCatalogQueries(ctx, (run) => run(`SELECT * FROM ${quoteQualified(database, name)}`, Math.min(Math.max(limit, 1), 500)));
  return { table: `${t.database}.${t.name}`, columns: result.columns, rows: result.rows, truncated: result.truncated };
}

export async function profileTable(ctx: ReadContext, qualified: string) {
  const t = await requireTable(ctx.catalog, qualified);
  const { database, name } = parseTableName(qualified);
  const from = quoteQualified(database, name);
  const columns = [...t.columns, ...t.partitionKeys].slice(0, PROFILE_COLUMNS);
  return withCatalogQueries(ctx, async (run) => {
    const numeric = (type: string) => typeFamily(type) === 'numeric';
    // One pass for the counts, bounds and distinct estimates of every column.
    const stats = columns.flatMap((c) => {
      const col = q(c.name);
      const bound = (fn: string) => (numeric(c.type) ? `${fn}(${col})::DOUBLE` : `${fn}(${col})::VARCHAR`);
      return [`count(*) - count(${col})`, `approx_count_distinct(${col})`, bound('min'), bound('max')];
    });
    const first = await run(`SELECT count(*) AS n${stats.length ? `, ${stats.join(', ')}` : ''} FROM ${from}`, 1);
    const row = first.rows[0] ?? [];
    const rows = Number(row[0] ?? 0);
    const profiles: ColumnProfile[] = [];
    for (const [i, c] of columns.entries()) {
      const [nulls, distinct, min, max] = row.slice(1 + i * 4, 5 + i * 4);
      const profile: ColumnProfile = {
        name: c.name,
        type: c.type,
        nulls: Number(nulls ?? 0),
        // An estimate (HyperLogLog): never more than the values there are.
        distinct: Math.min(Number(distinct ?? 0), rows - Number(nulls ?? 0)),
        min: (min ?? null) as string | number | null,
        max: (max ?? null) as string | number | null,
      };
      const col = q(c.name);
      if (numeric(c.type) && typeof min === 'number' && typeof max === 'number' && max > min) {
        const width = (max - min) / HISTOGRAM_BINS;
        const bins = await run(
          `SELECT least(floor((${col}::DOUBLE - ${min}) / ${width}), ${HISTOGRAM_BINS - 1})::INTEGER AS b, count(*) AS n FROM ${from} WHERE ${col} IS NOT NULL GROUP BY b ORDER BY b`,
          HISTOGRAM_BINS,
        );
        const counts = new Map(bins.rows.map((r) => [Number(r[0]), Number(r[1])]));
        profile.histogram = Array.from({ length: HISTOGRAM_BINS }, (_, b) => ({ from: min + b * width, to: min + (b + 1) * width, count: counts.get(b) ?? 0 }));
      } else {
        const top = await run(
          `SELECT ${col}::VARCHAR AS v, count(*) AS n FROM ${from} GROUP BY v ORDER BY n DESC, v NULLS LAST LIMIT ${TOP_VALUES}`,
          TOP_VALUES,
        );
        profile.top = top.rows.map((r) => ({ value: r[0] === null || r[0] === undefined ? null : String(r[0]), count: Number(r[1]) }));
      }
      profiles.push(profile);
    }
    return {
      table: `${t.database}.${t.name}`,
      rows,
      columns: profiles,
      ...(t.columns.length + t.partitionKeys.length > PROFILE_COLUMNS ? { truncated: true } : {}),
    };
  });
}
