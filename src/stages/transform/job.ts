/**
 * Running a configured transform job (a Glue job) on the engine.
 *
 * - `incremental`: each input file of the source table has its own outputs,
 *   written under names that carry the input's content hash; the job's
 *   bookmark records which input version each came from. A changed input's
 *   outputs are replaced, a removed input's are withdrawn, an unchanged one is
 *   skipped, so re-uploading a raw file never duplicates final rows.
 * - `full`: the whole output is recomputed when any input (source, joined
 *   tables or the job spec itself) changed, then swapped in.
 *
 * Either way new files are written first under new names, then one state
 * transaction points the catalog at them and moves the bookmark, then the
 * replaced files are deleted. A run killed before the commit leaves the old
 * table as it was; files it wrote are swept at the start of the next run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { JobConfig } from '../../config/schema.js';
import { type CatalogFile, type CatalogTable, type FileRegistration, parseTableName, type TableChange } from '../../core/catalog.js';
import { partitionValuesOf } from '../../core/keys.js';
import type { QueryTable } from '../../engine/query.js';
import { tableSelect } from '../../engine/query.js';
import { neutralisedFormula, quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import { readableTables } from '../../engine/tables.js';
import type { StageDeps } from '../deps.js';
import type { Bookmark, BookmarkEdit } from '../ports.js';
import { type JobPlan, jobMode, joinsOf, planJob } from './plan.js';

/** A job needs nothing beyond what every stage gets. */
export type JobDeps = StageDeps;

export interface JobSummary {
  job: string;
  mode: 'incremental' | 'full';
  table: string;
  /** Input files processed this run (all of them for a full run that wrote). */
  inputs: number;
  rowsRead: number;
  rowsWritten: number;
  filesWritten: number;
  filesRemoved: number;
  /** Non-null source values a mapping could not convert (they became NULL), by target column. */
  castFailures: Record<string, number>;
  /** Why nothing was written, when nothing was. */
  skipped?: string;
  change?: TableChange;
}

/** The bookmark key of a full job: one entry for the whole input. */
const FULL_INPUT = '*';
/** CSV copies and their QuickSight manifest live beside the tables, not in their folders (readers of a table's folder expect Parquet only). */
export const CSV_FOLDER = '_csv';

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);

export function csvKeyPrefix(table: string): string {
  return `${CSV_FOLDER}/${table}/`;
}

export function manifestKey(table: string): string {
  return `${CSV_FOLDER}/${table}.manifest.json`;
}

