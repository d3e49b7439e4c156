import { UsageError } from '../../core/errors.js';
import { datasetOf } from '../../core/keys.js';
import { Pipeline } from '../../runtime/local/pipeline.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject } from '../../runtime/project.js';
import { type Command, describeOutcome, parse, waitForFiles } from '../context.js';
import { printJson } from '../output.js';

export const replay: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('replay', args, { dataset: { type: 'string' }, 'no-wait': { type: 'boolean' }, json: { type: 'boolean' } });
  if (!positionals[0] && !values.dataset) throw new UsageError('replay: give a raw key or --dataset NAME');
  const project = openProject(dir, { log: createLogger({ level: 'warn' }) });
  try {
    const pipeline = new Pipeline(project);
    const known = (await project.rawObjects.all()).map((o) => o.key);
    const keys = values.dataset ? known.filter((k) => datasetOf(k) === values.dataset) : positionals;
    if (keys.length === 0) throw new UsageError(`replay: no raw files in dataset "${values.dataset}"`);
    const versions: { key: string; sha256: string }[] = [];
    for (const key of keys) {
      const noted = await pipeline.noteRawObject(key, 'replay', true);
      if (!noted) throw new UsageError(`replay: "${key}" is not a CSV file in the raw zone (see \`sluice status\`)`);
      versions.push(noted);
    }
    if (values['no-wait']) {
      output.out(`queued ${versions.length} file(s) for replay\n`);
      return 0;
    }
    const outcomes = await waitForFiles(pipeline, versions);
    const results = versions.map((v) => ({ ...v, outcome: outcomes.get(v.key) }));
    if (output.json) printJson(output, results);
    else for (const r of results) output.out(`${r.key}: ${r.outcome ? describeOutcome(r.outcome) : 'unknown'}\n`);
    return results.some((r) => r.outcome?.state === 'failed' || r.outcome?.state === 'quarantined') ? 1 : 0;
  } finally {
    project.close();
  }
};
