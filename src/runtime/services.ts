/**
 * Operations shared by the CLI and the HTTP API, so both say the same thing:
 * status of files, catalog views and DDL, read-only queries, ingest keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseRecords } from '../core/dialect.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import type { PipelineEvent, SchemaChanged, TableUpdated } from '../core/events.js';
import { isInputKey, rejectsKeyFor, validateKey } from '../core/keys.js';
import { describeDiff } from '../core/schema.js';
import { type ColumnSchema, toHiveType } from '../core/types.js';
import { type QueryOptions, type QueryResult, type QueryTable, type ReadOnlyRunner, runReadOnlyQuery, withReadOnlyQueries } from '../engine/query.js';
import { quoteIdentifier } from '../engine/sql.js';
import { queryTableOf } from '../engine/tables.js';
import { type CatalogTable, parseTableName } from '../state/catalog.js';
import type { Run } from '../state/queue.js';
import { chainOutcome, type FileOutcome } from './pipeline.js';
import type { Project } from './project.js';

export interface FileStatus {
  key: string;
  sha256: string;
  size: number;
  seenAt: string;
  outcome: FileOutcome;
  /** Each stage the file's current version went through, with its time. */
  stages: { stage: string; status: string; durationMs: number | null }[];
}

export function fileStatuses(project: Project): FileStatus[] {
  return project.rawObjects.all().map((o) => {
    const runs = project.queue.chain(o.key, o.sha256);
    return {
      key: o.key,
      sha256: o.sha256,
      size: o.size,
      seenAt: new Date(o.seenAt).toISOString(),
      outcome: chainOutcome(runs, reportOf(project, o.key, o.sha256)),
      stages: runs.map((r) => ({ stage: r.stage, status: r.status, durationMs: runView(r).durationMs })),
    };
  });
}

/** A run as the CLI and API show it: times as ISO text, with its duration once finished. */
function runView(r: Run) {
  return {
    id: r.id,
    stage: r.stage,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    startedAt: r.startedAt ? new Date(r.startedAt).toISOString() : null,
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.startedAt && r.finishedAt ? r.finishedAt - r.startedAt : null,
    error: r.error ?? null,
  };
}

/** Recent runs of every stage, newest first, for the operations page. */
export function recentRuns(project: Project, limit = 200) {
  return project.queue.list({ limit }).map(runView);
}

const REJECTS_SHOWN = 200;

/** The first rows of a raw file's rejects CSV (kind, line, column, value, reason), or null when it has none. */
async function rejectsOf(project: Project, rawKey: string): Promise<{ header: string[]; rows: string[][]; truncated: boolean } | null> {
  const key = rejectsKeyFor(rawKey);
  if (!(await project.zones.quarantine.head(key))) return null;
  // Only the start of the file is read: enough for the rows shown.
  let text = '';
  const stream = await project.zones.quarantine.get(key);
  for await (const chunk of stream) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > 512 * 1024) break;
  }
  stream.destroy();
  const records = parseRecords(text, ',', '"', false, REJECTS_SHOWN + 2);
  const [header = [], ...rows] = records;
  return { header, rows: rows.slice(0, REJECTS_SHOWN), truncated: rows.length > REJECTS_SHOWN || text.length > 512 * 1024 };
}

function reportOf(project: Project, key: string, sha256: string) {
  const r = project.reports.get(key);
  return r && r.sha256 === sha256 ? (r.report as { rows?: Record<string, number>; rejectedCells?: number }) : undefined;
}

export async function fileDetail(project: Project, key: string) {
  const report = fileReport(project, key);
  return {
    ...report,
    logs: project.runLogs.forRuns(report.runs.map((r) => r.id)),
    rejects: await rejectsOf(project, key),
  };
}

export function fileReport(project: Project, key: string) {
  const obj = project.rawObjects.get(key);
  if (!obj) throw new NotFoundError('raw file', key, `no raw file "${key}" is known; see \`sluice status\` for the keys`);
  const runs = project.queue.chain(key, obj.sha256);
  return {
    key,
    sha256: obj.sha256,
    size: obj.size,
    outcome: chainOutcome(runs, reportOf(project, key, obj.sha256)),
    report: project.reports.get(key)?.report ?? null,
    runs: runs.map((r) => ({ ...runView(r), result: r.result })),
  };
}

