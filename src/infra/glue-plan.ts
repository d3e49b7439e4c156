/**
 * What Glue runs for a sluice.yaml, as data: the crawlers (aws.catalog:
 * crawler), the jobs and what starts each of them. Pure, so the layout is
 * tested without synthesizing a stack, and the constructs only render it.
 *
 * Crawler layout. Glue's S3 event mode takes a single target per crawler
 * (Glue developer guide, "Accelerating crawls using Amazon S3 event
 * notifications"), and a schema-change policy is per crawler, so:
 * - one crawler per dataset that sluice.yaml names (under `datasets:` or as a
 *   job's `processed.<t>` input), over `s3://<processed>/<dataset>/`, with the
 *   dataset's `schemaChange`, so a job waits for the crawl of its own table
 *   only (a conditional trigger on that crawler), not for every dataset's;
 * - one crawler over the rest of the bucket, excluding those folders, for the
 *   datasets nobody declared (any CSV dropped into raw becomes one), with the
 *   default policy (update).
 *
 * What starts a job:
 * - `processed.<d>` source: in crawler mode a conditional trigger on the
 *   SUCCEEDED state of `<d>`'s crawler; in direct mode the Lambda, which
 *   registered the table (glue:StartJobRun, SLUICE_GLUE_JOBS).
 * - `final.<t>` source where a job writes `<t>`: a conditional trigger on that
 *   job's SUCCEEDED state, in both modes.
 * - `final.<t>` source that no job writes (the built-in publish of dataset
 *   `<t>`): the Lambda in direct mode, after it published the table.
 */
import { jobInputs, type SluiceConfig } from '../config/schema.js';
import { jobMode } from '../stages/transform/plan.js';
import { crawlerName, glueJobName } from './names.js';

export type SchemaChange = 'update' | 'log' | 'fail';

export interface CrawlerPlan {
  name: string;
  /** The dataset folder crawled; undefined for the crawler over everything else. */
  dataset?: string;
  /** Folder globs left out (the rest crawler leaves out the datasets that have their own). */
  exclusions: string[];
  schemaChange: SchemaChange;
}

export interface JobPlan {
  /** The job's name in sluice.yaml. */
  job: string;
  glueJobName: string;
  mode: 'incremental' | 'full';
  /** `processed.<t>` or `final.<t>`. */
  source: string;
  /** The table it writes, `final.<t>`. */
  output: string;
}

export interface TriggerPlan {
  name: string;
  /** What must have SUCCEEDED. */
  after: { crawler: string } | { job: string };
  /** Glue job names started. */
  start: string[];
}

export interface GluePlan {
  crawlers: CrawlerPlan[];
  jobs: JobPlan[];
  triggers: TriggerPlan[];
  /** Glue job names the Lambda starts (direct mode): those no trigger starts. */
  startedByLambda: string[];
}

const TABLE_PREFIX = { processed: 'processed.', final: 'final.' } as const;

/** Datasets with a crawler of their own: declared ones and those jobs read, sorted for a stable template. */
function crawledDatasets(config: SluiceConfig): string[] {
  const names = new Set(Object.keys(config.datasets));
  for (const job of Object.values(config.jobs)) {
    for (const input of jobInputs(job)) if (input.startsWith(TABLE_PREFIX.processed)) names.add(input.slice(TABLE_PREFIX.processed.length));
  }
  return [...names].sort();
}

export function planGlue(config: SluiceConfig, stackName: string): GluePlan {
  const jobs: JobPlan[] = Object.entries(config.jobs).map(([job, spec]) => ({
    job,
    glueJobName: glueJobName(stackName, job),
    mode: jobMode(spec),
    source: spec.source,
    output: `final.${spec.output.table}`,
  }));
  const startedBy = (source: string) => jobs.filter((j) => j.source === source).map((j) => j.glueJobName);

  const crawlers: CrawlerPlan[] = [];
  const triggers: TriggerPlan[] = [];
  if (config.aws.catalog === 'crawler') {
    const datasets = crawledDatasets(config);
    for (const dataset of datasets) {
      const name = crawlerName(stackName, dataset);
      crawlers.push({ name, dataset, exclusions: [], schemaChange: config.datasets[dataset]?.schemaChange ?? 'update' });
      const start = startedBy(`${TABLE_PREFIX.processed}${dataset}`);
      if (start.length > 0) triggers.push({ name: `${stackName}-after-crawl-${dataset}`, after: { crawler: name }, start });
    }
    crawlers.push({ name: crawlerName(stackName), exclusions: datasets.map((d) => `${d}/**`), schemaChange: 'update' });
  }
  for (const writer of jobs) {
    const start = startedBy(writer.output);
    if (start.length > 0) triggers.push({ name: `${stackName}-after-job-${writer.job}`, after: { job: writer.glueJobName }, start });
  }
  const triggered = new Set(triggers.flatMap((t) => t.start));
  const startedByLambda = config.aws.catalog === 'direct' ? jobs.filter((j) => !triggered.has(j.glueJobName)).map((j) => j.glueJobName) : [];
  return { crawlers, jobs, triggers, startedByLambda };
}
