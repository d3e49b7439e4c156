/**
 * The crawl stage (the Glue crawler): register one processed Parquet file in
 * the catalog table of its dataset. Types come from the Parquet schema that
 * preprocess wrote; nothing is re-guessed from text. Hive-style folders in the
 * key (`year=2024/`) become partition columns.
 */
import { datasetOf, partitionValuesOf } from '../../core/keys.js';
import type { SqliteCatalog, TableChange } from '../../state/catalog.js';
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
}

export async function crawl(input: CrawlInput, deps: StageDeps & { catalog: SqliteCatalog }): Promise<CrawlResult> {
  const dataset = datasetOf(input.rawKey);
  const store = deps.zones.processed;
  const local = await store.materialize(input.processedKey, deps.tmpDir);
  try {
    const { columns, rows } = await deps.engine.withConnection(async (c) => ({
      columns: await deps.engine.parquetSchema(c, local.path),
      rows: await deps.engine.parquetRowCount(c, local.path),
    }));
    const info = await store.head(input.processedKey);
    const change = deps.catalog.registerFile({
      database: 'processed',
      table: dataset,
      location: store.uri(dataset),
      fileKey: input.processedKey,
      sha256: input.sha256,
      sourceRawKey: input.rawKey,
      sourceSha256: input.rawSha256,
      rows,
      bytes: info?.size ?? 0,
      columns,
      partitionValues: partitionValuesOf(input.processedKey),
    });
    return { table: `processed.${dataset}`, change, rows };
  } finally {
    await local.cleanup();
  }
}
