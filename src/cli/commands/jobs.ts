import { UsageError } from '../../core/errors.js';
import { listJobs, queuePublishJob } from '../../runtime/jobs.js';
import { createLogger } from '../../runtime/logger.js';
import { Pipeline } from '../../runtime/pipeline.js';
import { openProject } from '../../runtime/project.js';
import { type Command, parse } from '../context.js';
import { printJson, printRecords } from '../output.js';

export const jobs: Command = async ({ args, dir, output }) => {
  const { positionals } = parse('jobs', args, { json: { type: 'boolean' } });
  const [sub = 'list', name] = positionals;
  const project = openProject(dir, { log: createLogger({ level: 'warn' }) });
  try {
    if (sub === 'list') {
      const all = listJobs(project);
      printRecords(
        output,
        all,
        ['job', 'source', 'output', 'mode', 'inputs bookmarked', 'last run'],
        all.map((j) => [j.name, j.source, j.output, j.mode, j.bookmarked, j.lastRunAt ?? '']),
      );
      return 0;
    }
    if (!name) throw new UsageError(`jobs ${sub}: name a job (see \`sluice jobs list\`)`);
    if (sub === 'reset') {
      const job = listJobs(project).find((j) => j.name === name);
      if (!job) throw new UsageError(`jobs reset: no job "${name}" (see \`sluice jobs list\`)`);
      const cleared = project.bookmarks.reset(name);
      if (output.json) printJson(output, { job: name, cleared });
      else output.out(`${name}: bookmark cleared (${cleared} input(s)); the next run reprocesses every input and replaces its outputs\n`);
      return 0;
    }
    if (sub === 'run') {
      const pipeline = new Pipeline(project);
      const queued = queuePublishJob(project, name);
      await pipeline.workUntilIdle();
      const job = listJobs(project).find((j) => j.name === name);
      if (output.json) printJson(output, { job: name, queued, bookmarked: job?.bookmarked ?? 0 });
      else output.out(queued ? `${name}: processed ${queued} new or changed input(s)\n` : `${name}: nothing new since the last run\n`);
      return 0;
    }
    throw new UsageError(`jobs: unknown subcommand "${sub}" (usage: sluice jobs [list | run <job> | reset <job>])`);
  } finally {
    project.close();
  }
};
