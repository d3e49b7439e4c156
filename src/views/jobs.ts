/**
 * Transform jobs as the CLI and API see them: the jobs in `sluice.yaml`, and
 * the built-in publish job of each processed table no job reads, with their
 * bookmarks and run history.
 */
import { NotFoundError, UsageError } from '../core/errors.js';
import { hasDefaultPublish } from '../stages/chain.js';
import { jobMode } from '../stages/transform/plan.js';
import { publishJobName } from '../stages/transform/publish.js';
import type { ReadContext } from './context.js';

export interface JobInfo {
  name: string;
  source: string;
  output: string;
  mode: 'incremental' | 'full';
  /** `config`: a job in sluice.yaml; `publish`: the built-in copy of a processed table to final. */
  kind: 'config' | 'publish';
  bookmarked: number;
  lastRunAt?: string;
  lastRun?: { status: string; rowsWritten: number; error?: string };
}

type JobContext = Pick<ReadContext, 'config' | 'catalog' | 'bookmarks' | 'jobRuns'>;

export async function listJobs(ctx: JobContext): Promise<JobInfo[]> {
  const out: JobInfo[] = [];
  for (const [name, job] of Object.entries(ctx.config.jobs)) {
    const [last] = await ctx.jobRuns.list(name, 1);
    out.push({
      name,
      source: job.source,
      output: `final.${job.output.table}`,
      mode: jobMode(job),
      kind: 'config',
      bookmarked: (await ctx.bookmarks.list(name)).filter((b) => b.inputHash !== '').length,
      ...(last
        ? {
            lastRunAt: new Date(last.startedAt).toISOString(),
            lastRun: { status: last.status, rowsWritten: last.rowsWritten, ...(last.error ? { error: last.error } : {}) },
          }
        : {}),
    });
  }
  for (const t of await ctx.catalog.listTables('processed')) {
    if (!hasDefaultPublish(ctx.config, t.name)) continue;
    const name = publishJobName(t.name);
    const marks = await ctx.bookmarks.list(name);
    const last = marks.reduce((m, b) => Math.max(m, b.updatedAt), 0);
    out.push({
      name,
      source: `processed.${t.name}`,
      output: `final.${t.name}`,
      mode: 'incremental',
      kind: 'publish',
      bookmarked: marks.length,
      ...(last ? { lastRunAt: new Date(last).toISOString() } : {}),
    });
  }
  return out;
}

/** A job by name, or a UsageError naming the jobs there are. */
export async function requireJob(ctx: JobContext, job: string): Promise<JobInfo> {
  const jobs = await listJobs(ctx);
  const info = jobs.find((j) => j.name === job);
  if (!info) {
    const names = jobs.map((j) => j.name);
    throw new NotFoundError(
      'job',
      job,
      `no job "${job}"${names.length ? ` (jobs: ${names.join(', ')})` : ' (none yet: add one under jobs: in sluice.yaml, or ingest a file)'}`,
    );
  }
  return info;
}

export async function jobHistory(ctx: JobContext, job: string, limit = 20) {
  const info = await requireJob(ctx, job);
  if (info.kind !== 'config') throw new UsageError(`${job} is the built-in publish job; its runs are the publish runs in \`sluice status\``);
  return (await ctx.jobRuns.list(job, limit)).map((r) => ({
    ...r,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.finishedAt ? r.finishedAt - r.startedAt : null,
  }));
}
