/**
 * The preprocess stage (the Lambda of the reference design): one raw CSV in,
 * one typed Parquet file out, rejected rows and cells to quarantine with their
 * reasons, and a report of every decision. Raw objects are only read.
 *
 * The steps, each a module of its own: reading (dialect, header, the checked
 * CSV read), typing (types decided on a sample, checked against every value),
 * missing values, rows (rules and duplicates), output (the Parquet file),
 * rejects and the report. They share one run context (run.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, InputError } from '../../core/errors.js';
import { processedKeyFor } from '../../core/keys.js';
import type { StageDeps } from '../deps.js';
import { quarantineRawFile } from '../quarantine.js';
import { invalidUtf8Cells } from './encoding.js';
import { type PreparedInput, prepareInput } from './input.js';
import { countNulls, fillMissingValues } from './missing-values.js';
import { writeParquet } from './output.js';
import { countRecords, findCodeTokens, readHeader } from './reading.js';
import { cellRejectQueries, writeRejects } from './rejects.js';
import { newReport, type PreprocessReport, reportColumns } from './report.js';
import { keepValidRows } from './rows.js';
import type { PreprocessRun } from './run.js';
import { checkFormats } from './type-decisions.js';
import { loadTyped } from './typing.js';
import { reportVariants } from './variants.js';
import { dropWorkTables, workTableNames } from './work-tables.js';

export type { ColumnReport, PreprocessReport } from './report.js';

export interface PreprocessInput {
  rawKey: string;
  sha256: string;
  /**
   * Another raw key whose output is already at this file's processed key
   * (`x.csv` and `x.csv.gz`, or `Sales/a.csv` and `sales/a.csv`): the file is
   * quarantined rather than overwrite it.
   */
  outputTakenBy?: string;
  /**
   * The raw object's change tag when the run began (ObjectInfo.tag). When
   * given, nothing is written unless the object still has it once it has been
   * read: a file that changed meanwhile (a writer still at work) ends the run
   * as `superseded`, and its new version is the next run's.
   */
  rawTag?: string;
}

export interface PreprocessResult {
  outcome: 'processed' | 'quarantined' | 'superseded';
  report: PreprocessReport;
  processedKey?: string;
}

export async function preprocess(input: PreprocessInput, deps: StageDeps): Promise<PreprocessResult> {
  const started = Date.now();
  const report = newReport(input);
  try {
    if (input.outputTakenBy) {
      throw new InputError(
        `${input.rawKey}: its output ${processedKeyFor(input.rawKey)} already holds the data of ${input.outputTakenBy}; rename one of the two files so their names differ by more than case or compression`,
        input.rawKey,
      );
    }
    const result = await prepareAndProcess(input, deps, report);
    report.durationMs = Date.now() - started;
    return result;
  } catch (err) {
    if (err instanceof RawObjectChanged) return { outcome: 'superseded', report };
    if (!(err instanceof InputError)) throw err;
    // A file refused as it was while a writer was still at it is not refused: its finished version is read next.
    if (await rawObjectChanged(input, deps)) return { outcome: 'superseded', report };
    report.quarantine = { reason: err.message };
    report.durationMs = Date.now() - started;
    report.outputs.quarantined = await quarantineRawFile(deps.zones, input.rawKey, input.sha256, err.message);
    return { outcome: 'quarantined', report };
  }
}

/** Prepare the raw file and process it; prepare it again and retry when it turns out to mix line endings. */
async function prepareAndProcess(input: PreprocessInput, deps: StageDeps, report: PreprocessReport): Promise<PreprocessResult> {
  const limits = { maxFileBytes: deps.config.defaults.maxFileBytes, maxGzipRatio: 100 };
  let prepared = await prepareInput(deps.zones.raw, input.rawKey, deps.tmpDir, limits);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await processFile(prepared, input, deps, report);
      } catch (err) {
        const message = errorMessage(err);
        // DuckDB's strict parser refuses files that mix CRLF and LF line endings.
        const mixedNewlines = /state machine reached an invalid state/i.test(message) && !prepared.newlinesNormalized;
        if (attempt > 1 || !mixedNewlines) throw err;
        await prepared.cleanup();
        prepared = await prepareInput(deps.zones.raw, input.rawKey, deps.tmpDir, limits, {
          encoding: prepared.encoding,
          normalizeNewlines: true,
        });
      }
    }
  } finally {
    await prepared.cleanup();
  }
}

/** The raw object changed while the run read it (see PreprocessInput.rawTag). */
class RawObjectChanged extends Error {}

async function rawObjectChanged(input: PreprocessInput, deps: StageDeps): Promise<boolean> {
  return input.rawTag !== undefined && (await deps.zones.raw.head(input.rawKey))?.tag !== input.rawTag;
}

/** Called after reading and before writing: a tag check is a stat, and every write changes the tag (size, mtime, inode; an ETag). */
async function ensureRawUnchanged(input: PreprocessInput, deps: StageDeps): Promise<void> {
  if (await rawObjectChanged(input, deps)) throw new RawObjectChanged(`${input.rawKey} changed while it was read`);
}

/** Read, type, fill and check the prepared file, then write the Parquet file, the rejects and the report. */
async function processFile(prepared: PreparedInput, input: PreprocessInput, deps: StageDeps, report: PreprocessReport): Promise<PreprocessResult> {
  const { dialect, headers } = readHeader(prepared, input.rawKey, report);
  const tables = workTableNames();
  await deps.engine.ensureMemoryForColumns(headers.length);
  return deps.engine.withConnection(async (connection) => {
    const run: PreprocessRun = {
      key: input.rawKey,
      deps,
      report,
      prepared,
      dialect,
      headers,
      dataset: report.dataset,
      ds: deps.config.datasets[report.dataset],
      defaults: deps.config.defaults,
      connection,
      tables,
    };
    try {
      await checkFormats(run);
      run.codeTokens = findCodeTokens(run);
      const loaded = await loadTyped(run);
      for (const [i, codes] of run.codeTokens) {
        const d = loaded.decisions[i];
        if (d)
          d.reason += `; ${codes.kept.map((t) => JSON.stringify(t)).join(', ')} read as a value, not missing: the column's other values are ${codes.shape}`;
      }
      if (loaded.typeSample) report.typeSample = loaded.typeSample;
      countRecords(run, loaded);
      const cellRejects = [...cellRejectQueries(run, loaded), ...(await invalidUtf8Cells(run, loaded))];
      const filled = await fillMissingValues(run, loaded);
      const valid = await keepValidRows(run, loaded.decisions);

      const tmpParquet = path.join(deps.tmpDir, `${tables.typed}.parquet`);
      await fs.mkdir(deps.tmpDir, { recursive: true });
      try {
        await writeParquet(run, loaded, filled, valid, tmpParquet);
        reportColumns(run, loaded, await countNulls(run, loaded, filled));
        await reportVariants(run, loaded);
        report.rejectedCells += report.invalidUtf8?.cells ?? 0;

        await deps.faults?.('preprocess.read');
        await ensureRawUnchanged(input, deps);
        await writeRejects(run, loaded.rejectRows, [...cellRejects, ...valid.rejects]);
        // Rejected rows' lines were read from the file again.
        await ensureRawUnchanged(input, deps);
        const processedKey = processedKeyFor(input.rawKey);
        await deps.zones.processed.putFile(processedKey, tmpParquet);
        report.outputs.processed = processedKey;
        return { outcome: 'processed', report, processedKey };
      } finally {
        await fs.rm(tmpParquet, { force: true });
      }
    } finally {
      await dropWorkTables(connection, tables);
    }
  });
}
