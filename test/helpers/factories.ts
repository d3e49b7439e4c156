/**
 * Input factories for in-process stage tests: the ports a stage or a run
 * needs over a fresh temp folder (four local zones, a state database of its
 * own, a parsed config), sharing one engine. No CLI, no server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ConfigInput, sluiceConfigSchema } from '../../src/config/schema.js';
import type { Engine } from '../../src/engine/duckdb.js';
import type { Logger, StageDeps } from '../../src/stages/deps.js';
import type { RunDeps } from '../../src/stages/execute.js';
import type { Run, RunSpec, Stage } from '../../src/stages/runs.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { openStateDb } from '../../src/state/database.js';
import { SqliteBookmarks, SqliteEventLog, SqliteJobRuns, SqliteReports } from '../../src/state/records.js';
import { LocalObjectStore } from '../../src/storage/local/local-object-store.js';

export const SILENT: Logger = { info() {}, warn() {}, error() {} };

export interface TestDeps extends RunDeps {
  dir: string;
  events: SqliteEventLog;
  close(): void;
}

/**
 * Ports for one test over `dir` (a new temp folder unless given). The raw
 * version of a key is its current content hash, as the local intake reports it.
 */
export function stageDeps(engine: Engine, config: ConfigInput = {}, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-stage-'))): TestDeps {
  const zone = (name: string) => new LocalObjectStore(path.join(dir, name));
  const zones = { raw: zone('raw'), processed: zone('processed'), final: zone('final'), quarantine: zone('quarantine') };
  const parsed = sluiceConfigSchema.parse(config);
  const db = openStateDb(path.join(dir, 'state.db'));
  const changed: string[] = [];
  return {
    dir,
    zones,
    engine,
    config: parsed,
    catalog: new SqliteCatalog(db, Date.now, (_database, table) => parsed.datasets[table]?.schemaChange ?? 'update'),
    bookmarks: new SqliteBookmarks(db),
    events: new SqliteEventLog(db),
    reports: new SqliteReports(db),
    jobRuns: new SqliteJobRuns(db),
    tmpDir: path.join(dir, 'tmp'),
    log: SILENT,
    rawVersion: async (key) => {
      const stat = await zones.raw.stat(key);
      return stat && { sha256: stat.sha256, tag: stat.tag };
    },
    rawChanged: async (key) => {
      changed.push(key);
    },
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A run of `spec` as a queue hands it to a worker: claimed, first attempt, unless `more` says otherwise. */
export function runOf<S extends Stage>(spec: RunSpec<S>, more: Partial<Run> = {}): Run<S> {
  return {
    ...spec,
    id: 7,
    status: 'running',
    attempts: 1,
    maxAttempts: 3,
    leaseOwner: 'test',
    leaseUntil: 0,
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    error: null,
    result: null,
    ...more,
  } as Run<S>;
}

/** Just what every stage gets (a preprocess test needs no more). */
export function plainStageDeps(engine: Engine, config: ConfigInput = {}, dir?: string): StageDeps & { close(): void } {
  return stageDeps(engine, config, dir);
}
