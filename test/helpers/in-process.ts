/**
 * Driving a project in the test process, for tests whose subject is the
 * pipeline or a read model rather than the CLI: files into the raw zone, the
 * queue worked until idle, jobs run by hand, views read with the open project
 * as their context. Each call opens the project afresh, as a CLI command
 * does, so a sluice.yaml edited between calls is read again. For a project no
 * other process works on; a CLI test keeps `sluice(...)`.
 */

import { queueJob, resetJob } from '../../src/runtime/local/job-commands.js';
import { Pipeline } from '../../src/runtime/local/pipeline.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openProject, type Project } from '../../src/runtime/project.js';
import type { FileOutcome } from '../../src/stages/chain.js';
import type { JobRunRecord } from '../../src/stages/ports.js';
import { fileOutcome } from '../../src/views/status.js';

/** The project at `dir` opened for `fn`, with a pipeline over it; closed afterwards. */
export async function withProject<T>(dir: string, fn: (project: Project, pipeline: Pipeline) => Promise<T>): Promise<T> {
  const project = openProject(dir, { log: createLogger({ level: 'error' }) });
  try {
    return await fn(project, new Pipeline(project));
  } finally {
    project.close();
  }
}

/** A read model's answer as the CLI prints it under `--json` (dates as text, no undefined fields). */
export function viewJson<T>(dir: string, read: (project: Project) => Promise<T>): Promise<T> {
  return withProject(dir, async (project) => JSON.parse(JSON.stringify(await read(project))) as T);
}

/**
 * As `sluice ingest`: each text put into the raw zone under its key (`<dataset>/<file>`), then every stage and job it
 * sets off worked until the queue is idle, one run at a time as the command does (so files are crawled in the order
 * given). Returns where each version ended, in that order.
 */
export function ingestFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<FileOutcome[]> {
  return withProject(dir, async (project, pipeline) => {
    const versions = [];
    for (const [key, body] of Object.entries(files)) {
      await project.zones.raw.put(key, body);
      const noted = await pipeline.noteRawObject(key, 'ingest');
      if (!noted) throw new Error(`${key} was not taken in as a raw file`);
      versions.push(noted);
    }
    await pipeline.workUntilIdle(1);
    return Promise.all(versions.map((v) => fileOutcome(project, v.key, v.sha256)));
  });
}

/** As `sluice run`: the raw zone scanned and the queue worked until idle (what a killed process left is picked up). */
export function runPipeline(dir: string): Promise<void> {
  return withProject(dir, async (_project, pipeline) => {
    await pipeline.scan();
    await pipeline.workUntilIdle();
  });
}

/** As `sluice catalog crawl [--full]`: the processed zone crawled again and worked until idle; how many files it queued and dropped. */
export function crawlCatalog(dir: string, full: boolean): Promise<{ queued: number; dropped: number }> {
  return withProject(dir, async (_project, pipeline) => {
    const result = await pipeline.recrawl(full);
    await pipeline.workUntilIdle();
    return result;
  });
}

/** As `sluice jobs run <job>` for a job in sluice.yaml: its run queued and worked; the runs it recorded, newest first. */
export function runJob(dir: string, job: string): Promise<JobRunRecord[]> {
  return withProject(dir, async (project, pipeline) => {
    const before = (await project.jobRuns.list(job, 1))[0]?.id ?? 0;
    await queueJob(project, job);
    await pipeline.workUntilIdle();
    return (await project.jobRuns.list(job, 50)).filter((r) => r.id > before);
  });
}

/** As `sluice jobs reset <job>`: how many inputs' bookmarks were cleared. */
export function resetJobBookmark(dir: string, job: string): Promise<number> {
  return withProject(dir, (project) => resetJob(project, job));
}
