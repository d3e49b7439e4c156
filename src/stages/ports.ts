/**
 * The ports a stage and a runner work through: the data catalog, the jobs'
 * bookmarks and the run queue. Every method is async so that a backend may
 * be a service (the Glue Data Catalog, DynamoDB) as well as the local SQLite
 * file. The rules backends share live in `core/catalog.ts` and
 * `stages/chain.ts`; a backend only stores and finds. Each port has one
 * contract suite in `test/state/`, which every backend runs unchanged.
 */
import type { CatalogDatabase, CatalogFile, CatalogTable, CatalogVersion, FileEntry, FileRegistration, TableChange } from '../core/catalog.js';
import type { PipelineEvent } from '../core/events.js';
import type { ColumnSchema } from '../core/types.js';
import type { Completion, Run, RunSpec, RunStatus, Stage } from './runs.js';

export interface Bookmark {
  inputKey: string;
  inputHash: string;
  outputKey: string;
  /** Every object the input produced (a job's Parquet and CSV files); `[outputKey]` for the default publish. */
  outputs: string[];
  updatedAt: number;
}

/** A bookmark as a job sets it (the store stamps the time; `outputs` defaults to `[outputKey]`). */
export type BookmarkEntry = Omit<Bookmark, 'updatedAt' | 'outputs'> & { outputs?: string[] };

/** A job's bookmarks moved together with its table's files. */
export interface BookmarkEdit {
  job: string;
  remove?: readonly string[];
  set?: readonly BookmarkEntry[];
}

/** A job's commit: in one table, the files to take out and those to put in, and the bookmarks that move with them. */
export interface FileSwap {
  database: CatalogDatabase;
  table: string;
  /** The table's location, should the swap create it. */
  location: string;
  remove: readonly string[];
  add: readonly FileEntry[];
  bookmarks?: BookmarkEdit;
}

/** What a job has processed (Glue job bookmarks): per job, per input key, the input version and its outputs. */
export interface BookmarkStore {
  get(job: string, inputKey: string): Promise<Bookmark | undefined>;
  set(job: string, b: BookmarkEntry): Promise<void>;
  remove(job: string, inputKey: string): Promise<void>;
  /** A job's bookmarks in input-key order. */
  list(job: string): Promise<Bookmark[]>;
  /** Forget everything a job processed; returns how many bookmarks went. */
  reset(job: string): Promise<number>;
  /**
   * Forget which input versions a job has seen but keep the outputs they
   * produced, so the next run reprocesses every input and replaces (rather
   * than duplicates) what it wrote.
   */
  invalidate(job: string): Promise<number>;
}

/**
 * The data catalog (the Glue Data Catalog, locally): databases `processed`
 * and `final`, tables with their columns, partition keys, files (with lineage
 * back to raw keys) and every schema version. A table's schema is always what
 * `deriveTable` makes of the files it holds now, under its change policy.
 */
export interface Catalog {
  /** Tables of one database, or of both (`processed` first), by name. */
  listTables(database?: CatalogDatabase): Promise<CatalogTable[]>;
  getTable(database: CatalogDatabase, name: string): Promise<CatalogTable | undefined>;
  /** The table's columns and partition keys, for a stage checking a file before registering it; undefined without a schema. */
  schema(database: CatalogDatabase, name: string): Promise<ColumnSchema[] | undefined>;
  /** A table's files in file order: first registration first, files registered at the same instant by key. */
  files(database: CatalogDatabase, name: string): Promise<CatalogFile[]>;
  file(database: CatalogDatabase, name: string, fileKey: string): Promise<CatalogFile | undefined>;
  /** The keys of a table's files, in file order, without their schemas. */
  fileKeys(database: CatalogDatabase, name: string): Promise<string[]>;
  /** Every file of a database, with its table. */
  allFiles(database: CatalogDatabase): Promise<(CatalogFile & { table: string })[]>;
  versions(database: CatalogDatabase, name: string): Promise<CatalogVersion[]>;
  /** The raw key behind a file of a database, if the file is cataloged. */
  sourceOfFile(database: CatalogDatabase, fileKey: string): Promise<string | undefined>;
  /** Keys of the files of a database that came from a raw key. */
  fileKeysFromSource(database: CatalogDatabase, rawKey: string): Promise<string[]>;
  /**
   * Add or replace one file of a table and re-derive the table's schema under
   * the table's change policy (`planRegistration`). Under `fail` a file that
   * does not fit is not registered, and the change says why.
   */
  registerFile(registration: FileRegistration, opts?: { fitByValue?: readonly string[] }): Promise<TableChange>;
  /**
   * Swap a set of a table's files for another as one change (a job's commit):
   * readers see the old files or the new ones, never a mix. `bookmarks` move
   * with the swap, in the same transaction where the backend has one.
   */
  replaceFiles(swap: FileSwap): Promise<TableChange>;
  /** Remove one file (its object is gone from the zone). */
  removeFile(database: CatalogDatabase, name: string, fileKey: string): Promise<TableChange>;
  /** Remove every file that came from a raw key (its newer version was quarantined or removed). */
  removeFilesFromSource(rawKey: string, database?: CatalogDatabase): Promise<TableChange[]>;
}

/**
 * The durable queue of stage runs. A run is keyed by (stage, subject, input
 * hash): queuing the same input twice is a no-op, so every event source can
 * fire freely. A claim takes a lease; a run whose lease expired (its process
 * died) is claimed again. Runs sharing a lock key never overlap and start in
 * the order they were queued.
 */
