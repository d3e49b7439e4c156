/**
 * The state database: one SQLite file in WAL mode that several processes open
 * at once (a `sluice start`, a `sluice ingest`, a `sluice run`). Migrations
 * are numbered and applied inside a write transaction, so two processes
 * starting together cannot both apply one.
 *
 * A damaged file (corrupt pages, or not SQLite at all) is found when it is
 * opened (`PRAGMA quick_check`) or when a statement later reads a bad page;
 * either way it surfaces as one `StateCorruptError` naming the file and the
 * recovery, and a running service hears of it through `onStateCorrupt`.
 */
import fs, { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SluiceError, StateCorruptError } from '../core/errors.js';

export type Db = Database.Database;

const MIGRATIONS: string[] = [
  `
  CREATE TABLE raw_objects (
    key TEXT PRIMARY KEY,
    tag TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    stage TEXT NOT NULL,
    subject TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    lock_key TEXT NOT NULL,
    root_key TEXT NOT NULL,
    root_hash TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    lease_owner TEXT,
    lease_until INTEGER,
    not_before INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    error TEXT,
    result TEXT,
    UNIQUE (stage, subject, input_hash)
  );
  CREATE INDEX runs_by_status ON runs (status, id);
  CREATE INDEX runs_by_root ON runs (root_key, root_hash);
  CREATE INDEX runs_by_lock ON runs (lock_key, status);
  CREATE TABLE reports (
    raw_key TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    report TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE catalog_tables (
    database TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    format TEXT NOT NULL,
    columns TEXT NOT NULL,
    partition_keys TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (database, name)
  );
  CREATE TABLE catalog_versions (
    database TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    columns TEXT NOT NULL,
    partition_keys TEXT NOT NULL,
    diff TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (database, name, version)
  );
  CREATE TABLE catalog_files (
    database TEXT NOT NULL,
    name TEXT NOT NULL,
    file_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_raw_key TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    columns TEXT NOT NULL,
    partition_values TEXT NOT NULL,
    seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (database, name, file_key)
  );
  CREATE INDEX catalog_files_by_source ON catalog_files (source_raw_key);
  CREATE TABLE bookmarks (
    job TEXT NOT NULL,
    input_key TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    output_key TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (job, input_key)
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  `,
  // Transform jobs: every object an input produced (Parquet and CSV), and a record of each job run.
  `
  ALTER TABLE bookmarks ADD COLUMN outputs TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    mode TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    inputs INTEGER NOT NULL DEFAULT 0,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    files_written INTEGER NOT NULL DEFAULT 0,
    files_removed INTEGER NOT NULL DEFAULT 0,
    bookmark_before TEXT,
    bookmark_after TEXT,
    detail TEXT,
    error TEXT
  );
  CREATE INDEX job_runs_by_job ON job_runs (job, id);
  `,
  // Log lines of each run, for the operations pages.
  `
  CREATE TABLE run_logs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX run_logs_by_run ON run_logs (run_id, id);
  `,
  // The webhook outbox: one row per (endpoint, event), delivered at least once (notify/webhook-delivery.ts).
  `
  CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY,
    endpoint INTEGER NOT NULL,
    url TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_at INTEGER,
    claimed_by TEXT,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
  `,
];

export function stateDbPath(dataDir: string): string {
  return path.join(dataDir, '.sluice', 'state.db');
}

/** Open (and migrate) the state database at `file`; a damaged file throws `StateCorruptError`. */
export function openStateDb(file: string): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    checkIntegrity(db, file);
    migrate(db, file);
  } catch (err) {
    closeQuietly(db);
    if (err instanceof SluiceError) throw err;
    if (isCorruption(err)) throw new StateCorruptError(file, (err as Error).message, { cause: err });
    throw new SluiceError(`cannot open the state database ${file}: ${(err as Error).message}`, { cause: err });
  }
  cachePreparedStatements(db, file);
  return db;
}

