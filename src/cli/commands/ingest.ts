import { createReadStream, statSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { TABLE_NAME } from '../../core/keys.js';
import { Pipeline } from '../../runtime/local/pipeline.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import { DRAIN_BOUND_MS, openDeliverer } from '../../runtime/webhooks.js';
import { type Command, describeOutcome, parse, waitForFiles } from '../context.js';
import { ingestKeys } from '../ingest-keys.js';
import { printJson } from '../output.js';
import { pipelineProgress, progressLine, uploadProgress } from '../progress.js';

export const ingest: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('ingest', args, {
    dataset: { type: 'string' },
    'no-wait': { type: 'boolean' },
    verbose: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('ingest: give at least one file or folder: sluice ingest <file or dir>… [--dataset NAME]');
  if (values.dataset !== undefined && !TABLE_NAME.test(values.dataset)) {
    throw new UsageError(`ingest: --dataset "${values.dataset}" must be an identifier (letters, digits, underscores)`);
  }
  const files = ingestKeys(positionals, values.dataset);
  if (files.length === 0) throw new UsageError('ingest: no CSV files found in the given folders');
  const project = openProject(dir, { log: createLogger({ level: values.verbose ? 'info' : 'warn' }) });
  try {
    const deliverer = openDeliverer(project);
    const pipeline = new Pipeline(project);
    const versions: { key: string; sha256: string }[] = [];
    // Progress on a terminal only: with --json or output to a pipe or file, stderr carries nothing but warnings.
    const progress = progressLine(process.stderr, !output.json);
    const sizes = files.map((f) => statSync(f.file).size);
    const totalBytes = sizes.reduce((a, b) => a + b, 0);
    let uploaded = 0;
    for (const [i, f] of files.entries()) {
      progress.update(uploadProgress(i, files.length, uploaded, totalBytes));
      await project.zones.raw.put(f.key, createReadStream(f.file));
      uploaded += sizes[i] ?? 0;
      const noted = await pipeline.noteRawObject(f.key, 'ingest');
      if (noted) versions.push({ key: noted.key, sha256: noted.sha256 });
    }
    progress.done();
    if (values['no-wait']) {
      if (output.json)
        printJson(
          output,
          versions.map((v) => ({ ...v, outcome: { state: 'pending' } })),
        );
      else for (const v of versions) output.out(`${v.key}: queued\n`);
      return 0;
    }
    const outcomes = await waitForFiles(pipeline, versions, (o) => progress.update(pipelineProgress(o.values())));
    progress.done();
    // The webhooks the work set off, sent for a short while; what is left waits for the next start.
    await deliverer?.drain(DRAIN_BOUND_MS);
    let failed = 0;
    const results = versions.map((v) => {
      const outcome = outcomes.get(v.key) ?? { state: 'pending' as const };
      if (outcome.state === 'failed' || outcome.state === 'quarantined') failed++;
      return { key: v.key, sha256: v.sha256, outcome };
    });
    // The jobs the files set off, with their last run (sluice jobs runs <job> has the history).
    const jobNames = [...new Set(results.flatMap((r) => (r.outcome.state === 'done' ? (r.outcome.jobs ?? []) : [])))];
    const jobs = [];
    for (const name of jobNames) jobs.push({ job: name, run: (await project.jobRuns.list(name, 1))[0] });
    const jobFailed = jobs.some((j) => j.run?.status === 'failed');
    if (output.json) printJson(output, jobs.length ? { files: results, jobs } : results);
    else {
      for (const r of results) output.out(`${r.key}: ${describeOutcome(r.outcome)}\n`);
      for (const { job, run } of jobs) {
        const target = project.config.jobs[job]?.output.table;
        output.out(
          `job ${job}: ${!run ? 'not run' : run.status === 'failed' ? `failed: ${run.error}` : `wrote ${run.rowsWritten} rows to final.${target} (${run.inputs} input file(s))`}\n`,
        );
      }
    }
    return failed > 0 || jobFailed ? 1 : 0;
  } finally {
    project.close();
  }
};