export function tableSummary(t: CatalogTable) {
  return {
    table: `${t.database}.${t.name}`,
    version: t.version,
    location: t.location,
    format: t.format,
    columns: t.columns,
    partitionKeys: t.partitionKeys,
    rows: t.stats.rows,
    bytes: t.stats.bytes,
    files: t.stats.files,
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}

export function showTable(project: Project, qualified: string) {
  const t = project.catalog.requireTable(qualified);
  const files = project.catalog.files(t.database, t.name);
  const partitions = new Map<string, { values: Record<string, string | null>; files: number; rows: number; bytes: number }>();
  if (t.partitionKeys.length) {
    for (const f of files) {
      const values = Object.fromEntries(t.partitionKeys.map((k) => [k.name, f.partitionValues[k.name] ?? null]));
      const id = JSON.stringify(values);
      const p = partitions.get(id) ?? { values, files: 0, rows: 0, bytes: 0 };
      partitions.set(id, { ...p, files: p.files + 1, rows: p.rows + f.rows, bytes: p.bytes + f.bytes });
    }
  }
  return {
    ...tableSummary(t),
    warnings: project.catalog.warnings(t.database, t.name),
    partitions: [...partitions.values()].sort((a, b) => comparePartitions(a.values, b.values)),
    sources: files.map((f) => ({ file: f.fileKey, rawKey: f.sourceRawKey, rows: f.rows, bytes: f.bytes, partition: f.partitionValues })),
  };
}

/** By each partition value in turn, text order, a missing value last. */
function comparePartitions(a: Record<string, string | null>, b: Record<string, string | null>): number {
  for (const k of Object.keys(a)) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The catalog's events (table.updated, schema.changed), newest first; for one table when named. */
export function catalogEvents(project: Project, opts: { table?: string; limit?: number } = {}) {
  if (opts.table) project.catalog.requireTable(opts.table);
  return project.events
    .recent(opts.limit ?? 100, { types: ['table.updated', 'schema.changed'], table: opts.table })
    .flatMap((e) => (isCatalogEvent(e.payload) ? [{ id: e.id, at: new Date(e.at).toISOString(), ...e.payload }] : []));
}

function isCatalogEvent(e: PipelineEvent): e is TableUpdated | SchemaChanged {
  return e.type === 'table.updated' || e.type === 'schema.changed';
}

/** One line for a catalog event: what changed, and for a schema change whether the table took it. */
export function describeEvent(e: ReturnType<typeof catalogEvents>[number]): string {
  if (e.type === 'schema.changed') {
    const what = e.applied ? 'applied' : e.policy === 'fail' ? 'file refused' : 'kept out of the schema';
    return `${what} (${e.policy}): ${describeDiff(e.diff).join(', ')}${e.file ? ` from ${e.file}` : ''}`;
  }
  if (e.type === 'table.updated') return e.files.length ? `files: ${e.files.join(', ')}` : 'files removed';
  return '';
}

export function tableVersions(project: Project, qualified: string) {
  const t = project.catalog.requireTable(qualified);
  return project.catalog.versions(t.database, t.name).map((v) => ({ ...v, createdAt: new Date(v.createdAt).toISOString() }));
}

export function diffVersions(project: Project, qualified: string, v1: number, v2: number) {
  const versions = tableVersions(project, qualified);
  const a = versions.find((v) => v.version === v1);
  const b = versions.find((v) => v.version === v2);
  const known = versions.map((v) => v.version).join(', ');
  if (!a) throw new NotFoundError('table version', `${qualified} ${v1}`, `${qualified} has no version ${v1} (versions: ${known})`);
  if (!b) throw new NotFoundError('table version', `${qualified} ${v2}`, `${qualified} has no version ${v2} (versions: ${known})`);
  const before = new Map([...a.columns, ...a.partitionKeys].map((c) => [c.name, c]));
  const after = new Map([...b.columns, ...b.partitionKeys].map((c) => [c.name, c]));
  return {
    table: qualified,
    from: v1,
    to: v2,
    added: [...after.values()].filter((c) => !before.has(c.name)),
    removed: [...before.values()].filter((c) => !after.has(c.name)),
    changed: [...after.values()]
      .filter((c) => before.has(c.name) && before.get(c.name)?.type !== c.type)
      .map((c) => ({ name: c.name, from: before.get(c.name)?.type, to: c.type })),
  };
}

export function tableDdl(project: Project, qualified: string, dialect: 'athena' | 'duckdb'): string {
  const t = project.catalog.requireTable(qualified);
  if (dialect === 'duckdb') {
    const cols = [...t.columns, ...t.partitionKeys].map((c) => `  ${quoteIdentifier(c.name)} ${c.type}`).join(',\n');
    return `CREATE TABLE ${quoteIdentifier(t.database)}.${quoteIdentifier(t.name)} (\n${cols}\n);\n`;
  }
  const bq = (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const comment = (c: ColumnSchema) => (c.comment ? ` COMMENT '${c.comment.replace(/[\\']/g, (ch) => `\\${ch}`)}'` : '');
  const cols = t.columns.map((c) => `  ${bq(c.name)} ${toHiveType(c.type)}${comment(c)}`).join(',\n');
  const parts = t.partitionKeys.length ? `\nPARTITIONED BY (\n${t.partitionKeys.map((c) => `  ${bq(c.name)} ${toHiveType(c.type)}`).join(',\n')}\n)` : '';
  const location = t.location.startsWith('s3://') ? t.location : `file://${t.location}`;
  return `CREATE EXTERNAL TABLE ${bq(t.database)}.${bq(t.name)} (\n${cols}\n)${parts}\nSTORED AS PARQUET\nLOCATION '${location.endsWith('/') ? location : `${location}/`}';\n`;
}

export function queryTables(project: Project): QueryTable[] {
  return project.catalog.listTables().map((t) => queryTableOf(t, project.catalog.files(t.database, t.name), project.zones[t.database]));
}

/** Several read-only queries over the catalog in one session (a dashboard's charts, a table's profile). */
export function withCatalogQueries<T>(project: Project, fn: (run: ReadOnlyRunner) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return project.queries.run(() => withReadOnlyQueries(queryTables(project), catalogQueryOptions(project, { limit: 10_000, ...opts }), fn));
}

export async function queryCatalog(project: Project, sql: string, opts: { limit?: number; timeoutMs?: number } = {}): Promise<QueryResult> {
  return project.queries.run(() => runReadOnlyQuery(queryTables(project), sql, catalogQueryOptions(project, opts)));
}

function catalogQueryOptions(project: Project, opts: { limit?: number; timeoutMs?: number }): QueryOptions {
  return {
    limit: opts.limit ?? 10_000,
    maxBytes: project.config.defaults.maxQueryBytes,
    timeoutMs: opts.timeoutMs ?? 30_000,
    allowedDirs: [project.zones.processed.location, project.zones.final.location],
  };
}

/** Raw keys for `sluice ingest` arguments, as DESIGN.md fixes them. */
export function ingestKeys(paths: string[], dataset?: string): { file: string; key: string }[] {
  const out: { file: string; key: string }[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const base = dataset ?? path.basename(abs);
      for (const file of walk(abs)) {
        const rel = path.relative(abs, file).split(path.sep).join('/');
        const key = `${base}/${rel}`;
        if (isInputKey(key)) out.push({ file, key: validateKey(key) });
      }
    } else {
      const name = path.basename(abs);
      const key = dataset ? `${dataset}/${name}` : name;
      if (!isInputKey(key)) throw new UsageError(`${p}: not a CSV file (expected .csv, .tsv, .txt, optionally .gz)`);
      out.push({ file: abs, key: validateKey(key) });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export { parseTableName };
