/**
 * The local runner: turns object-created events into queued runs and works
 * the queue. Every event source (watcher, upload API, `sluice ingest`, the
 * start-up scan) calls `noteRawObject`; every stage run goes through `work`.
 * Several processes may run this on one project at once: the state database's
 * leases keep them from doing the same run twice.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { jobInputs, type SluiceConfig } from '../config/schema.js';
import { ConfigError, errorMessage, NotFoundError, StateCorruptError } from '../core/errors.js';
import type { ObjectCreated } from '../core/events.js';
import { datasetOf, isHiddenKey, isInputKey, processedKeyFor, rejectsKeyFor } from '../core/keys.js';
import { describeDiff, type SchemaDiff } from '../core/schema.js';
import { crawl } from '../stages/crawl/handler.js';
import type { Logger, StageDeps } from '../stages/deps.js';
import { preprocess } from '../stages/preprocess/handler.js';
import { quarantineRawFile } from '../stages/quarantine.js';
import { type JobSummary, runJob } from '../stages/transform/job.js';
import { jobMode } from '../stages/transform/plan.js';
import { publish, publishJobName } from '../stages/transform/publish.js';
import { parseTableName } from '../state/catalog.js';
import { type Completion, newOwnerId, type Run, type RunSpec } from '../state/queue.js';
import type { Project } from './project.js';

export const STAGES = ['preprocess', 'crawl', 'publish', 'job'] as const;
export type Stage = (typeof STAGES)[number];

const LEASE_MS = 60_000;
const HEARTBEAT_MS = 10_000;
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];
const POLL_MS = 200;

export type FileOutcome =
  | { state: 'pending'; stage?: string }
  | {
      state: 'done';
      rowsWritten: number;
      rowsRejected: number;
      rejectedCells: number;
      duplicates: number;
      table: string;
      /** Jobs that read the file's table (no default publish then); `sluice ingest` waits for them too. */
      jobs?: string[];
    }
  | { state: 'quarantined'; reason: string }
  | { state: 'failed'; error: string; stage: string }
  | { state: 'superseded' };

interface ChainPayload {
  rawKey: string;
  rawSha256: string;
  [k: string]: unknown;
}

export class Pipeline {
  readonly owner = newOwnerId();
  /** Emits 'run' (Run) when a run ends and 'enqueued' when new work arrives in this process. */
  readonly events = new EventEmitter();
  private stopping = false;
  private readonly active = new Set<Promise<void>>();
  private wake?: () => void;
  /** Keys already reported as not CSV, so each is said once per process. */
  private readonly ignored = new Set<string>();
  /**
   * Where raw keys that the scan finds, or that changed under a run, go to be
   * noted: in the service, the settle gate (a file found half-written must
   * not be taken before its writer is done), given when it changed; without
   * one, straight to noteRawObject.
   */
  settle?: (key: string, since: number, source: 'scan') => void;
  /** Raw objects seen but not yet queued (waiting to settle, or being hashed): work that health must count as pending. */
  intakePending: () => number = () => 0;

  constructor(readonly project: Project) {
    this.events.setMaxListeners(100);
  }

  private async deps(): Promise<StageDeps> {
    const p = this.project;
    return { zones: p.zones, engine: await p.engine(), config: p.config, tmpDir: p.tmpDir, log: p.log, faults: faultAt };
  }

  /** An object appeared (or changed) in the raw zone: record it and queue its preprocess run. */
  async noteRawObject(key: string, source: ObjectCreated['source'], force = false): Promise<{ key: string; sha256: string; created: boolean } | undefined> {
    if (!isInputKey(key)) {
      if (!isHiddenKey(key) && !this.ignored.has(key)) {
        this.ignored.add(key);
        this.project.log.warn('ignored: not a CSV file (.csv, .tsv or .txt, optionally .gz)', { key });
      }
      return undefined;
    }
    const version = await this.currentRawVersion(key);
    if (!version) return undefined;
    const { sha256, size } = version;
    const { created } = this.project.queue.enqueue(
      {
        stage: 'preprocess',
        subject: key,
        inputHash: sha256,
        lockKey: `raw:${key}`,
        rootKey: key,
        rootHash: sha256,
        payload: { rawKey: key, rawSha256: sha256 },
      },
      force,
    );
    if (created) {
      this.project.events.append({ type: 'object.created', zone: 'raw', key, hash: sha256, size, source });
      this.project.log.info('object.created', { key, source, sha256: sha256.slice(0, 12) });
      this.events.emit('enqueued');
      this.wake?.();
    }
    return { key, sha256, created };
  }

