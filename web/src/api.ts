/**
 * The server's JSON API, typed. Every string in these shapes may come from a
 * CSV file (names, cells, messages): render them as text only.
 */

export type FileState = 'pending' | 'done' | 'quarantined' | 'failed' | 'superseded';

export interface Outcome {
  state: FileState;
  stage?: string;
  rowsWritten?: number;
  rowsRejected?: number;
  rejectedCells?: number;
  duplicates?: number;
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
}

export interface Report {
  encoding?: string;
  dialect?: { delimiter?: string; quote?: string; escape?: string; header?: boolean; skipLines?: number };
  rows?: { read?: number; rejected?: number; invalid?: number; duplicates?: number; dropped?: number; written?: number };
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
  sha256: string;
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
  columns: { name: string; type: string }[];
  rows: unknown[][];
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

/** A failed request: the server's `{ error }` message, or why it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True for a request cancelled because its page went away: not worth showing. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `orders/a b.csv` → `orders/a%20b.csv`: each segment encoded, the slashes kept. */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

async function request<T>(method: string, path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, `cannot reach the server (${messageOf(err)})`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, res.ok ? `the server sent something other than JSON for ${path}` : `${res.status} ${res.statusText}`);
  }
  if (!res.ok) {
    const message = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal });
const table = (t: string) => `/api/catalog/tables/${encodeURIComponent(t)}`;

export const api = {
  status: (signal?: AbortSignal) => get<FileStatus[]>('/api/status', signal),
  file: (key: string, signal?: AbortSignal) => get<FileDetail>(`/api/status/${keyPath(key)}`, signal),
  tables: (signal?: AbortSignal) => get<TableSummary[]>('/api/catalog/tables', signal),
  table: (t: string, signal?: AbortSignal) => get<TableDetail>(table(t), signal),
  versions: (t: string, signal?: AbortSignal) => get<TableVersion[]>(`${table(t)}/versions`, signal),
  preview: (t: string, limit: number, signal?: AbortSignal) => get<Preview>(`${table(t)}/preview?limit=${limit}`, signal),
  profile: (t: string, signal?: AbortSignal) => get<Profile>(`${table(t)}/profile`, signal),
  dashboards: (signal?: AbortSignal) => get<DashboardSummary[]>('/api/dashboards', signal),
  dashboard: (id: string, signal?: AbortSignal) => get<Dashboard>(`/api/dashboards/${encodeURIComponent(id)}`, signal),
  dashboardData: (id: string, filters: Record<string, FilterValue[]>, signal?: AbortSignal) =>
    request<{ charts: ChartData[] }>('POST', `/api/dashboards/${encodeURIComponent(id)}/data`, { body: { filters }, signal }),
  runs: (limit: number, signal?: AbortSignal) => get<Run[]>(`/api/runs?limit=${limit}`, signal),
  jobs: (signal?: AbortSignal) => get<Job[]>('/api/jobs', signal),
};

export interface UploadHandle {
  done: Promise<UploadResult>;
  abort: () => void;
}

/** PUT a file into raw as `<dataset>/<name>`, reporting progress as a share 0..1. */
export function upload(dataset: string, file: File, onProgress: (share: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadResult>((resolve, reject) => {
    xhr.open('PUT', `/api/files/${encodeURIComponent(dataset)}/${encodeURIComponent(file.name)}`);
    xhr.responseType = 'text';
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON: answered below from the status
      }
      if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object') {
        onProgress(1);
        resolve(data as UploadResult);
        return;
      }
      const message = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : `${xhr.status} ${xhr.statusText}`;
      reject(new ApiError(xhr.status, message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed: cannot reach the server'));
    xhr.onabort = () => reject(new ApiError(0, 'the upload was cancelled'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
