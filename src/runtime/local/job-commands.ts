/** Running and resetting a job by hand (`sluice jobs run|reset`, the jobs page): queue its runs or clear its bookmark. */
import { downstreamRun } from '../../stages/chain.js';
import { jobRuns } from '../../stages/execute.js';
import { requireJob } from '../../views/jobs.js';
import type { Project } from '../project.js';

/**
 * Queue a run of a job by hand. A configured job runs once and does whatever
 * its bookmark says is new; the publish job queues each input file whose
 * bookmark is missing or stale. Returns how many runs were queued.
 */
export async function queueJob(project: Project, job: string): Promise<number> {
  const info = await requireJob(project, job);
  if (info.kind === 'config') {
    for (const spec of await jobRuns([{ job, trigger: 'manual' }], project)) await project.queue.enqueue(spec, true);
    return 1;
  }
  const table = info.source.slice('processed.'.length);
  let queued = 0;
  for (const f of await project.catalog.files('processed', table)) {
    const mark = await project.bookmarks.get(job, f.fileKey);
    if (mark?.inputHash === f.sha256) continue;
    await project.queue.enqueue(downstreamRun('publish', f.fileKey, f.sha256, { rawKey: f.sourceRawKey, rawSha256: f.sourceSha256 }), true);
    queued++;
  }
  return queued;
}

/**
 * Clear a job's bookmark: its next run reprocesses every input. A configured
 * job keeps the list of what it wrote, so the rerun replaces its outputs
 * rather than adding to them.
 */
export async function resetJob(project: Project, job: string): Promise<number> {
  const info = await requireJob(project, job);
  return info.kind === 'config' ? project.bookmarks.invalidate(job) : project.bookmarks.reset(job);
}
