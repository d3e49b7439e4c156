/**
 * The JSON the HTTP API answers with, one module for both sides: the server's
 * routes return these types and the web app reads them (web/src/api.ts imports
 * this file with `import type`), so a change on one side fails the typecheck of
 * the other. Pure types: nothing here may import Node or any other module.
 * Every string in these shapes may come from a CSV file (names, cells,
 * messages): render them as text only.
 */

export type FileState = 'pending' | 'done' | 'quarantined' | 'failed' | 'superseded';

export interface Outcome {
  state: FileState;
  stage?: string;
  rowsWritten?: number;
  rowsRejected?: number;
  rejectedCells?: number;
  duplicates?: number;
  identicalKept?: number;
  table?: string;
  jobs?: string[];
  reason?: string;
  error?: string;
}

export interface StageStatus {
  stage: string;
  status: string;
  durationMs: number | null;
}

export interface FileStatus {
  key: string;
  sha256: string;
  size: number;
  seenAt: string;
  outcome: Outcome;
  stages?: StageStatus[];
}

export interface ReportColumn {
  original?: string;
  name?: string;
  type?: string;
  logical?: string;
  reason?: string;
  values?: number;
  parsed?: number;
  failed?: number;
  nulls?: number;
  fill?: unknown;
  filled?: number;
  ambiguousDateOrder?: boolean;
  /** The column's `case` option. */
  case?: string;
  /** Values differing only by case or spacing, in a category-like text column. */
  variants?: { groups?: number; examples?: string[][]; hint?: string };
}

export interface Report {
  encoding?: string;
  /** `delimiter` is 'whitespace' when runs of spaces or aligned columns separate them (`whitespace` says which); the reasons say why the header and skipped lines were decided, `warning` what the reader should know (a file read as one column). */
  dialect?: {
    delimiter?: string;
    quote?: string;
    escape?: string;
    header?: boolean;
    skipLines?: number;
    headerReason?: string;
    skipReason?: string;
    hashHeader?: boolean;
    whitespace?: { kind: 'runs' | 'aligned'; columns: number; starts?: number[] };
    warning?: string;
  };
  rows?: { read?: number; rejected?: number; invalid?: number; duplicates?: number; dropped?: number; written?: number };
  /** What the dedupe policy did with identical rows, and why. */
  duplicates?: { policy?: string; identical?: number; dropped?: number; key?: string; decision?: string };
  rejectedCells?: number;
  columns?: ReportColumn[];
  quarantine?: { reason?: string };
  durationMs?: number;
}

/** A run of a file's chain: a Run with the stage's result. */
export interface FileRun extends Run {
  result: unknown;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  at: string;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
  run: number | null;
}

export interface Rejects {
  header: string[];
  rows: string[][];
  truncated: boolean;
}

export interface FileDetail {
  key: string;
  sha256: string;
  size: number;
  outcome: Outcome;
  report: Report | null;
  runs: FileRun[];
  logs?: LogLine[];
  rejects?: Rejects | null;
}

export interface UploadResult {
  key: string;
  /** Absent when the file was removed again before it could be read. */
  sha256?: string;
  /** Where its progress is: `/api/status/<key>`. */
  status: string;
}

export interface Column {
  name: string;
  type: string;
  nullable?: boolean;
  comment?: string;
}

export interface TableSummary {
  table: string;
  version: number;
  location: string;
  format: string;
  columns: Column[];
  partitionKeys: Column[];
  rows: number;
  bytes: number;
  files: number;
  updatedAt: string;
}

export interface TableDetail extends TableSummary {
  warnings?: string[];
  partitions?: { values: Record<string, string | null>; files: number; rows: number; bytes: number }[];
  sources?: { file: string; rawKey: string | null; rows: number; bytes: number; partition: Record<string, string | null> }[];
}

export interface ColumnChange {
  name: string;
  from: string;
  to: string;
}

export interface TableVersion {
  version: number;
  columns: Column[];
  partitionKeys: Column[];
  diff?: { added?: Column[]; removed?: Column[]; widened?: ColumnChange[]; changed?: ColumnChange[] };
  createdAt: string;
}

export interface Preview {
  table: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
}

export interface Bin {
  from: number;
  to: number;
  count: number;
}

export interface ColumnProfile {
  name: string;
  type: string;
  nulls: number;
  distinct: number;
  min: string | number | null;
  max: string | number | null;
  top?: { value: string | null; count: number }[];
  histogram?: Bin[];
}

export interface Profile {
  table: string;
  rows: number;
  columns: ColumnProfile[];
}

export interface DashboardSummary {
  id: string;
  title: string;
  table: string;
  auto: boolean;
}

export type FilterValue = string | number | boolean | null;

export interface DashboardFilter {
  column: string;
  type: string;
  values: FilterValue[];
}

