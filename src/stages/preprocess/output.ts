/**
 * The processed output: the rows that go on, written as Parquet with each
 * column's origin and type decision in the file's metadata, and the report's
 * counts of the rows written, invalid and duplicate.
 */
import type { HeaderMapping } from '../../core/headers.js';
import type { TypeDecision } from '../../core/infer.js';
import { COLUMN_COMMENTS_KEY } from '../../engine/duckdb.js';
import { quoteString } from '../../engine/sql.js';
import type { Filled } from './missing-values.js';
import type { ValidRows } from './rows.js';
import type { PreprocessRun } from './run.js';
import type { Loaded } from './typing.js';

/** Write the valid rows to the Parquet file `file` and count them into the report. */
export async function writeParquet(run: PreprocessRun, loaded: Loaded, filled: Filled, valid: ValidRows, file: string): Promise<void> {
  const { report } = run;
  // Each column's origin and type decision travels with the file; the crawler makes them the catalog's column comments.
  const comments = run.headers.map((h, i) => ({ name: h.name, comment: columnComment(h, loaded.decisions[i] as TypeDecision, run.dataset) }));
  const written = await run.connection.runAndReadAll(
    `COPY (${valid.select})
     TO ${quoteString(file)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${quoteString(COLUMN_COMMENTS_KEY)}: ${quoteString(JSON.stringify(comments))}})`,
  );
  report.rows.written = Number(written.getRows()[0]?.[0] ?? 0);
  report.rows.invalid = valid.invalidRows;
  report.rows.duplicates = filled.rows - valid.invalidRows - report.rows.written;
  report.duplicates = valid.duplicates(report.rows.duplicates);
}

/** `from "Order ID"; 100% of values are whole numbers`: where a column came from and why it has its type. */
function columnComment(h: HeaderMapping, d: TypeDecision, dataset: string): string {
  const origin = h.original !== h.name ? `from "${h.original}"; ` : '';
  return `${origin}${d.reason}`.replace(`(datasets.${dataset}.columns.${h.name}.type)`, '').trim();
}
