/**
 * Executing one stage run, the same way in every runner: call the stage with
 * its ports, ask the chain (`chain.ts`) what follows, and carry that out —
 * withdraw or quarantine what must go, record events and reports, and turn
 * the jobs to set off into runs keyed by their inputs. What comes back is the
 * run's completion, with the runs to queue in the same commit. A runner (the
 * local workers, a Lambda) only claims runs, keeps their leases and commits.
 */

import { jobInputs } from '../config/schema.js';
import type { CatalogFile, TableChange } from '../core/catalog.js';
import { parseTableName } from '../core/catalog.js';
import { errorMessage } from '../core/errors.js';
import { datasetOf, processedKeyFor, rejectsKeyFor } from '../core/keys.js';
import { describeDiff } from '../core/schema.js';
import {
  afterCrawl,
  afterJob,
  afterJobStarted,
  afterPreprocess,
  afterPublish,
  afterWithdrawal,
  type CatalogMode,
  hasDefaultPublish,
  type JobTrigger,
  jobGone,
  jobRunSpec,
  type PreprocessEnd,
  type Step,
} from './chain.js';
import { crawl } from './crawl/handler.js';
import type { StageDeps } from './deps.js';
import type { EventSink, JobLauncher, JobRunLog, ReportStore } from './ports.js';
import { preprocess } from './preprocess/handler.js';
import { quarantineRawFile } from './quarantine.js';
import type { Completion, RawSource, Run, RunSpec } from './runs.js';
import { runJob } from './transform/job.js';
import { jobMode } from './transform/plan.js';
import { publish, publishJobName } from './transform/publish.js';

/** Everything a run needs: the stages' ports, and where events, reports and job runs are kept. */
export interface RunDeps extends StageDeps {
  events: EventSink;
  reports: ReportStore;
  jobRuns: JobRunLog;
  /** The raw object's content hash and change tag as it is now, or undefined when it is gone. */
  rawVersion(key: string): Promise<{ sha256: string; tag: string } | undefined>;
  /** A raw object changed under a run: its newer version must be noted (and gets its own run). */
  rawChanged(key: string): Promise<void>;
  /** Who catalogs processed files (default `direct`: the chain's crawl). */
  catalogMode?: CatalogMode;
  /** Where configured jobs are started instead of running here on DuckDB (Glue jobs). */
  jobLauncher?: JobLauncher;
}

export async function executeRun(run: Run, deps: RunDeps): Promise<Completion> {
  const step = await runStage(run, deps);
  return carryOut(step, deps);
}

async function runStage(run: Run, deps: RunDeps): Promise<Step> {
  switch (run.stage) {
    case 'preprocess':
      return afterPreprocess(run, await preprocessEnd(run, deps), deps.catalogMode);
    case 'crawl': {
      const end = await crawl({ processedKey: run.subject, sha256: run.inputHash, ...run.payload }, deps);
      if (end.change.drift) {
        deps.log.warn('schema drift kept out of the table (schemaChange: log)', { table: end.table, file: run.subject, drift: describeDiff(end.change.drift) });
      }
      // Where jobs run on a service (Glue), only they write the final zone: no built-in publish.
      return afterCrawl(run, end, deps.config, deps.jobLauncher === undefined);
    }
    case 'publish':
      return afterPublish(run, await publish({ processedKey: run.subject, sha256: run.inputHash, ...run.payload }, deps), deps.config);
    case 'job':
      return jobStep(run, deps);
  }
}

async function preprocessEnd(run: Run<'preprocess'>, deps: RunDeps): Promise<PreprocessEnd> {
  // The raw object changed after this run was queued: the newer version has its own run.
  const version = await deps.rawVersion(run.subject);
  if (!version || version.sha256 !== run.inputHash) {
    if (version) await deps.rawChanged(run.subject);
    return { kind: 'stale', reason: version ? 'raw object changed' : 'raw object removed' };
  }
  const owner = await deps.catalog.sourceOfFile('processed', processedKeyFor(run.subject));
  const outputTakenBy = owner && owner !== run.subject ? owner : undefined;
  const result = await preprocess({ rawKey: run.subject, sha256: run.inputHash, rawTag: version.tag, outputTakenBy }, deps);
  // Read while a writer was still at it: nothing was written, and the new version is noted once this run is closed.
  if (result.outcome === 'superseded') return { kind: 'superseded' };
  await deps.reports.save(run.subject, run.inputHash, result.report);
  if (result.outcome === 'quarantined') {
    return { kind: 'quarantined', reason: result.report.quarantine?.reason, rows: result.report.rows, ...(outputTakenBy ? { outputTakenBy } : {}) };
  }
  const processedKey = result.processedKey as string;
  const stat = await deps.zones.processed.stat(processedKey);
  if (!stat) throw new Error(`processed output ${processedKey} is missing right after it was written`);
  return { kind: 'written', processedKey, processedSha256: stat.sha256, rows: result.report.rows, rejectedCells: result.report.rejectedCells };
}

