/**
 * Rejects: the rows that could not be read, the cells that did not parse as
 * their column's type and the rows that broke a rule, written to
 * `quarantine/<dataset>/<file>.rejects.csv` at the physical line each starts
 * on, so they can be fixed at the source.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RecordLineScanner } from '../../core/dialect.js';
import type { TypeDecision } from '../../core/infer.js';
import { rejectsKeyFor } from '../../core/keys.js';
import { neutralisedFormula, quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import { feedFile } from './reading.js';
import { NO_VIOLATIONS } from './rows.js';
import { type PreprocessRun, scalar } from './run.js';
import { failedFlag, type Loaded } from './typing.js';

/** Rejected cells: a value that was present but did not parse as the column's type (its text is in the clean table). */
export function cellRejectQueries(run: PreprocessRun, loaded: Loaded): string[] {
  const { tables } = run;
  const { decisions, counts } = loaded;
  return run.headers
    .map((h, i) => ({ h, i, d: decisions[i] as TypeDecision }))
    .filter(({ i, d }) => (counts[i]?.failed ?? 0) > 0 && d.duckType !== 'VARCHAR')
    .map(
      ({ h, i, d }) =>
        `SELECT f.r + 1 AS row, ${quoteString(h.original)} AS "column", t.${q(h.name)} AS value, ${quoteString(`not a valid ${d.logical} (${d.duckType})`)} AS reason
             FROM (SELECT rowid AS r FROM ${q(tables.base)} WHERE ${failedFlag(i)}) f JOIN ${q(tables.clean)} t ON t.rowid = f.r`,
    );
}

/**
 * Write every rejected row and cell of a file to `quarantine/<dataset>/<file>.rejects.csv`
 * with the physical line it starts on. Line numbers need one more pass over
 * the file, so they are only computed when there is something to reject.
 */
export async function writeRejects(run: PreprocessRun, rowRejects: Record<string, unknown>[], rowQueries: string[]): Promise<void> {
  const { connection: c, deps, dialect, tables } = run;
  const rejectsKey = rejectsKeyFor(run.key);
  if (rowQueries.length === 0 && rowRejects.length === 0) {
    // A new version of the file with no rejects must not leave the old version's rejects behind.
    await deps.zones.quarantine.delete(rejectsKey);
    return;
  }
  await c.run(`CREATE TABLE ${q(tables.rejected)} AS SELECT * FROM (${[NO_VIOLATIONS, ...rowQueries].join(' UNION ALL ')})`);
  const cells = await scalar(c, `SELECT count(*) FROM ${q(tables.rejected)}`);
  if (cells === 0 && rowRejects.length === 0) {
    // A new version of the file with no rejects must not leave the old version's rejects behind.
    await deps.zones.quarantine.delete(rejectsKey);
    return;
  }
  const wanted = (await c.runAndReadAll(`SELECT DISTINCT row FROM ${q(tables.rejected)}`)).getRows().map((r) => Number(r[0]));
  const rejectedRecords = rowRejects.map((r) => Number(r.line));
  const scanner = await scanRecordLines(
    run.prepared.path,
    new RecordLineScanner(dialect.header, new Set(rejectedRecords), new Set(wanted), dialect.quote, dialect.skipLines),
  );
  const mapping = [
    ...wanted.map((row) => [row, scanner.rowLines.get(row) ?? 0]),
    ...rejectedRecords.map((record) => [-record, scanner.recordLines.get(record) ?? record]),
  ];
  await c.run(`CREATE TABLE ${q(tables.lines)} (row BIGINT, line BIGINT)`);
  for (let i = 0; i < mapping.length; i += 1000) {
    const values = mapping.slice(i, i + 1000).map(([row, line]) => `(${Math.trunc(row as number)}, ${Math.trunc(line as number)})`);
    await c.run(`INSERT INTO ${q(tables.lines)} VALUES ${values.join(', ')}`);
  }
  const tmp = path.join(deps.tmpDir, `${tables.rejected}.csv`);
  try {
    await c.run(
      `COPY (
         SELECT kind, line, ${neutralisedFormula('"column"')} AS "column", ${neutralisedFormula('value')} AS value, ${neutralisedFormula('reason')} AS reason FROM (
           SELECT 'row' AS kind, l.line, NULL::VARCHAR AS "column", any_value(r.csv_line) AS value,
                  string_agg(DISTINCT r.error_type, ', ') || ': ' || arg_min(r.error_message, r.column_idx) AS reason
           FROM ${q(tables.rejects)} r JOIN ${q(tables.lines)} l ON l.row = -CAST(r.line AS BIGINT) GROUP BY l.line
           UNION ALL
           SELECT CASE WHEN x.reason LIKE 'not a valid %' OR x.reason LIKE 'invalid UTF-8 %' THEN 'cell' ELSE 'rule' END, l.line, x."column", x.value, x.reason
           FROM ${q(tables.rejected)} x JOIN ${q(tables.lines)} l ON l.row = x.row
         ) ORDER BY line, "column"
       ) TO ${quoteString(tmp)} (FORMAT csv, HEADER true)`,
    );
    await deps.zones.quarantine.putFile(rejectsKey, tmp);
    run.report.outputs.rejects = rejectsKey;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function scanRecordLines(file: string, scanner: RecordLineScanner): Promise<RecordLineScanner> {
  await feedFile(file, scanner);
  scanner.end();
  return scanner;
}