/**
 * `quick_check` reads every page once (about 40 ms for a 12 MB database of
 * 5,000 files' runs, logs and reports), so bad pages stop a command at once
 * instead of failing the first run that happens to read them.
 */
function checkIntegrity(db: Db, file: string): void {
  const problems = (db.pragma('quick_check(3)') as { quick_check: string }[])
    .flatMap((r) => r.quick_check.split('\n'))
    .filter((line) => line !== 'ok' && !line.startsWith('*** in database'));
  if (problems.length) throw new StateCorruptError(file, problems.join('; '));
}

/** SQLite's result codes for a damaged file (better-sqlite3 reports extended codes such as SQLITE_CORRUPT_INDEX). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

function closeQuietly(db: Db | undefined): void {
  try {
    db?.close();
  } catch {
    // Closing a damaged file may fail too; the error that matters is already being thrown.
  }
}

type CorruptListener = (err: StateCorruptError) => void;
const corruptListeners = new WeakMap<Db, Set<CorruptListener>>();

/** Call `listener` whenever a statement on `db` finds the file damaged (the statement still throws). */
export function onStateCorrupt(db: Db, listener: CorruptListener): void {
  const listeners = corruptListeners.get(db) ?? new Set();
  listeners.add(listener);
  corruptListeners.set(db, listeners);
}

/** `fn`, with a damaged-file error turned into a `StateCorruptError` the listeners hear of. */
function guarded<A extends unknown[], R>(db: Db, file: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      const corrupt = new StateCorruptError(file, (err as Error).message, { cause: err });
      for (const listener of corruptListeners.get(db) ?? []) listener(corrupt);
      throw corrupt;
    }
  };
}

/**
 * Move a damaged state database aside, with its -wal and -shm files, to
 * `<file>.corrupt-<time>` (never deleted), so the next open starts a fresh one
 * that the start-up scan fills again from the raw zone. A sound or missing file
 * is left alone: returns undefined.
 */
export function moveCorruptStateDbAside(file: string, now = new Date()): { movedTo: string; detail: string } | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    openStateDb(file).close();
    return undefined;
  } catch (err) {
    if (!(err instanceof StateCorruptError)) throw err;
    const movedTo = `${file}.corrupt-${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, movedTo + suffix);
    }
    return { movedTo, detail: err.detail };
  }
}

/** Statements kept per database; past this many distinct texts (IN lists built per call) the cache starts over. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Make `db.prepare` return one compiled statement per SQL text. The state
 * modules prepare their queries where they run them; compiling is most of the
 * cost of a small query, and a burst of files runs the same few hundred
 * times a second. No module switches a statement's mode (pluck, raw, expand)
 * or iterates one, so a shared statement behaves as a fresh one. Every
 * statement, `exec` and `pragma` reports a damaged file as `StateCorruptError`.
 */
function cachePreparedStatements(db: Db, file: string): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = guardStatement(db, file, compile(sql));
      cache.set(sql, statement);
    }
    return statement;
  }) as Db['prepare'];
  db.exec = guarded(db, file, db.exec.bind(db)) as Db['exec'];
  db.pragma = guarded(db, file, db.pragma.bind(db)) as Db['pragma'];
}

/** The statement, its runs reporting a damaged file as `StateCorruptError`. */
function guardStatement(db: Db, file: string, statement: Database.Statement): Database.Statement {
  statement.run = guarded(db, file, statement.run.bind(statement)) as typeof statement.run;
  statement.get = guarded(db, file, statement.get.bind(statement)) as typeof statement.get;
  statement.all = guarded(db, file, statement.all.bind(statement)) as typeof statement.all;
  return statement;
}

function migrate(db: Db, file: string): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new SluiceError(`the state database ${file} is at schema version ${current}, newer than this Sluice (${MIGRATIONS.length}); upgrade Sluice`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  apply.immediate();
}