export interface ChartSpec {
  id: number;
  kind: string;
  title: string;
}

export interface Dashboard extends DashboardSummary {
  filters: DashboardFilter[];
  charts: ChartSpec[];
  errors?: string[];
}

interface ChartBase extends ChartSpec {
  error?: string;
}
export interface KpiChart extends ChartBase {
  kind: 'kpi';
  value: number | string | null;
  label: string;
}
export interface CategoryChart extends ChartBase {
  kind: 'bar' | 'line' | 'area' | 'pie';
  x: string;
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
}
export interface ScatterChart extends ChartBase {
  kind: 'scatter';
  x: string;
  y: string;
  points: [number, number][];
}
export interface HistogramChart extends ChartBase {
  kind: 'histogram';
  column: string;
  bins: Bin[];
}
export interface TableChart extends ChartBase {
  kind: 'table';
  columns: string[];
  rows: unknown[][];
}
export type ChartData = KpiChart | CategoryChart | ScatterChart | HistogramChart | TableChart;

export interface Run {
  id: number;
  stage: string;
  subject: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface Job {
  name: string;
  source: string;
  output: string;
  mode: string;
  kind: 'config' | 'publish';
  bookmarked: number | boolean;
  lastRunAt?: string;
  lastRun?: { status: string; rowsWritten: number; error?: string };
}

export interface Health {
  ok: true;
  /** Runs queued or running, and files still settling in the raw folder. */
  pending: number;
}

export interface Session {
  authenticated: true;
  tokenRequired: boolean;
}

export interface ColumnDiff {
  added: Column[];
  removed: Column[];
  widened: ColumnChange[];
  changed: ColumnChange[];
}

interface CatalogEventBase {
  id: number;
  at: string;
  table: string;
  version: number;
}
export interface TableUpdatedEvent extends CatalogEventBase {
  type: 'table.updated';
  files: string[];
  diff?: ColumnDiff;
}
export interface SchemaChangedEvent extends CatalogEventBase {
  type: 'schema.changed';
  policy: 'update' | 'log' | 'fail';
  applied: boolean;
  file?: string;
  rawKey?: string;
  diff: ColumnDiff;
}
export type CatalogEvent = TableUpdatedEvent | SchemaChangedEvent;

export interface VersionDiff {
  table: string;
  from: number;
  to: number;
  added: Column[];
  removed: Column[];
  changed: { name: string; from: string | undefined; to: string }[];
}

export interface Ddl {
  table: string;
  dialect: 'athena' | 'duckdb';
  ddl: string;
}

export interface QueryAnswer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** True when more rows existed than the limit, or than fit in defaults.maxQueryBytes. */
  truncated: boolean;
  truncatedBy?: 'rows' | 'bytes';
}

export interface DashboardData {
  charts: ChartData[];
}

/** One run of a configured transform job: when, and how much it read and wrote. */
export interface JobRun extends Record<'inputs' | 'rowsRead' | 'rowsWritten' | 'filesWritten' | 'filesRemoved', number> {
  id: number;
  job: string;
  mode: 'incremental' | 'full';
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** The job's bookmark before and after the run, and what it did per input: for a reader, not a program. */
  bookmarkBefore?: unknown;
  bookmarkAfter?: unknown;
  detail?: unknown;
  error?: string;
}

/** Every failed request answers `{ error }` with its status. */
export interface ErrorAnswer {
  error: string;
}

/**
 * Each JSON route, written as the server's router reads it (`:name` one path
 * segment, `*name` the rest of the path), and the body of its answer.
 */
export interface ApiRoutes {
  'POST /api/session': Session;
  'GET /api/health': Health;
  'PUT /api/files/*key': UploadResult;
  'POST /api/files/*key': UploadResult;
  'GET /api/status': FileStatus[];
  'GET /api/status/*key': FileDetail;
  'GET /api/runs': Run[];
  'GET /api/catalog/events': CatalogEvent[];
  'GET /api/catalog/tables': TableSummary[];
  'GET /api/catalog/tables/:table': TableDetail;
  'GET /api/catalog/tables/:table/events': CatalogEvent[];
  'GET /api/catalog/tables/:table/preview': Preview;
  'GET /api/catalog/tables/:table/profile': Profile;
  'GET /api/catalog/tables/:table/versions': TableVersion[];
  'GET /api/catalog/tables/:table/ddl': Ddl;
  'GET /api/catalog/tables/:table/diff': VersionDiff;
  'POST /api/query': QueryAnswer;
  'GET /api/dashboards': DashboardSummary[];
  'GET /api/dashboards/:id': Dashboard;
  'POST /api/dashboards/:id/data': DashboardData;
  'GET /api/jobs': Job[];
  'GET /api/jobs/:job/runs': JobRun[];
}

export type ApiRoute = keyof ApiRoutes;
