/** Transform jobs as the CLI and API see them: the default publish job of each processed table. */
import { UsageError } from '../core/errors.js';
import { publishJobName } from '../stages/transform/publish.js';
import { downstreamRun } from './pipeline.js';
import type { Project } from './project.js';

export interface JobInfo {
  name: string;
  source: string;
  output: string;
  mode: 'incremental' | 'full';
  bookmarked: number;
  lastRunAt?: string;
}

export function listJobs(project: Project): JobInfo[] {
  return project.catalog.listTables('processed').map((t) => {
    const name = publishJobName(t.name);
    const marks = project.bookmarks.list(name);
    const last = marks.reduce((m, b) => Math.max(m, b.updatedAt), 0);
    return {
      name,
      source: `processed.${t.name}`,
      output: `final.${t.name}`,
      mode: 'incremental',
      bookmarked: marks.length,
      ...(last ? { lastRunAt: new Date(last).toISOString() } : {}),
    };
  });
}

/** Queue a publish run for every input file of the job's source whose bookmark is missing or stale; returns how many. */
export function queuePublishJob(project: Project, job: string): number {
  const info = listJobs(project).find((j) => j.name === job);
  if (!info) throw new UsageError(`no job "${job}" (see \`sluice jobs list\`)`);
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
