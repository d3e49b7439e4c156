/**
 * The chain of stages as rules: for a run that ended, what its outcome is,
 * which events it emits and which runs come next. preprocess → crawl →
 * publish (the built-in job) or the configured jobs that read the table;
 * a refused or quarantined file withdraws what its earlier versions produced.
 * Pure: the local workers and a Lambda runner both ask these functions and
 * carry out the answer, so neither holds a rule of its own.
 *
 * Two inputs change the chain on AWS: the catalog mode (`crawler`: a Glue
 * crawler owns the catalog, so the chain ends at preprocess) and jobs started
 * on a service (Glue jobs) rather than run here, whose table changes and
 * downstream jobs are that service's.
 */
import { createHash } from 'node:crypto';
import { type AwsConfig, jobInputs, type SluiceConfig } from '../config/schema.js';
import type { CatalogFile, TableChange } from '../core/catalog.js';
import { NotFoundError } from '../core/errors.js';
import type { PipelineEvent } from '../core/events.js';
import { datasetOf } from '../core/keys.js';
import { describeDiff, type SchemaDiff } from '../core/schema.js';
import type { CrawlResult } from './crawl/handler.js';
import type { JobLaunch } from './ports.js';
import type { Completion, RawSource, Run, RunSpec } from './runs.js';
import type { PublishResult } from './transform/publish.js';

/**
 * Who catalogs the processed files: `direct`, the chain (crawl, then publish
 * or jobs); `crawler`, a Glue crawler outside it, so a preprocessed file's
 * chain ends there.
 */
export type CatalogMode = AwsConfig['catalog'];

/** A configured job to queue, once the runner has read what its inputs hold. */
export interface JobTrigger {
  job: string;
  trigger: string;
}

/** What a runner does once a run's stage returned. */
export interface Step {
  completion: Omit<Completion, 'next'>;
  events: PipelineEvent[];
  next: RunSpec[];
  jobs: JobTrigger[];
  /** Withdraw what earlier versions of this raw file produced downstream (its newest version did not get through). */
  withdraw?: RawSource;
  /** Quarantine the raw file with this reason first (its table refused it). */
  refuse?: { reason: string; table: string; diff: SchemaDiff };
}

const step = (completion: Step['completion'], more: Partial<Omit<Step, 'completion'>> = {}): Step => ({ completion, events: [], next: [], jobs: [], ...more });

/** The preprocess run of one raw file version, the root of its chain. */
export function preprocessRun(rawKey: string, sha256: string): RunSpec<'preprocess'> {
  return {
    stage: 'preprocess',
    subject: rawKey,
    inputHash: sha256,
    lockKey: `raw:${rawKey}`,
    rootKey: rawKey,
    rootHash: sha256,
    payload: { rawKey, rawSha256: sha256 },
  };
}

/**
 * The crawl or publish run of one processed file version, descended from one
 * raw file version (its root). Runs writing one catalog table share a lock,
 * so the table's files are registered one at a time.
 */
export function downstreamRun<S extends 'crawl' | 'publish'>(stage: S, processedKey: string, sha256: string, source: RawSource): RunSpec<S> {
  return {
    stage,
    subject: processedKey,
    inputHash: sha256,
    lockKey: `catalog:${stage === 'crawl' ? 'processed' : 'final'}.${datasetOf(source.rawKey)}`,
    rootKey: source.rawKey,
    rootHash: source.rawSha256,
    payload: { rawKey: source.rawKey, rawSha256: source.rawSha256 },
  } as RunSpec<S>;
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
 * `inputs` maps each of the job's input tables to its files.
 */
export function jobRunSpec(config: SluiceConfig, name: string, trigger: string, inputs: ReadonlyMap<string, readonly CatalogFile[]>): RunSpec<'job'> {
  const job = config.jobs[name];
  if (!job) throw new NotFoundError('job', name, `no job "${name}" in sluice.yaml`);
  const files = jobInputs(job).map((qualified) => [qualified, (inputs.get(qualified) ?? []).map((f) => [f.fileKey, f.sha256])]);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ job, inputs: files }))
    .digest('hex');
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

/** The jobs a changed table sets off. */
function jobsAfter(config: SluiceConfig, table: string): JobTrigger[] {
  return jobsReading(config, table).map((job) => ({ job, trigger: `table.updated ${table}` }));
}

function tableUpdated(table: string, change: Pick<TableChange, 'version' | 'diff'>, files: string[]): PipelineEvent {
  return { type: 'table.updated', table, version: change.version, files, ...(change.diff ? { diff: change.diff } : {}) };
}

/** What preprocess reported back to the chain. */
export type PreprocessEnd =
  /** The raw object changed after this run was queued (or is gone): the newer version has its own run. */
  | { kind: 'stale'; reason: 'raw object changed' | 'raw object removed' }
  /** Read while a writer was still at it: nothing was written. */
  | { kind: 'superseded' }
  | { kind: 'quarantined'; reason?: string; rows: unknown; outputTakenBy?: string }
  | { kind: 'written'; processedKey: string; processedSha256: string; rows: unknown; rejectedCells: number };

