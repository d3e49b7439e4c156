/**
 * A Sluice project opened for work: its config, zones, state and engine,
 * wired together. The composition root: the only place that knows the local
 * defaults are folders, a SQLite state file and DuckDB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { SluiceConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { ZONES, type Zone } from '../core/keys.js';
import { Engine } from '../engine/duckdb.js';
import { notifySinks, PublishingEventLog } from '../notify/aws.js';
import { WebhookEventLog } from '../notify/webhook-sink.js';
import type { Logger, Zones } from '../stages/deps.js';
import type { BookmarkStore, Catalog, EventLog, JobRunLog, ReportStore, RunQueue } from '../stages/ports.js';
import { SqliteCatalog } from '../state/catalog.js';
import { type Db, isCorruption, openStateDb, stateDbPath } from '../state/database.js';
import { SqliteRunQueue } from '../state/queue.js';
import { RawObjects, RunLogs, SqliteBookmarks, SqliteEventLog, SqliteJobRuns, SqliteReports } from '../state/records.js';
import { SqliteWebhookOutbox } from '../state/webhook-outbox.js';
import { LocalCopyCache } from '../storage/copy-cache.js';
import { LocalObjectStore } from '../storage/local/local-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { parseS3Uri, S3ObjectStore } from '../storage/s3/s3-object-store.js';
import { ConcurrencyGate } from './gate.js';
import { createLogger } from './logger.js';

export interface Project {
  dir: string;
  config: SluiceConfig;
  configFile?: string;
  zones: Zones;
  db: Db;
  queue: RunQueue;
  catalog: Catalog;
  jobRuns: JobRunLog;
  /** The log lines of each run (local only). */
  runLogs: RunLogs;
  /** Raw objects seen, with their change tags (the local intake's record). */
  rawObjects: RawObjects;
  reports: ReportStore;
  bookmarks: BookmarkStore;
  events: EventLog;
  /** Bounds the read-only query sessions this process runs at once. */
  queries: ConcurrencyGate;
  /** Opened on first use: commands that only read state never start DuckDB. */
  engine(): Promise<Engine>;
  stateDir: string;
  tmpDir: string;
  /** Copies of a remote zone's files kept between queries (`data/.sluice/cache/`). */
  copies: LocalCopyCache;
  log: Logger;
  close(): void;
}

/**
 * A zone's store: `s3://bucket/prefix` is a prefix in an S3 bucket (the
 * endpoint and credentials are the standard AWS settings), anything else a
 * folder relative to the project.
 */
function openZone(dir: string, zone: Zone, location: string, file: string, tmpDir: string): ObjectStore {
  if (/^s3:\/\//i.test(location)) {
    const where = parseS3Uri(location);
    if (!where) {
      throw new ConfigError(
        file,
        `zones.${zone}`,
        `"${location}" is not an S3 location; write s3://<bucket>/<prefix>, with a bucket name of lower-case letters, digits, dots and hyphens`,
      );
    }
    return new S3ObjectStore(where, { tmpDir });
  }
  const root = path.resolve(dir, location);
  fs.mkdirSync(root, { recursive: true });
  return new LocalObjectStore(root, location);
}

/** Whether the process `pid` has ended (a process of another user still counts as running). */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Scratch folders of processes that died (killed mid-run) are removed by the next process to open the project. */
function removeDeadScratch(tmpRoot: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(tmpRoot);
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(/^(?:duckdb-)?(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    if (processIsGone(pid)) fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true });
  }
}

/**
 * Temp files in the zones whose writer is gone (a server killed mid-upload, a
 * run killed mid-write) are removed. Temps of live processes, such as a
 * `sluice ingest` running beside, are left alone: their names carry the pid.
 */
export async function removeDeadTemps(project: Pick<Project, 'zones' | 'log'>): Promise<void> {
  for (const [zone, store] of Object.entries(project.zones)) {
    if (!(store instanceof LocalObjectStore)) continue;
    const removed = await store.removeTempsOf(processIsGone);
    if (removed.length) project.log.info('removed temp files left by processes that are gone', { zone, files: removed });
  }
}

/** The state database of the project in `dir`. */
export function stateFileOf(dir: string): string {
  return stateDbPath(path.join(path.resolve(dir), 'data'));
}

export function openProject(dir: string, opts: { log?: Logger } = {}): Project {
  const root = path.resolve(dir);
  if (!fs.existsSync(root)) fs.mkdirSync(root, { recursive: true });
  const { config, file } = loadConfig(root);
  const configFile = file ?? path.join(root, 'sluice.yaml');
  const stateFile = stateFileOf(root);
  const stateDir = path.dirname(stateFile);
  const tmpDir = path.join(stateDir, 'tmp', String(process.pid));
  const zones = Object.fromEntries(ZONES.map((z) => [z, openZone(root, z, config.zones[z], configFile, tmpDir)])) as Zones;
  const db = openStateDb(stateFile);
  removeDeadScratch(path.join(stateDir, 'tmp'));
  let engine: Promise<Engine> | undefined;
  const log = opts.log ?? createLogger();
  const sinks = notifySinks(config.notify);
  const project: Project = {
    dir: root,
    config,
    configFile: file,
    zones,
    db,
    queue: new SqliteRunQueue(db),
    // The default publish mirrors processed.<dataset> into final.<dataset>, so both follow the dataset's policy.
    catalog: new SqliteCatalog(db, Date.now, (_database, table) => config.datasets[table]?.schemaChange ?? 'update'),
    rawObjects: new RawObjects(db),
    reports: new SqliteReports(db),
    bookmarks: new SqliteBookmarks(db),
    jobRuns: new SqliteJobRuns(db),
    runLogs: new RunLogs(db),
    events: new SqliteEventLog(db),
    queries: new ConcurrencyGate('queries', config.defaults.maxConcurrentQueries),
    engine: () => {
      engine ??= Engine.open({ tempDir: path.join(stateDir, 'tmp', `duckdb-${process.pid}`) });
      return engine;
    },
    stateDir,
    tmpDir,
    // Beside the scratch folders, on one file system: a query's copies are hard links into its scratch folder.
    copies: new LocalCopyCache(path.join(stateDir, 'cache'), config.defaults.queryCacheBytes),
    log,
    close: () => {
      void engine?.then((e) => e.close()).catch(() => {});
      try {
        db.close();
      } catch (err) {
        // Closing a damaged file can fail as well; the command is already reporting the damage.
        if (!isCorruption(err)) throw err;
      }
      fs.rmSync(tmpDir, { recursive: true, force: true });
      fs.rmSync(path.join(stateDir, 'tmp', `duckdb-${process.pid}`), { recursive: true, force: true });
    },
  };
  // Webhook events are queued in the outbox as the events are recorded (notify/webhook-sink.ts).
  const webhooks = config.notifications.webhooks;
  const recorded = webhooks.length
    ? new WebhookEventLog(project.events, {
        outbox: new SqliteWebhookOutbox(db),
        webhooks,
        jobTables: new Map(Object.entries(config.jobs).map(([name, j]) => [`final.${j.output.table}`, name])),
        catalog: project.catalog,
        reports: project.reports,
        queue: project.queue,
        jobRuns: project.jobRuns,
        log,
      })
    : project.events;
  project.events = sinks.length ? new PublishingEventLog(recorded, sinks, log) : recorded;
  return project;
}