  /**
   * The content hash of a raw object as it is now, or undefined when it is gone.
   * The file is read only when its change tag (size, mtime, inode / ETag) is
   * one the state database has not seen.
   */
  private async currentRawVersion(key: string): Promise<{ sha256: string; size: number; tag: string } | undefined> {
    const { zones, rawObjects } = this.project;
    const info = await zones.raw.head(key);
    if (!info) return undefined;
    const known = rawObjects.knownHash(key, info.tag);
    if (known) return { sha256: known, size: info.size, tag: info.tag };
    const stat = await zones.raw.stat(key);
    if (stat) rawObjects.record(key, stat.tag, stat.sha256, stat.size);
    return stat && { sha256: stat.sha256, size: stat.size, tag: stat.tag };
  }

  /**
   * Reconcile: queue every raw object not yet processed in its current
   * version. With a settle gate, the objects are handed to it (a file may be
   * half-written right now) and the count is of those handed over.
   */
  async scan(): Promise<number> {
    let queued = 0;
    for await (const info of this.project.zones.raw.list('')) {
      if (this.settle) {
        this.settle(info.key, Math.min(info.modifiedMs, Date.now()), 'scan');
        queued++;
        continue;
      }
      const r = await this.noteRawObject(info.key, 'scan');
      if (r?.created) queued++;
    }
    return queued;
  }

  /** A raw object changed under a run: its new version is noted, through the settle gate when there is one. */
  private async requeue(key: string): Promise<void> {
    if (this.settle) this.settle(key, Date.now(), 'scan');
    else await this.noteRawObject(key, 'scan');
  }

  /**
   * Queue crawl runs for processed files the catalog does not know in their
   * current version (all files with `full`), and drop catalog entries whose
   * file is gone. Returns how many files were queued and dropped.
   */
  async recrawl(full: boolean): Promise<{ queued: number; dropped: number }> {
    const p = this.project;
    const known = new Map(p.catalog.allFiles('processed').map((f) => [f.fileKey, f]));
    const seen = new Set<string>();
    let queued = 0;
    for await (const info of p.zones.processed.list('')) {
      if (!info.key.endsWith('.parquet')) continue;
      seen.add(info.key);
      const stat = await p.zones.processed.stat(info.key);
      const entry = known.get(info.key);
      if (!stat || (!full && entry?.sha256 === stat.sha256)) continue;
      const source = entry
        ? { rawKey: entry.sourceRawKey, rawSha256: entry.sourceSha256 }
        : (p.queue.latest('crawl', info.key)?.payload as { rawKey: string; rawSha256: string } | undefined);
      if (!source) {
        p.log.warn('processed file has no known raw source; skipped', { key: info.key });
        continue;
      }
      p.queue.enqueue(downstreamRun('crawl', info.key, stat.sha256, source), full);
      queued++;
    }
    let dropped = 0;
    for (const [key, f] of known) {
      if (seen.has(key)) continue;
      const change = p.catalog.removeFile('processed', f.table, key);
      const table = `processed.${change.table}`;
      p.events.append({ type: 'table.updated', table, version: change.version, files: [], ...(change.diff ? { diff: change.diff } : {}) });
      for (const name of jobsReading(p.config, table)) p.queue.enqueue(jobRun(p, name, `table.updated ${table}`));
      dropped++;
    }
    return { queued, dropped };
  }

