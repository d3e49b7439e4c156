/**
 * Transform jobs as the CLI and API see them: the jobs in `sluice.yaml`, and
 * the built-in publish job of each processed table no job reads.
 */
import { NotFoundError, UsageError } from '../core/errors.js';
import { jobMode } from '../stages/transform/plan.js';
import { publishJobName } from '../stages/transform/publish.js';
import { downstreamRun, hasDefaultPublish, jobRun } from './pipeline.js';
import type { Project } from './project.js';

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

export function listJobs(project: Project): JobInfo[] {
  const lastMark = (name: string) => project.bookmarks.list(name).reduce((m, b) => Math.max(m, b.updatedAt), 0);
  const configured: JobInfo[] = Object.entries(project.config.jobs).map(([name, job]) => {
    const last = project.jobRuns.list(name, 1)[0];
    return {
      name,
      source: job.source,
      output: `final.${job.output.table}`,
      mode: jobMode(job),
      kind: 'config',
      bookmarked: project.bookmarks.list(name).filter((b) => b.inputHash !== '').length,
      ...(last
        ? {
            lastRunAt: new Date(last.startedAt).toISOString(),
            lastRun: { status: last.status, rowsWritten: last.rowsWritten, ...(last.error ? { error: last.error } : {}) },
          }
        : {}),
    };
  });
  const publishing: JobInfo[] = project.catalog
    .listTables('processed')
    .filter((t) => hasDefaultPublish(project.config, t.name))
    .map((t) => {
      const name = publishJobName(t.name);
      const last = lastMark(name);
      return {
        name,
        source: `processed.${t.name}`,
        output: `final.${t.name}`,
        mode: 'incremental',
        kind: 'publish',
        bookmarked: project.bookmarks.list(name).length,
        ...(last ? { lastRunAt: new Date(last).toISOString() } : {}),
      };
    });
  return [...configured, ...publishing];
}

function requireJob(project: Project, job: string): JobInfo {
  const info = listJobs(project).find((j) => j.name === job);
  if (!info) {
    const names = listJobs(project).map((j) => j.name);
    throw new NotFoundError(
      'job',
      job,
      `no job "${job}"${names.length ? ` (jobs: ${names.join(', ')})` : ' (none yet: add one under jobs: in sluice.yaml, or ingest a file)'}`,
    );
  }
  return info;
}

/**
 * Queue a run of a job by hand. A configured job runs once and does whatever
 * its bookmark says is new; the publish job queues each input file whose
 * bookmark is missing or stale. Returns how many runs were queued.
 */
export function queueJob(project: Project, job: string): number {
  const info = requireJob(project, job);
  if (info.kind === 'config') {
    project.queue.enqueue(jobRun(project, job, 'manual'), true);
    return 1;
  }
  const table = info.source.slice('processed.'.length);
  let queued = 0;
  for (const f of project.catalog.files('processed', table)) {
    const mark = project.bookmarks.get(job, f.fileKey);
    if (mark?.inputHash === f.sha256) continue;
    project.queue.enqueue(downstreamRun('publish', f.fileKey, f.sha256, { rawKey: f.sourceRawKey, rawSha256: f.sourceSha256 }), true);
    queued++;
  }
  return queued;
}

/**
 * Clear a job's bookmark: its next run reprocesses every input. A configured
 * job keeps the list of what it wrote, so the rerun replaces its outputs
 * rather than adding to them.
 */
export function resetJob(project: Project, job: string): number {
  const info = requireJob(project, job);
  return info.kind === 'config' ? project.bookmarks.invalidate(job) : project.bookmarks.reset(job);
}

export function jobHistory(project: Project, job: string, limit = 20) {
  const info = requireJob(project, job);
  if (info.kind !== 'config') throw new UsageError(`${job} is the built-in publish job; its runs are the publish runs in \`sluice status\``);
  return project.jobRuns.list(job, limit).map((r) => ({
    ...r,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.finishedAt ? r.finishedAt - r.startedAt : null,
  }));
}
