import { Pipeline } from '../../runtime/local/pipeline.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import { DRAIN_BOUND_MS, openDeliverer } from '../../runtime/webhooks.js';
import type { Run } from '../../stages/runs.js';
import { fileStatuses } from '../../views/status.js';
import { type Command, describeOutcome, parse, rebuildStateIfCorrupt } from '../context.js';
import { printJson } from '../output.js';

export const run: Command = async ({ args, dir, output }) => {
  const { values } = parse('run', args, { verbose: { type: 'boolean' }, workers: { type: 'string' }, 'rebuild-state': { type: 'boolean' } });
  if (values['rebuild-state']) rebuildStateIfCorrupt(dir, output);
  const project = openProject(dir, { log: createLogger({ level: values.verbose ? 'info' : 'warn' }) });
  try {
    const deliverer = openDeliverer(project);
    const pipeline = new Pipeline(project);
    const touched = new Set<string>();
    pipeline.events.on('run', (r: Run | undefined) => {
      if (r) touched.add(`${r.rootKey}\u0000${r.rootHash}`);
    });
    const queued = await pipeline.scan();
    await pipeline.workUntilIdle(Math.max(1, Number(values.workers ?? 2)));
    // The webhooks the work set off, sent for a short while; what is left waits for the next start.
    await deliverer?.drain(DRAIN_BOUND_MS);
    const results = (await fileStatuses(project)).filter((f) => touched.has(`${f.key}\u0000${f.sha256}`));
    const bad = results.filter((f) => f.outcome.state === 'failed' || f.outcome.state === 'quarantined').length;
    if (output.json) printJson(output, { queued, processed: results });
    else {
      for (const f of results) output.out(`${f.key}: ${describeOutcome(f.outcome)}\n`);
      output.out(results.length ? `${results.length} file(s) processed, ${bad} failed or quarantined\n` : 'nothing to do: every raw file is up to date\n');
    }
    return bad > 0 ? 1 : 0;
  } finally {
    project.close();
  }
};