  /** Claim and execute one run; false when nothing was runnable. */
  async workOne(): Promise<boolean> {
    const run = this.project.queue.claim(this.owner, LEASE_MS, STAGES);
    if (!run) return false;
    await this.execute(run);
    return true;
  }

  /** The project's logger, also keeping each line with the run it belongs to. */
  private runLogger(runId: number): Logger {
    const { log, runLogs } = this.project;
    const keep = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => {
      log[level](message, fields);
      try {
        runLogs.add(runId, level, message, fields);
      } catch {
        // A busy state database must not fail the run over a log line.
      }
    };
    return { info: (m, f) => keep('info', m, f), warn: (m, f) => keep('warn', m, f), error: (m, f) => keep('error', m, f) };
  }

  private async execute(run: Run): Promise<void> {
    const { queue } = this.project;
    const log = this.runLogger(run.id);
    const heartbeat = setInterval(() => {
      try {
        queue.heartbeat(run.id, this.owner, LEASE_MS);
      } catch (err) {
        // A missed heartbeat only shortens the lease; a damaged state file is reported by the run itself.
        this.project.log.warn('run heartbeat failed', { run: run.id, error: errorMessage(err) });
      }
    }, HEARTBEAT_MS);
    const started = Date.now();
    try {
      const completion = await this.executeStage(run, log);
      await faultAt(`${run.stage}.before-complete`);
      const ok = queue.complete(run.id, this.owner, completion);
      if (!ok) log.warn('run lost its lease; another worker took it over', { run: run.id, stage: run.stage, subject: run.subject });
      // Noted only once the run is closed as superseded: even the same bytes again (a file copied over itself) reopen it.
      else if (completion.status === 'superseded') await this.requeue(run.subject);
      log.info(`run.${completion.status}`, { run: run.id, stage: run.stage, subject: run.subject, ms: Date.now() - started, error: completion.error });
    } catch (err) {
      // A damaged state file ends the work: nothing can be recorded, and every run would fail the same way.
      if (err instanceof StateCorruptError) throw err;
      const message = errorMessage(err);
      // A configuration error fails the same way every time: retrying only delays the message.
      const outcome = queue.retryOrFail(run, this.owner, message, RETRY_DELAYS_MS[run.attempts - 1] ?? 30_000, err instanceof ConfigError);
      log.error(outcome === 'failed' ? 'run.failed' : 'run.retrying', {
        run: run.id,
        stage: run.stage,
        subject: run.subject,
        attempt: run.attempts,
        error: message,
      });
      if (outcome === 'failed') this.project.events.append({ type: 'run.failed', runId: run.id, stage: run.stage, subject: run.subject, error: message });
    } finally {
      clearInterval(heartbeat);
      this.events.emit('run', queue.get(run.id));
    }
  }