export function afterPreprocess(run: Run<'preprocess'>, end: PreprocessEnd, catalog: CatalogMode = 'direct'): Step {
  switch (end.kind) {
    case 'stale':
      return step({ status: 'succeeded', result: { superseded: true, reason: end.reason } });
    case 'superseded':
      return step({ status: 'superseded', result: { superseded: true, reason: 'raw object changed while it was read' } });
    case 'quarantined':
      return step(
        { status: 'quarantined', error: end.reason, result: { rows: end.rows } },
        {
          events: [{ type: 'run.quarantined', runId: run.id, stage: run.stage, subject: run.subject, error: end.reason }],
          // Outputs at a key another raw file owns are that file's: leave them.
          ...(end.outputTakenBy ? {} : { withdraw: run.payload }),
        },
      );
    case 'written': {
      const result = { processedKey: end.processedKey, rows: end.rows, rejectedCells: end.rejectedCells };
      // The crawler finds the file on its own schedule: nothing of the chain follows.
      if (catalog === 'crawler') return step({ status: 'succeeded', result: { ...result, catalog } });
      return step({ status: 'succeeded', result }, { next: [downstreamRun('crawl', end.processedKey, end.processedSha256, run.payload)] });
    }
  }
}

/**
 * The reason a table refused a raw file (schemaChange: fail), for its
 * quarantine record, its report and the run.
 */
export function refusalReason(rawKey: string, table: string, diff: SchemaDiff): string {
  return (
    `${rawKey}: does not fit ${table} (datasets.${datasetOf(rawKey)}.schemaChange is fail in sluice.yaml): ${describeDiff(diff).join(', ')}. ` +
    'The table is unchanged; fix the file, or set schemaChange to update (merge) or log (keep the schema) and replay it with `sluice replay`.'
  );
}

/**
 * `publishes`: whether this runtime has the built-in publish at all. Where
 * jobs run on a service (Glue jobs on AWS), the final zone is theirs alone and
 * a dataset no job reads stays a processed table.
 */
export function afterCrawl(run: Run<'crawl'>, end: CrawlResult, config: SluiceConfig, publishes = true): Step {
  const { change, table } = end;
  const { rawKey } = run.payload;
  const policy = config.datasets[change.table]?.schemaChange ?? 'update';
  const schemaChanged = (diff: SchemaDiff, applied: boolean): PipelineEvent => ({
    type: 'schema.changed',
    table,
    version: change.version,
    policy,
    applied,
    file: run.subject,
    rawKey,
    diff,
  });
  if (change.rejected) {
    const reason = refusalReason(rawKey, table, change.rejected);
    return step(
      { status: 'quarantined', error: reason, result: { table, rejected: change.rejected } },
      {
        events: [{ type: 'run.quarantined', runId: run.id, stage: run.stage, subject: run.subject, error: reason }, schemaChanged(change.rejected, false)],
        refuse: { reason, table, diff: change.rejected },
        withdraw: run.payload,
      },
    );
  }
  const jobs = jobsAfter(config, table);
  const published = publishes && hasDefaultPublish(config, datasetOf(rawKey));
  return step(
    {
      status: 'succeeded',
      result: {
        table,
        version: change.version,
        rows: end.rows,
        diff: change.diff,
        ...(change.drift ? { drift: change.drift } : {}),
        ...(end.layoutWarning ? { warning: end.layoutWarning } : {}),
        ...(jobs.length ? { jobs: jobs.map((j) => j.job) } : {}),
        published,
      },
    },
    {
      events: [
        ...(change.drift ? [schemaChanged(change.drift, false)] : []),
        ...(change.diff ? [schemaChanged(change.diff, true)] : []),
        tableUpdated(table, change, [run.subject]),
      ],
      next: published ? [downstreamRun('publish', run.subject, run.inputHash, run.payload)] : [],
      jobs,
    },
  );
}

export function afterPublish(run: Run<'publish'>, end: PublishResult, config: SluiceConfig): Step {
  const { change, ...rest } = end;
  // A retry may find its work committed by an attempt killed before completing: it still owes the jobs downstream.
  const jobs = change || run.attempts > 1 ? jobsAfter(config, end.table) : [];
  return step(
    { status: 'succeeded', result: { ...rest, ...(jobs.length ? { jobs: jobs.map((j) => j.job) } : {}) } },
    { events: change ? [tableUpdated(end.table, change, [end.outputKey])] : [], jobs },
  );
}

/** What a configured job reported (its summary), with its job-run record. */
export interface JobEnd {
  table: string;
  change?: TableChange;
  jobRun: number;
  summary: Record<string, unknown>;
}

