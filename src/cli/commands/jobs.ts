import { UsageError } from '../../core/errors.js';
import { queueJob, resetJob } from '../../runtime/local/job-commands.js';
import { Pipeline } from '../../runtime/local/pipeline.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import { jobHistory, listJobs } from '../../views/jobs.js';
import { type Command, parse } from '../context.js';
import { printJson, printRecords } from '../output.js';

const USAGE = 'sluice jobs [list | run <job> | reset <job> | runs <job>]';

export const jobs: Command = async ({ args, dir, output }) => {
  const { positionals } = parse('jobs', args, { json: { type: 'boolean' } });
  const [sub = 'list', name] = positionals;
  const project = openProject(dir, { log: createLogger({ level: 'warn' }) });
  try {
    if (sub === 'list') {
      const all = await listJobs(project);
      printRecords(
        output,
        all,
        ['job', 'source', 'output', 'mode', 'inputs bookmarked', 'last run'],
        all.map((j) => [j.name, j.source, j.output, j.mode, j.bookmarked, j.lastRunAt ? `${j.lastRunAt}${j.lastRun ? ` ${j.lastRun.status}` : ''}` : '']),
      );
      return 0;
    }
    if (!name) throw new UsageError(`jobs ${sub}: name a job (see \`sluice jobs list\`; usage: ${USAGE})`);
    if (sub === 'reset') {
      const cleared = await resetJob(project, name);
      if (output.json) printJson(output, { job: name, cleared });
      else output.out(`${name}: bookmark cleared (${cleared} input(s)); the next run reprocesses every input and replaces its outputs\n`);
      return 0;
    }
    if (sub === 'run') {
      const pipeline = new Pipeline(project);
      const before = (await project.jobRuns.list(name, 1))[0]?.id ?? 0;
      const queued = await queueJob(project, name);
      await pipeline.workUntilIdle();
      const info = (await listJobs(project)).find((j) => j.name === name);
      if (info?.kind === 'config') {
        const runs = (await project.jobRuns.list(name, 50)).filter((r) => r.id > before);
        // Newest first: an attempt that failed and was retried with success is not the outcome.
        const failed = runs[0]?.status === 'failed' ? runs[0] : undefined;
        const written = runs.reduce((n, r) => n + r.rowsWritten, 0);
        const inputs = runs.reduce((n, r) => n + r.inputs, 0);
        const skipped = runs.every((r) => (r.detail as { skipped?: string } | undefined)?.skipped);
        if (output.json) printJson(output, { job: name, runs: await jobHistory(project, name, runs.length || 1) });
        else if (failed) output.err(`${name}: failed: ${failed.error}\n`);
        else if (skipped)
          output.out(`${name}: nothing new since the last run (${(runs[0]?.detail as { skipped?: string } | undefined)?.skipped ?? 'up to date'})\n`);
        else output.out(`${name}: read ${inputs} input file(s), wrote ${written} rows to ${info.output}\n`);
        return failed ? 1 : 0;
      }
      if (output.json) printJson(output, { job: name, queued, bookmarked: info?.bookmarked ?? 0 });
      else output.out(queued ? `${name}: processed ${queued} new or changed input(s)\n` : `${name}: nothing new since the last run\n`);
      return 0;
    }
    if (sub === 'runs') {
      const history = await jobHistory(project, name);
      printRecords(
        output,
        history,
        ['run', 'started', 'status', 'trigger', 'inputs', 'rows read', 'rows written', 'files +/-', 'ms'],
        history.map((r) => [
          r.id,
          r.startedAt,
          r.error ? `${r.status}: ${r.error}` : r.status,
          r.trigger,
          r.inputs,
          r.rowsRead,
          r.rowsWritten,
          `+${r.filesWritten}/-${r.filesRemoved}`,
          r.durationMs ?? '',
        ]),
      );
      return 0;
    }
    throw new UsageError(`jobs: unknown subcommand "${sub}" (usage: ${USAGE})`);
  } finally {
    project.close();
  }
};