  private async executeStage(run: Run, log: Logger) {
    const p = this.project;
    const payload = run.payload as ChainPayload;
    const deps = { ...(await this.deps()), log };
    if (run.stage === 'preprocess') {
      // The raw object changed after this run was queued: the newer version has its own run.
      const version = await this.currentRawVersion(run.subject);
      const current = version?.sha256;
      if (!version || current !== run.inputHash) {
        if (current) await this.requeue(run.subject);
        return { status: 'succeeded' as const, result: { superseded: true, reason: current ? 'raw object changed' : 'raw object removed' } };
      }
      const owner = p.catalog.sourceOfFile('processed', processedKeyFor(run.subject));
      const outputTakenBy = owner && owner !== run.subject ? owner : undefined;
      const result = await preprocess({ rawKey: run.subject, sha256: run.inputHash, rawTag: version.tag, outputTakenBy }, deps);
      if (result.outcome === 'superseded') {
        // Read while a writer was still at it: nothing was written, and the new version is noted once this run is closed.
        return { status: 'superseded' as const, result: { superseded: true, reason: 'raw object changed while it was read' } };
      }
      p.reports.save(run.subject, run.inputHash, result.report);
      if (result.outcome === 'quarantined') {
        // Outputs at a key another raw file owns are that file's: leave them.
        const next = outputTakenBy ? [] : await this.retractOutputs(run.subject);
        p.events.append({ type: 'run.quarantined', runId: run.id, stage: run.stage, subject: run.subject, error: result.report.quarantine?.reason });
        return { status: 'quarantined' as const, error: result.report.quarantine?.reason, result: { rows: result.report.rows }, next };
      }
      const processedKey = result.processedKey as string;
      const stat = await p.zones.processed.stat(processedKey);
      if (!stat) throw new Error(`processed output ${processedKey} is missing right after it was written`);
      const next = downstreamRun('crawl', processedKey, stat.sha256, { rawKey: run.subject, rawSha256: run.inputHash });
      return { status: 'succeeded' as const, result: { processedKey, rows: result.report.rows, rejectedCells: result.report.rejectedCells }, next: [next] };
    }
    if (run.stage === 'crawl') {
      const result = await crawl(
        { processedKey: run.subject, sha256: run.inputHash, rawKey: payload.rawKey, rawSha256: payload.rawSha256 },
        { ...deps, catalog: p.catalog },
      );
      const { change } = result;
      const policy = p.config.datasets[change.table]?.schemaChange ?? 'update';
      const schemaEvent = (diff: SchemaDiff, applied: boolean) =>
        p.events.append({
          type: 'schema.changed',
          table: result.table,
          version: change.version,
          policy,
          applied,
          file: run.subject,
          rawKey: payload.rawKey,
          diff,
        });
      if (change.rejected) {
        const { reason, next } = await this.refuseFile(run, payload, result.table, change.rejected);
        schemaEvent(change.rejected, false);
        return { status: 'quarantined' as const, error: reason, result: { table: result.table, rejected: change.rejected }, next };
      }
      if (change.drift) {
        schemaEvent(change.drift, false);
        deps.log.warn('schema drift kept out of the table (schemaChange: log)', { table: result.table, file: run.subject, drift: describeDiff(change.drift) });
      }
      if (change.diff) schemaEvent(change.diff, true);
      p.events.append({
        type: 'table.updated',
        table: result.table,
        version: change.version,
        files: [run.subject],
        ...(change.diff ? { diff: change.diff } : {}),
      });
      const jobs = jobsReading(p.config, result.table);
      const published = hasDefaultPublish(p.config, datasetOf(payload.rawKey));
      const next = [
        ...(published ? [downstreamRun('publish', run.subject, run.inputHash, payload)] : []),
        ...jobs.map((name) => jobRun(p, name, `table.updated ${result.table}`)),
      ];
      return {
        status: 'succeeded' as const,
        result: {
          table: result.table,
          version: change.version,
          rows: result.rows,
          diff: change.diff,
          ...(change.drift ? { drift: change.drift } : {}),
          ...(result.layoutWarning ? { warning: result.layoutWarning } : {}),
          ...(jobs.length ? { jobs } : {}),
          published,
        },
        next,
      };
    }
    if (run.stage === 'publish') {
      const result = await publish(
        { processedKey: run.subject, sha256: run.inputHash, rawKey: payload.rawKey, rawSha256: payload.rawSha256 },
        { ...deps, catalog: p.catalog, bookmarks: p.bookmarks },
      );
      if (result.change) {
        const { diff, version } = result.change;
        p.events.append({ type: 'table.updated', table: result.table, version, files: [result.outputKey], ...(diff ? { diff } : {}) });
      }
      // A retry may find its work committed by an attempt killed before completing: it still owes the jobs downstream.
      const jobs = result.change || run.attempts > 1 ? jobsReading(p.config, result.table) : [];
      return {
        status: 'succeeded' as const,
        result: { ...result, change: undefined, ...(jobs.length ? { jobs } : {}) },
        next: jobs.map((name) => jobRun(p, name, `table.updated ${result.table}`)),
      };
    }
    if (run.stage === 'job') return this.executeJob(run, deps);
    throw new Error(`unknown stage "${run.stage}"`);
  }