export interface RunQueue {
  /** Queue a run; its id and whether it is new. `force` reopens a finished run (replay). */
  enqueue(spec: RunSpec, force?: boolean): Promise<{ id: number; created: boolean }>;
  /** Claim the next runnable run (optionally of some stages only) for `owner`. */
  claim(owner: string, leaseMs: number, stages?: readonly Stage[]): Promise<Run | undefined>;
  /** Extend a lease; false when the run is no longer ours (it was reclaimed). */
  heartbeat(id: number, owner: string, leaseMs: number): Promise<boolean>;
  /** Finish a run and queue what follows, atomically; false (changing nothing) when the lease was lost. */
  complete(id: number, owner: string, c: Completion): Promise<boolean>;
  /**
   * Put a failed attempt back after `delayMs`, or fail it for good after its
   * last attempt (at once when `permanent`: retrying cannot help); 'lost' when
   * the run is no longer ours. An `uncounted` attempt is put back without
   * using up one of the run's attempts: it waited on a service busy with
   * other work, it did not fail.
   */
  retryOrFail(run: Run, owner: string, error: string, delayMs: number, opts?: RetryOptions): Promise<'retrying' | 'failed' | 'lost'>;
  /** Expire the leases of runs held by processes that no longer exist (where the backend can tell). */
  reapDeadOwners(): Promise<number>;
  get(id: number): Promise<Run | undefined>;
  /** The newest run of a stage on a subject, if any. */
  latest<S extends Stage>(stage: S, subject: string): Promise<Run<S> | undefined>;
  /** Every run that started from one version of a raw file (or a job's inputs), oldest first. */
  chain(rootKey: string, rootHash: string): Promise<Run[]>;
  /** Runs, newest first. */
  list(opts?: { status?: RunStatus; stage?: Stage; limit?: number }): Promise<Run[]>;
  /** Queued or running runs (a running run whose lease expired counts); 0 means idle. */
  pendingCount(stage?: Stage): Promise<number>;
  /** The earliest time a queued run may start, for sleeping workers. */
  nextWakeAt(): Promise<number | undefined>;
  /** A mark that differs whenever a run was queued, started or finished (the live page polls it). */
  changeMark(): Promise<string>;
}

/** How a failed attempt is put back (see `RunQueue.retryOrFail`). */
export interface RetryOptions {
  /** Fail the run now: retrying cannot help (a sluice.yaml mistake). */
  permanent?: boolean;
  /** The attempt does not count against the run's attempts (a service it needs was busy). */
  uncounted?: boolean;
}

/**
 * A service that runs configured jobs on its own compute (Glue jobs), for a
 * runtime that does not run them itself. Without one, a job runs where its
 * run is worked, on DuckDB.
 */
export interface JobLauncher {
  /**
   * Start a run of the job. A BusyError (with when to try again) when the
   * service runs no second run of it while one is going; any other error
   * when it could not be started.
   */
  start(job: string): Promise<JobLaunch>;
}

/** A job run a service started: which service, its name for the job, and its run id. */
export interface JobLaunch {
  service: 'glue';
  name: string;
  runId: string;
}

/** Where pipeline events go: the local event log (and the live page), or EventBridge. */
export interface EventSink {
  append(event: PipelineEvent): Promise<void>;
}

export interface LoggedEvent {
  id: number;
  at: number;
  type: string;
  payload: PipelineEvent;
}

/** Events kept for reading back, newest first; optionally only some types, or only events about one table (`final.orders`). */
export interface EventLog extends EventSink {
  recent(limit?: number, filter?: { types?: readonly string[]; table?: string }): Promise<LoggedEvent[]>;
}

/** Each raw file's preprocess report, for its newest version. */
export interface ReportStore {
  save(rawKey: string, sha256: string, report: unknown): Promise<void>;
  get(rawKey: string): Promise<{ sha256: string; report: unknown } | undefined>;
}

export interface JobRunRecord {
  id: number;
  job: string;
  mode: 'incremental' | 'full';
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  finishedAt?: number;
  inputs: number;
  rowsRead: number;
  rowsWritten: number;
  filesWritten: number;
  filesRemoved: number;
  bookmarkBefore?: unknown;
  bookmarkAfter?: unknown;
  detail?: unknown;
  error?: string;
}

export type JobRunEnd = Pick<JobRunRecord, 'status' | 'inputs' | 'rowsRead' | 'rowsWritten' | 'filesWritten' | 'filesRemoved'> & {
  bookmarkAfter?: unknown;
  detail?: unknown;
  error?: string;
};

/** The history of transform job runs: what each read and wrote, and its bookmark before and after. */
export interface JobRunLog {
  start(job: string, mode: JobRunRecord['mode'], trigger: string, bookmarkBefore: unknown): Promise<number>;
  finish(id: number, end: JobRunEnd): Promise<void>;
  list(job: string, limit?: number): Promise<JobRunRecord[]>;
}

/** Raw objects seen, newest version each (the status of every file starts here). */
export interface RawObjectIndex {
  all(): Promise<{ key: string; sha256: string; size: number; seenAt: number }[]>;
  get(key: string): Promise<{ sha256: string; size: number } | undefined>;
}

export interface RunLogLine {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
  run: number;
}

/** The log lines kept with each run. */
export interface RunLogReader {
  forRuns(runIds: readonly number[]): Promise<RunLogLine[]>;
}