/** A configured transform job: start it on its service, or run it here and record the run in the job's history. */
async function jobStep(run: Run<'job'>, deps: RunDeps): Promise<Step> {
  const name = run.subject;
  const job = deps.config.jobs[name];
  if (!job) return jobGone(name);
  if (deps.jobLauncher) {
    const launch = await deps.jobLauncher.start(name);
    deps.log.info('job started', { job: name, on: launch.service, name: launch.name, runId: launch.runId, trigger: run.payload.trigger });
    return afterJobStarted(run, launch);
  }
  const bookmark = async () => Object.fromEntries((await deps.bookmarks.list(name)).map((b) => [b.inputKey, b.inputHash.slice(0, 12)]));
  const record = await deps.jobRuns.start(name, jobMode(job), run.payload.trigger ?? 'manual', await bookmark());
  let summary: Awaited<ReturnType<typeof runJob>>;
  try {
    summary = await runJob(name, job, deps);
  } catch (err) {
    await deps.jobRuns.finish(record, { status: 'failed', inputs: 0, rowsRead: 0, rowsWritten: 0, filesWritten: 0, filesRemoved: 0, error: errorMessage(err) });
    throw err;
  }
  const { change, ...rest } = summary;
  await deps.jobRuns.finish(record, {
    status: 'succeeded',
    ...rest,
    bookmarkAfter: await bookmark(),
    detail: { castFailures: summary.castFailures, ...(summary.skipped ? { skipped: summary.skipped } : {}) },
  });
  if (Object.keys(summary.castFailures).length) {
    deps.log.warn('job: values that did not convert became NULL', { job: name, castFailures: summary.castFailures });
  }
  return afterJob(run, { table: summary.table, ...(change ? { change } : {}), jobRun: record, summary: rest }, deps.config);
}

/** Do what the chain said: refuse and withdraw, record the events, and queue what follows. */
async function carryOut(step: Step, deps: RunDeps): Promise<Completion> {
  const jobs: JobTrigger[] = [];
  if (step.refuse && step.withdraw) await refuseFile(step.withdraw, step.refuse, deps);
  if (step.withdraw) {
    const withdrawal = afterWithdrawal(await withdrawOutputs(step.withdraw.rawKey, deps), deps.config);
    for (const e of withdrawal.events) await deps.events.append(e);
    jobs.push(...withdrawal.jobs);
  }
  for (const e of step.events) await deps.events.append(e);
  jobs.push(...step.jobs);
  return { ...step.completion, next: [...step.next, ...(await jobRuns(jobs, deps))] };
}

/** The runs of the jobs to set off, each keyed by what its inputs hold now. */
export async function jobRuns(triggers: readonly JobTrigger[], deps: Pick<StageDeps, 'catalog' | 'config'>): Promise<RunSpec[]> {
  const out: RunSpec[] = [];
  for (const { job, trigger } of triggers) {
    const config = deps.config.jobs[job];
    const inputs = new Map<string, CatalogFile[]>();
    for (const qualified of config ? jobInputs(config) : []) {
      const { database, name } = parseTableName(qualified);
      inputs.set(qualified, await deps.catalog.files(database, name));
    }
    out.push(jobRunSpec(deps.config, job, trigger, inputs));
  }
  return out;
}

/**
 * A processed file its table refuses (schemaChange: fail): the raw file goes
 * to quarantine with the diff, and its report says why.
 */
async function refuseFile(source: RawSource, refusal: NonNullable<Step['refuse']>, deps: RunDeps): Promise<void> {
  const quarantined = await quarantineRawFile(deps.zones, source.rawKey, source.rawSha256, refusal.reason, { table: refusal.table, diff: refusal.diff });
  const saved = await deps.reports.get(source.rawKey);
  if (saved?.sha256 === source.rawSha256) {
    const report = saved.report as { quarantine?: { reason: string }; outputs?: Record<string, unknown> };
    await deps.reports.save(source.rawKey, source.rawSha256, {
      ...report,
      quarantine: { reason: refusal.reason },
      outputs: { ...report.outputs, processed: undefined, rejects: undefined, quarantined },
    });
  }
}

/**
 * A raw key's newest version did not get through: remove what its earlier
 * versions produced downstream (its processed file and, when the dataset is
 * published by the built-in job, its final copy). The jobs reading the changed
 * tables withdraw their own outputs of it when they run.
 */
async function withdrawOutputs(rawKey: string, deps: StageDeps): Promise<TableChange[]> {
  const dataset = datasetOf(rawKey);
  const processedKey = processedKeyFor(rawKey);
  const published = hasDefaultPublish(deps.config, dataset);
  const finalKeys = published ? await deps.catalog.fileKeysFromSource('final', rawKey) : [];
  const changes = [
    ...(await deps.catalog.removeFilesFromSource(rawKey, 'processed')),
    ...(published ? await deps.catalog.removeFilesFromSource(rawKey, 'final') : []),
  ];
  if (published) await deps.bookmarks.remove(publishJobName(dataset), processedKey);
  await deps.zones.processed.delete(processedKey);
  for (const k of finalKeys) await deps.zones.final.delete(k);
  await deps.zones.quarantine.delete(rejectsKeyFor(rawKey));
  return changes;
}