  /** A configured transform job: run it, record the run, and tell the jobs downstream. */
  private async executeJob(run: Run, deps: StageDeps): Promise<Completion> {
    const p = this.project;
    const name = run.subject;
    const job = p.config.jobs[name];
    if (!job) return { status: 'succeeded' as const, result: { skipped: `job ${name} is no longer in sluice.yaml` } };
    const trigger = String((run.payload as { trigger?: string }).trigger ?? 'manual');
    const bookmark = () => Object.fromEntries(p.bookmarks.list(name).map((b) => [b.inputKey, b.inputHash.slice(0, 12)]));
    const record = p.jobRuns.start(name, jobMode(job), trigger, bookmark());
    let summary: JobSummary;
    try {
      summary = await runJob(name, job, { ...deps, catalog: p.catalog, bookmarks: p.bookmarks });
    } catch (err) {
      p.jobRuns.finish(record, { status: 'failed', inputs: 0, rowsRead: 0, rowsWritten: 0, filesWritten: 0, filesRemoved: 0, error: errorMessage(err) });
      throw err;
    }
    const { change, ...rest } = summary;
    p.jobRuns.finish(record, {
      status: 'succeeded',
      ...rest,
      bookmarkAfter: bookmark(),
      detail: { castFailures: summary.castFailures, ...(summary.skipped ? { skipped: summary.skipped } : {}) },
    });
    if (Object.keys(summary.castFailures).length) {
      deps.log.warn('job: values that did not convert became NULL', { job: name, castFailures: summary.castFailures });
    }
    const next: RunSpec[] = [];
    if (!change && run.attempts > 1) {
      // An earlier attempt committed and was killed before completing: the downstream jobs it owed were never queued.
      next.push(...jobsReading(p.config, summary.table).map((downstream) => jobRun(p, downstream, `table.updated ${summary.table}`)));
    }
    if (change) {
      const table = summary.table;
      if (change.diff) {
        p.events.append({ type: 'schema.changed', table, version: change.version, policy: 'update', applied: true, diff: change.diff });
      }
      p.events.append({ type: 'table.updated', table, version: change.version, files: [], ...(change.diff ? { diff: change.diff } : {}) });
      next.push(...jobsReading(p.config, table).map((downstream) => jobRun(p, downstream, `table.updated ${table}`)));
    }
    return { status: 'succeeded' as const, result: { ...rest, version: change?.version, jobRun: record }, next };
  }

  /**
   * A processed file its table refuses (schemaChange: fail): the raw file goes
   * to quarantine with the diff, its outputs are withdrawn, and its report says
   * why. Returns the reason and the job runs the withdrawal sets off.
   */
  private async refuseFile(run: Run, payload: ChainPayload, table: string, rejected: SchemaDiff): Promise<{ reason: string; next: RunSpec[] }> {
    const p = this.project;
    const dataset = datasetOf(payload.rawKey);
    const reason =
      `${payload.rawKey}: does not fit ${table} (datasets.${dataset}.schemaChange is fail in sluice.yaml): ${describeDiff(rejected).join(', ')}. ` +
      'The table is unchanged; fix the file, or set schemaChange to update (merge) or log (keep the schema) and replay it with `sluice replay`.';
    const quarantined = await quarantineRawFile(p.zones, payload.rawKey, payload.rawSha256, reason, { table, diff: rejected });
    const next = await this.retractOutputs(payload.rawKey);
    const saved = p.reports.get(payload.rawKey);
    if (saved?.sha256 === payload.rawSha256) {
      const report = saved.report as { quarantine?: { reason: string }; outputs?: Record<string, unknown> };
      p.reports.save(payload.rawKey, payload.rawSha256, {
        ...report,
        quarantine: { reason },
        outputs: { ...report.outputs, processed: undefined, rejects: undefined, quarantined },
      });
    }
    p.events.append({ type: 'run.quarantined', runId: run.id, stage: run.stage, subject: run.subject, error: reason });
    return { reason, next };
  }