export async function runJob(name: string, job: JobConfig, deps: JobDeps): Promise<JobSummary> {
  const mode = jobMode(job);
  const table = job.output.table;
  const summary: JobSummary = {
    job: name,
    mode,
    table: `final.${table}`,
    inputs: 0,
    rowsRead: 0,
    rowsWritten: 0,
    filesWritten: 0,
    filesRemoved: 0,
    castFailures: {},
  };
  const src = parseTableName(job.source);
  const sourceTable = await deps.catalog.getTable(src.database, src.name);
  const sourceFiles = sourceTable ? await deps.catalog.files(src.database, src.name) : [];
  await sweepOrphans(name, table, deps);
  const tmp = path.join(deps.tmpDir, `job-${name}-${process.pid}-${Date.now().toString(36)}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    if (!sourceTable || sourceFiles.length === 0) {
      // Nothing to read: withdraw what earlier runs wrote (their inputs are gone), or wait for data.
      const marks = await deps.bookmarks.list(name);
      if (marks.length === 0) return { ...summary, skipped: `${job.source} has no data yet` };
      return await withdraw(name, table, marks, deps, summary);
    }
    return await deps.engine.withConnection(async (c) => {
      const id = shortHash(tmp);
      const views = { source: `sluice_job_source_${id}`, joins: [] as (string | undefined)[] };
      // Copies of a remote zone's files (in the run's scratch folder) live as long as the view reading them.
      const copies = new Map<string, () => Promise<void>>();
      const createView = async (view: string, t: CatalogTable, files: readonly CatalogFile[], ordinal: boolean) => {
        const readable = await readableTables([{ table: t, files }], (x) => deps.zones[x.database], tmp);
        await c.run(`CREATE OR REPLACE TEMP VIEW ${q(view)} AS ${tableSelect(readable.tables[0] as QueryTable, { ordinal })}`);
        await copies.get(view)?.();
        copies.set(view, readable.release);
      };
      try {
        // Plan against the whole source (validation before anything is written), then reuse the plan per input file.
        await createView(views.source, sourceTable, sourceFiles, true);
        for (const [k, join] of joinsOf(job).entries()) {
          const ref = parseTableName(join.table);
          const t = await deps.catalog.getTable(ref.database, ref.name);
          const view = t ? `sluice_job_join_${k}_${id}` : undefined;
          if (t && view) await createView(view, t, await deps.catalog.files(ref.database, ref.name), false);
          views.joins.push(view);
        }
        const plan = await planJob(c, name, job, views);
        const run: JobRun = { c, name, job, plan, deps, tmp, summary, sourceFiles };
        if (mode === 'full') return await runFull(run);
        return await runIncremental(run, (file) => createView(views.source, sourceTable, [file], true));
      } finally {
        for (const v of [views.source, ...views.joins]) if (v) await c.run(`DROP VIEW IF EXISTS ${q(v)}`).catch(() => {});
        for (const release of copies.values()) await release();
      }
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The source has no files left: remove every output the job wrote, in one commit. */
async function withdraw(name: string, table: string, marks: Bookmark[], deps: JobDeps, summary: JobSummary): Promise<JobSummary> {
  const listed = new Set(await deps.catalog.fileKeys('final', table));
  const outputs = marks.flatMap((m) => m.outputs);
  const change = await deps.catalog.replaceFiles({
    database: 'final',
    table,
    location: deps.zones.final.uri(table),
    remove: outputs.filter((k) => listed.has(k)),
    add: [],
    bookmarks: { job: name, remove: marks.map((m) => m.inputKey) },
  });
  await deleteAll(deps, outputs);
  return { ...summary, filesRemoved: new Set(outputs).size, change };
}

/** What a full run's output depends on: every input file version and the job spec. */
async function fullFingerprint(job: JobConfig, deps: JobDeps, sourceFiles: readonly CatalogFile[]): Promise<string> {
  const inputs = [];
  for (const qualified of [job.source, ...joinsOf(job).map((j) => j.table)]) {
    const ref = parseTableName(qualified);
    const files = qualified === job.source ? sourceFiles : await deps.catalog.files(ref.database, ref.name);
    inputs.push([qualified, files.map((f) => [f.fileKey, f.sha256])]);
  }
  return createHash('sha256').update(JSON.stringify({ job, inputs })).digest('hex');
}

/** What a run works with: the engine connection, the job and its plan, and the source's files now. */
interface JobRun {
  c: DuckDBConnection;
  name: string;
  job: JobConfig;
  plan: JobPlan;
  deps: JobDeps;
  tmp: string;
  summary: JobSummary;
  sourceFiles: readonly CatalogFile[];
}

async function runFull({ c, name, job, plan, deps, tmp, summary, sourceFiles }: JobRun): Promise<JobSummary> {
  const fingerprint = await fullFingerprint(job, deps, sourceFiles);
  const mark = await deps.bookmarks.get(name, FULL_INPUT);
  if (mark?.inputHash === fingerprint) return { ...summary, skipped: 'no input changed since the last run' };
  const table = job.output.table;
  const tag = `${fingerprint.slice(0, 8)}-${Date.now().toString(36)}`;
  const written = await writeOutputs(c, job, plan, deps, tmp, `part-${tag}`, { rawKey: `job:${name}`, rawSha256: fingerprint });
  summary.castFailures = await castFailures(c, plan);
  const before = await deps.catalog.fileKeys('final', table);
  const outputs = [...written.files.map((f) => f.fileKey), ...written.csv];
  // Bookmarks of earlier incremental runs (the job's mode changed): their outputs go with this swap.
  const earlier = (await deps.bookmarks.list(name)).filter((m) => m.inputKey !== FULL_INPUT);
  await deps.faults?.('job.before-commit');
  const change = await deps.catalog.replaceFiles({
    database: 'final',
    table,
    location: deps.zones.final.uri(table),
    remove: before,
    add: written.files,
    bookmarks: {
      job: name,
      remove: earlier.map((m) => m.inputKey),
      set: [{ inputKey: FULL_INPUT, inputHash: fingerprint, outputKey: table, outputs }],
    },
  });
  const keep = new Set(outputs);
  const removed = [...before, ...(mark?.outputs ?? []), ...earlier.flatMap((m) => m.outputs)].filter((k) => !keep.has(k));
  await deleteAll(deps, removed);
  if (job.output.csv) await writeManifest(deps, table);
  return {
    ...summary,
    inputs: sourceFiles.length,
    rowsRead: sourceFiles.reduce((n, f) => n + f.rows, 0),
    rowsWritten: written.rows,
    filesWritten: written.files.length + written.csv.length,
    filesRemoved: new Set(removed).size,
    change,
  };
}

async function runIncremental(
  { c, name, job, plan, deps, tmp, summary, sourceFiles }: JobRun,
  useInput: (file: CatalogFile) => Promise<void>,
): Promise<JobSummary> {
  const table = job.output.table;
  const location = deps.zones.final.uri(table);
  const marks = new Map((await deps.bookmarks.list(name)).map((b) => [b.inputKey, b]));
  // Files in the table that no input of this job produced: an earlier full run's output (the job's mode changed) or
  // what another writer left (the dataset was published unchanged before this job was configured). They are swapped
  // out with the first input's output, so the table never holds both.
  const owned = new Set([...marks.values()].filter((m) => m.inputKey !== FULL_INPUT).flatMap((m) => m.outputs));
  const foreign = (await deps.catalog.fileKeys('final', table)).filter((k) => !owned.has(k));
  const hadFullMark = marks.has(FULL_INPUT);
  let takenOver = [...new Set([...(marks.get(FULL_INPUT)?.outputs ?? []), ...foreign])];
  let takeOverPending = hadFullMark || takenOver.length > 0;
  marks.delete(FULL_INPUT);
  // An input's outputs depend on its content and on the job spec: a changed spec reprocesses every input.
  const version = (file: CatalogFile) => `${file.sha256}:${shortHash(JSON.stringify(job))}`;
  const current = new Set(sourceFiles.map((f) => f.fileKey));
  let change: TableChange | undefined;
  const out = { ...summary };
  /** Swap `remove` for `add` in the table and move the bookmark, in one commit; then delete what left. */
  const commit = async (remove: readonly string[], add: Awaited<ReturnType<typeof writeOutputs>> | undefined, bookmark: Omit<BookmarkEdit, 'job'>) => {
    const listed = new Set(await deps.catalog.fileKeys('final', table));
    const replaced = [...remove, ...takenOver];
    await deps.faults?.('job.before-commit');
    change = await deps.catalog.replaceFiles({
      database: 'final',
      table,
      location,
      remove: replaced.filter((k) => listed.has(k)),
      add: add?.files ?? [],
      bookmarks: { job: name, remove: [...(hadFullMark ? [FULL_INPUT] : []), ...(bookmark.remove ?? [])], set: bookmark.set ?? [] },
    });
    takenOver = [];
    takeOverPending = false;
    const keep = new Set([...(add?.files.map((f) => f.fileKey) ?? []), ...(add?.csv ?? [])]);
    const gone = [...new Set(replaced)].filter((k) => !keep.has(k));
    await deleteAll(deps, gone);
    out.filesRemoved += gone.length;
  };
  // Inputs that left the source table: withdraw their outputs.
  for (const [inputKey, mark] of marks) {
    if (current.has(inputKey)) continue;
    await commit(mark.outputs, undefined, { remove: [inputKey] });
  }
  for (const file of sourceFiles) {
    const mark = marks.get(file.fileKey);
    if (mark?.inputHash === version(file)) continue;
    await useInput(file);
    const stem = `${path.posix
      .basename(file.fileKey)
      .replace(/\.parquet$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '_')}-${shortHash(file.fileKey)}-${shortHash(version(file)).slice(0, 8)}`;
    const written = await writeOutputs(c, job, plan, deps, tmp, stem, { rawKey: file.sourceRawKey, rawSha256: file.sourceSha256 });
    for (const [col, n] of Object.entries(await castFailures(c, plan))) out.castFailures[col] = (out.castFailures[col] ?? 0) + n;
    const outputs = [...written.files.map((f) => f.fileKey), ...written.csv];
    await commit(mark?.outputs ?? [], written, { set: [{ inputKey: file.fileKey, inputHash: version(file), outputKey: outputs[0] ?? table, outputs }] });
    out.inputs++;
    out.rowsRead += file.rows;
    out.rowsWritten += written.rows;
    out.filesWritten += outputs.length;
  }
  if (takeOverPending) await commit([], undefined, {});
  if (job.output.csv && (out.inputs > 0 || out.filesRemoved > 0)) await writeManifest(deps, table);
  if (!change) return { ...out, skipped: 'no input changed since the last run' };
  return { ...out, change };
}

/**
 * Write the plan's rows as Parquet (partitioned or split by size as the job
 * says) and optionally CSV into the final zone under names starting with
 * `stem`; returns the catalog registrations of the Parquet files.
 */
async function writeOutputs(
  c: DuckDBConnection,
  job: JobConfig,
  plan: JobPlan,
  deps: JobDeps,
  tmp: string,
  stem: string,
  source: { rawKey: string; rawSha256: string },
): Promise<{ files: Omit<FileRegistration, 'database' | 'table' | 'location'>[]; csv: string[]; rows: number }> {
  const table = job.output.table;
  const dir = path.join(tmp, stem);
  await fs.rm(dir, { recursive: true, force: true });
  const options = [`FORMAT parquet`, `COMPRESSION ${job.output.compression}`];
  let target = path.join(dir, `${stem}.parquet`);
  if (plan.partitionBy.length || job.output.targetFileSize) {
    // Several files: DuckDB names them from the pattern inside the folder (size splitting cannot be combined with partitions).
    target = dir;
    options.push(`FILENAME_PATTERN ${quoteString(`${stem}-{i}`)}`);
    if (plan.partitionBy.length) options.push(`PARTITION_BY (${plan.partitionBy.map((p) => q(p)).join(', ')})`);
    else options.push(`FILE_SIZE_BYTES ${quoteString(job.output.targetFileSize as string)}`);
  } else {
    await fs.mkdir(dir, { recursive: true });
  }
  await c.run(`COPY (${plan.sql}) TO ${quoteString(target)} (${options.join(', ')})`);
  const files: Omit<FileRegistration, 'database' | 'table' | 'location'>[] = [];
  let rows = 0;
  for (const rel of await listFiles(dir)) {
    if (!rel.endsWith('.parquet')) continue;
    const key = `${table}/${rel}`;
    const local = path.join(dir, ...rel.split('/'));
    const n = await deps.engine.parquetRowCount(c, local);
    const stat = await deps.zones.final.putFile(key, local);
    // The plan's columns, partition columns included: the catalog takes their types from here, not from folder names.
    files.push({
      fileKey: key,
      sha256: stat.sha256,
      sourceRawKey: source.rawKey,
      sourceSha256: source.rawSha256,
      rows: n,
      bytes: stat.size,
      columns: plan.columns,
      partitionValues: partitionValuesOf(key),
    });
    rows += n;
  }
  const csv: string[] = [];
  if (job.output.csv) {
    const local = path.join(tmp, `${stem}.csv`);
    const select = plan.columns.map((col) => (col.type === 'VARCHAR' ? `${neutralisedFormula(q(col.name))} AS ${q(col.name)}` : q(col.name)));
    await c.run(`COPY (SELECT ${select.join(', ')} FROM (${plan.sql})) TO ${quoteString(local)} (FORMAT csv, HEADER true)`);
    const key = `${csvKeyPrefix(table)}${stem}.csv`;
    await deps.zones.final.putFile(key, local);
    csv.push(key);
  }
  return { files, csv, rows };
}

async function castFailures(c: DuckDBConnection, plan: JobPlan): Promise<Record<string, number>> {
  if (!plan.castCheckSql) return {};
  const r = await c.runAndReadAll(plan.castCheckSql);
  const counts = (r.getRows()[0] ?? []).map(Number);
  return Object.fromEntries(plan.casts.map((x, i) => [x.target, counts[i] ?? 0]).filter(([, n]) => (n as number) > 0));
}

/** The QuickSight S3 manifest for a job's CSV output: QuickSight reads CSV, not Parquet, straight from S3. */
export function quicksightManifest(csvPrefixUri: string): object {
  return {
    fileLocations: [{ URIPrefixes: [csvPrefixUri] }],
    globalUploadSettings: { format: 'CSV', delimiter: ',', textqualifier: '"', containsHeader: 'true' },
  };
}

async function writeManifest(deps: JobDeps, table: string): Promise<void> {
  const uri = deps.zones.final.uri(csvKeyPrefix(table).replace(/\/$/, ''));
  // QuickSight takes URLs (s3://…); a local zone's folder is written as a file:// URL.
  const prefix = /^[a-z0-9]+:\/\//.test(uri) ? uri : `file://${uri}`;
  await deps.zones.final.put(manifestKey(table), `${JSON.stringify(quicksightManifest(`${prefix}/`), null, 2)}\n`);
}

/**
 * Delete objects under the job's folders that neither the catalog nor the
 * job's bookmarks know: files of a run killed before its commit, or replaced
 * files a killed run did not get to delete. The job's lock is held, so no run
 * of it is writing there now.
 */
async function sweepOrphans(name: string, table: string, deps: JobDeps): Promise<void> {
  const known = new Set([...(await deps.catalog.fileKeys('final', table)), ...(await deps.bookmarks.list(name)).flatMap((b: Bookmark) => b.outputs)]);
  for (const prefix of [`${table}/`, csvKeyPrefix(table)]) {
    for await (const o of deps.zones.final.list(prefix)) if (!known.has(o.key)) await deps.zones.final.delete(o.key);
  }
}

async function deleteAll(deps: JobDeps, keys: readonly string[]): Promise<void> {
  for (const key of new Set(keys)) await deps.zones.final.delete(key);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  await walk(dir, '');
  return out;
}