export function afterJob(run: Run<'job'>, end: JobEnd, config: SluiceConfig): Step {
  const { change, table } = end;
  const result = { ...end.summary, version: change?.version, jobRun: end.jobRun };
  if (!change) {
    // An earlier attempt committed and was killed before completing: the downstream jobs it owed were never queued.
    return step({ status: 'succeeded', result }, { jobs: run.attempts > 1 ? jobsAfter(config, table) : [] });
  }
  return step(
    { status: 'succeeded', result },
    {
      events: [
        ...(change.diff
          ? [{ type: 'schema.changed' as const, table, version: change.version, policy: 'update' as const, applied: true, diff: change.diff }]
          : []),
        tableUpdated(table, change, []),
      ],
      jobs: jobsAfter(config, table),
    },
  );
}

/**
 * A job started on a service (a Glue job): the run is done once the service
 * took it. The table it writes changes when the service's run ends, and the
 * jobs reading that table are set off there (Glue triggers), so nothing
 * follows here.
 */
export function afterJobStarted(run: Run<'job'>, launch: JobLaunch): Step {
  return step({ status: 'succeeded', result: { started: launch, trigger: run.payload.trigger } });
}

/** A job no longer in sluice.yaml: its queued run ends quietly. */
export function jobGone(name: string): Step {
  return step({ status: 'succeeded', result: { skipped: `job ${name} is no longer in sluice.yaml` } });
}

/** Tables changed by withdrawing a file (or by a processed file that vanished): their events and the jobs they set off. */
export function afterWithdrawal(changes: readonly TableChange[], config: SluiceConfig): Pick<Step, 'events' | 'jobs'> {
  const events: PipelineEvent[] = [];
  const jobs: JobTrigger[] = [];
  for (const change of changes) {
    const table = `${change.database}.${change.table}`;
    events.push(tableUpdated(table, change, []));
    jobs.push(...jobsAfter(config, table));
  }
  return { events, jobs };
}

/** A run that failed for good: its event. */
export function runFailed(run: Run, error: string): PipelineEvent {
  return { type: 'run.failed', runId: run.id, stage: run.stage, subject: run.subject, error };
}

export type FileOutcome =
  | { state: 'pending'; stage?: string }
  | {
      state: 'done';
      rowsWritten: number;
      rowsRejected: number;
      rejectedCells: number;
      duplicates: number;
      /** Rows identical to an earlier row, kept because no column identifies a row (dedupe `auto`). */
      identicalKept?: number;
      table: string;
      /** Jobs that read the file's table (no default publish then); `sluice ingest` waits for them too. */
      jobs?: string[];
    }
  | { state: 'quarantined'; reason: string }
  | { state: 'failed'; error: string; stage: string }
  | { state: 'superseded' };

/** `{ identicalKept }` when the preprocess report kept identical rows (see FileOutcome), else nothing. */
function identicalKept(report: { duplicates?: { identical?: number; dropped?: number } } | undefined): { identicalKept?: number } {
  const kept = (report?.duplicates?.identical ?? 0) - (report?.duplicates?.dropped ?? 0);
  return kept > 0 ? { identicalKept: kept } : {};
}

/** Where one version of a raw file stands: the summary of the runs of its chain, with its preprocess report. */
export function chainOutcome(
  runs: readonly Run[],
  report?: { rows?: Record<string, number>; rejectedCells?: number; duplicates?: { identical?: number; dropped?: number } },
): FileOutcome {
  if (runs.length === 0) return { state: 'pending' };
  const open = runs.find((r) => r.status === 'queued' || r.status === 'running');
  if (open) return { state: 'pending', stage: open.stage };
  const failed = runs.find((r) => r.status === 'failed');
  if (failed) return { state: 'failed', error: failed.error ?? 'unknown error', stage: failed.stage };
  const quarantined = runs.find((r) => r.status === 'quarantined');
  if (quarantined) return { state: 'quarantined', reason: quarantined.error ?? 'quarantined' };
  const first = runs[0] as Run;
  if (first.status === 'superseded' || first.result?.superseded) return { state: 'superseded' };
  if (first.stage === 'preprocess' && first.result?.catalog === 'crawler') {
    // The crawler catalogs the file outside the chain: preprocess is its end here.
    const rows = first.result.rows as { written?: number } | undefined;
    return {
      state: 'done',
      rowsWritten: report?.rows?.written ?? rows?.written ?? 0,
      rowsRejected: report?.rows?.rejected ?? 0,
      rejectedCells: report?.rejectedCells ?? 0,
      duplicates: report?.rows?.duplicates ?? 0,
      ...identicalKept(report),
      table: `processed.${datasetOf(first.subject)}`,
    };
  }
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
    ...identicalKept(report),
    table: String(last.result?.table ?? ''),
    ...(jobs.length ? { jobs } : {}),
  };
}