  /**
   * A raw key's newest version was quarantined: remove what its earlier
   * versions produced downstream (its processed file and, when the dataset is
   * published by the built-in job, its final copy). Jobs reading the changed
   * tables are queued: they withdraw their own outputs of it.
   */
  private async retractOutputs(rawKey: string): Promise<RunSpec[]> {
    const p = this.project;
    const dataset = datasetOf(rawKey);
    const processedKey = processedKeyFor(rawKey);
    const published = hasDefaultPublish(p.config, dataset);
    const finalKeys = published ? p.catalog.fileKeysFromSource('final', rawKey) : [];
    const changes = [...p.catalog.removeFilesFromSource(rawKey, 'processed'), ...(published ? p.catalog.removeFilesFromSource(rawKey, 'final') : [])];
    const next: RunSpec[] = [];
    for (const change of changes) {
      const table = `${change.database}.${change.table}`;
      p.events.append({ type: 'table.updated', table, version: change.version, files: [], ...(change.diff ? { diff: change.diff } : {}) });
      next.push(...jobsReading(p.config, table).map((name) => jobRun(p, name, `table.updated ${table}`)));
    }
    if (published) p.bookmarks.remove(publishJobName(dataset), processedKey);
    await p.zones.processed.delete(processedKey);
    for (const k of finalKeys) await p.zones.final.delete(k);
    await p.zones.quarantine.delete(rejectsKeyFor(rawKey));
    return next;
  }

