/**
 * The crawl stage (the Glue crawler): register one processed Parquet file in
 * the catalog table of its dataset. Types come from the Parquet schema that
 * preprocess wrote; nothing is re-guessed from text. Hive-style folders in the
 * key (`year=2024/`) become partition columns.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import type { SchemaChangePolicy, TableChange } from '../../core/catalog.js';
import { datasetOf, folderLayoutOf, layoutWarning, partitionValuesOf } from '../../core/keys.js';
import { misfit } from '../../core/schema.js';
import type { ColumnSchema } from '../../core/types.js';
import { convertsExactly, quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import type { StageDeps } from '../deps.js';

export interface CrawlInput {
  processedKey: string;
  sha256: string;
  rawKey: string;
  rawSha256: string;
}

export interface CrawlResult {
  table: string;
  change: TableChange;
  rows: number;
  /** Files of the table at inconsistent folder depths, when this file is one of them. */
  layoutWarning?: string;
}

export async function crawl(input: CrawlInput, deps: StageDeps): Promise<CrawlResult> {
  const dataset = datasetOf(input.rawKey);
  const store = deps.zones.processed;
  const local = await store.materialize(input.processedKey, deps.tmpDir);
  try {
    const policy = deps.config.datasets[dataset]?.schemaChange ?? 'update';
    const tableSchema = await schemaToFit(deps, dataset, input.processedKey, policy);
    const { columns, rows, fitByValue } = await deps.engine.withConnection(async (c) => {
      const columns = await deps.engine.parquetSchema(c, local.path);
      return {
        columns,
        rows: await deps.engine.parquetRowCount(c, local.path),
        fitByValue: tableSchema ? await columnsFittingByValue(c, local.path, tableSchema, columns) : [],
      };
    });
    // Columns that fit by value are cataloged with the types they were checked against; readers cast to them.
    const fitted = new Map((tableSchema ?? []).filter((t) => fitByValue.includes(t.name)).map((t) => [t.name, t.type]));
    const info = await store.head(input.processedKey);
    const change = await deps.catalog.registerFile(
      {
        database: 'processed',
        table: dataset,
        location: store.uri(dataset),
        fileKey: input.processedKey,
        sha256: input.sha256,
        sourceRawKey: input.rawKey,
        sourceSha256: input.rawSha256,
        rows,
        bytes: info?.size ?? 0,
        columns: columns.map((col) => ({ ...col, type: fitted.get(col.name) ?? col.type })),
        partitionValues: partitionValuesOf(input.processedKey),
      },
      policy === 'update' ? {} : { fitByValue },
    );
    const table = `processed.${dataset}`;
    if (change.rejected) return { table, change, rows };
    // Said when this file's folder layout differs from another file's, so each newcomer of an odd layout is named.
    const keys = await deps.catalog.fileKeys('processed', dataset);
    const warning = keys.some((k) => folderLayoutOf(k) !== folderLayoutOf(input.processedKey)) ? layoutWarning(table, keys) : undefined;
    if (warning) deps.log.warn(warning, { key: input.processedKey });
    return { table, change, rows, ...(warning ? { layoutWarning: warning } : {}) };
  } finally {
    await local.cleanup();
  }
}

/**
 * The schema a file is checked against value by value (columnsFittingByValue),
 * under every policy: a file whose values all fit the table's types exactly
 * fits the table, so a narrower file (`5 %` beside a table of `12.5 %`) makes
 * no new schema version. A file registered again (a new version of its raw
 * file, a full crawl) meets the table as it is too, so a full crawl changes no
 * type; only the table's sole file registered again, under `update`, defines
 * the table afresh (it may narrow).
 */
async function schemaToFit(deps: StageDeps, dataset: string, fileKey: string, policy: SchemaChangePolicy): Promise<ColumnSchema[] | undefined> {
  if (policy === 'update') {
    const keys = await deps.catalog.fileKeys('processed', dataset);
    if (keys.length === 1 && keys[0] === fileKey) return undefined;
  }
  return deps.catalog.schema('processed', dataset);
}

/**
 * Columns whose type differs from the table's, but whose every value converts
 * to the table's type and back unchanged (a whole-number file column into a
 * decimal table column, DECIMAL(18,2) values into DECIMAL(18,4)): such a
 * file fits the table as it is, under any policy. A value that would lose a
 * digit (1.125 into DECIMAL(18,2)) does not fit, and the table widens (a real
 * change, a new version under `update`).
 */
async function columnsFittingByValue(c: DuckDBConnection, file: string, table: ColumnSchema[], columns: ColumnSchema[]): Promise<string[]> {
  const diff = misfit(table, columns);
  const tableTypes = new Map(table.map((t) => [t.name, t.type]));
  const fileTypes = new Map(columns.map((col) => [col.name, col.type]));
  const candidates = [...diff.widened, ...diff.changed].filter((d) => fileTypes.has(d.name) && tableTypes.has(d.name));
  if (candidates.length === 0) return [];
  const checks = candidates.map((d) => {
    const col = q(d.name);
    const fits = convertsExactly(col, fileTypes.get(d.name) as string, tableTypes.get(d.name) as string);
    return `count(*) FILTER (WHERE NOT ${fits})`;
  });
  const r = await c.runAndReadAll(`SELECT ${checks.join(', ')} FROM read_parquet(${quoteString(file)})`);
  const misses = (r.getRows()[0] ?? []).map(Number);
  return candidates.filter((_, i) => misses[i] === 0).map((d) => d.name);
}