  /** Work until nothing is queued or running anywhere (batch mode). */
  async workUntilIdle(concurrency = 2): Promise<void> {
    this.project.queue.reapDeadOwners();
    const worker = async () => {
      for (;;) {
        if (await this.workOne()) continue;
        if (this.project.queue.pendingCount() === 0) return;
        // Work is queued but locked, delayed for retry, or running in another process.
        this.project.queue.reapDeadOwners();
        await sleep(POLL_MS);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Start background workers (service mode); `stop` waits for the runs in flight. */
  startWorkers(concurrency = 2): void {
    this.stopping = false;
    this.project.queue.reapDeadOwners();
    const loop = async () => {
      while (!this.stopping) {
        try {
          if (await this.workOne()) continue;
        } catch (err) {
          // The service hears of a damaged state file from the database itself (onStateCorrupt) and stops.
          if (err instanceof StateCorruptError) return;
          this.project.log.error('worker error', { error: errorMessage(err) });
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, POLL_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    };
    for (let i = 0; i < concurrency; i++) {
      const p = loop();
      this.active.add(p);
      void p.finally(() => this.active.delete(p));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await Promise.all(this.active);
  }

  /** Where one version of a raw file stands in the pipeline. */
  outcome(rawKey: string, sha256: string): FileOutcome {
    const runs = this.project.queue.chain(rawKey, sha256);
    return chainOutcome(runs, this.project.reports.get(rawKey)?.report as { rows?: Record<string, number>; rejectedCells?: number } | undefined);
  }
}

/**
 * The crawl or publish run of one processed file version, descended from one
 * raw file version (its root). Runs writing one catalog table share a lock,
 * so the table's files are registered one at a time.
 */
export function downstreamRun(stage: 'crawl' | 'publish', processedKey: string, sha256: string, source: { rawKey: string; rawSha256: string }): RunSpec {
  return {
    stage,
    subject: processedKey,
    inputHash: sha256,
    lockKey: `catalog:${stage === 'crawl' ? 'processed' : 'final'}.${datasetOf(source.rawKey)}`,
    rootKey: source.rawKey,
    rootHash: source.rawSha256,
    payload: { rawKey: source.rawKey, rawSha256: source.rawSha256 },
  };
}

/** Jobs whose source or joined tables include `table`. */
export function jobsReading(config: SluiceConfig, table: string): string[] {
  return Object.entries(config.jobs)
    .filter(([, job]) => jobInputs(job).includes(table))
    .map(([name]) => name);
}

/**
 * Whether a dataset gets the built-in publish to `final.<dataset>`: not when a
 * configured job reads its processed table or writes a table of its name.
 */
export function hasDefaultPublish(config: SluiceConfig, dataset: string): boolean {
  return !Object.values(config.jobs).some((job) => job.source === `processed.${dataset}` || job.output.table === dataset);
}

/**
 * A run of a configured job, keyed by what its inputs hold now (their files
 * and the job spec): queuing it again for the same inputs is a no-op, and a
 * newer queued run replaces an older one. Runs writing one table share a lock.
 */
export function jobRun(project: Project, name: string, trigger: string): RunSpec {
  const job = project.config.jobs[name];
  if (!job) throw new NotFoundError('job', name, `no job "${name}" in sluice.yaml`);
  const inputs = jobInputs(job).map((qualified) => {
    const { database, name: table } = parseTableName(qualified);
    return [qualified, project.catalog.files(database, table).map((f) => [f.fileKey, f.sha256])];
  });
  const fingerprint = createHash('sha256').update(JSON.stringify({ job, inputs })).digest('hex');
  return {
    stage: 'job',
    subject: name,
    inputHash: fingerprint,
    lockKey: `catalog:final.${job.output.table}`,
    rootKey: `job:${name}`,
    rootHash: fingerprint,
    payload: { job: name, trigger },
  };
}

const pausedAt = new Set<string>();

/**
 * Tests name a point where the process dies, as a crash would
 * (SLUICE_CRASH_AT), or where it waits, the first time it gets there, until
 * the file SLUICE_PAUSE_FILE it writes is removed (SLUICE_PAUSE_AT): a test
 * changes things at that point, as a slow step would let happen.
 */
async function faultAt(point: string): Promise<void> {
  if (process.env.SLUICE_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
  const pauseFile = process.env.SLUICE_PAUSE_FILE;
  if (process.env.SLUICE_PAUSE_AT !== point || !pauseFile || pausedAt.has(point)) return;
  pausedAt.add(point);
  fs.writeFileSync(pauseFile, String(process.pid));
  for (const until = Date.now() + 60_000; fs.existsSync(pauseFile) && Date.now() < until; ) await sleep(20);
}

/** Summarise the runs of one raw file version. */
export function chainOutcome(runs: Run[], report?: { rows?: Record<string, number>; rejectedCells?: number }): FileOutcome {
  if (runs.length === 0) return { state: 'pending' };
  const open = runs.find((r) => r.status === 'queued' || r.status === 'running');
  if (open) return { state: 'pending', stage: open.stage };
  const failed = runs.find((r) => r.status === 'failed');
  if (failed) return { state: 'failed', error: failed.error ?? 'unknown error', stage: failed.stage };
  const quarantined = runs.find((r) => r.status === 'quarantined');
  if (quarantined) return { state: 'quarantined', reason: quarantined.error ?? 'quarantined' };
  const first = runs[0] as Run;
  if (first.status === 'superseded' || first.result?.superseded) return { state: 'superseded' };
  const published = runs.find((r) => r.stage === 'publish' && r.status === 'succeeded');
  const crawled = runs.find((r) => r.stage === 'crawl' && r.status === 'succeeded');
  // Jobs set off by the file's tables; without a default publish the chain ends at the crawl.
  const jobs = [...new Set([...((crawled?.result?.jobs as string[] | undefined) ?? []), ...((published?.result?.jobs as string[] | undefined) ?? [])])];
  const last = published ?? (crawled && crawled.result?.published === false ? crawled : undefined);
  if (!last) return { state: 'pending', stage: 'publish' };
  return {
    state: 'done',
    rowsWritten: report?.rows?.written ?? Number(last.result?.rows ?? 0),
    rowsRejected: report?.rows?.rejected ?? 0,
    rejectedCells: report?.rejectedCells ?? 0,
    duplicates: report?.rows?.duplicates ?? 0,
    table: String(last.result?.table ?? ''),
    ...(jobs.length ? { jobs } : {}),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
