/**
 * `npm start`: a demo project in ./demo with the bundled messy sample,
 * processed end to end, then `sluice start` on it with pointers to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openProject } from '../../runtime/project.js';
import { startService } from '../../runtime/service.js';
import { messyOrdersCsv } from '../../sample/messy-orders.js';
import { queryCatalog } from '../../views/query.js';
import { type Command, describeOutcome, parse, waitForFiles } from '../context.js';
import { formatTable } from '../output.js';
import { SAMPLE_CONFIG } from './init.js';
import { parsePort } from './start.js';

/**
 * The demo project's sluice.yaml: the sample's country column is written
 * `US` and `us` (values differing only by case are kept as written unless a
 * column's `case` says otherwise), and the demo's dashboards should show one
 * United States.
 */
export const DEMO_CONFIG = SAMPLE_CONFIG.replace(
  'datasets: {}\n',
  'datasets:\n  orders:\n    columns:\n      country: { case: upper }   # the sample writes both "US" and "us"\n',
);

export const demo: Command = async ({ args, dir: given, dirGiven, output }) => {
  const { values } = parse('demo', args, { port: { type: 'string' }, 'no-serve': { type: 'boolean' } });
  const dir = path.resolve(dirGiven ? given : 'demo');
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'sluice.yaml'))) fs.writeFileSync(path.join(dir, 'sluice.yaml'), DEMO_CONFIG);
  const project = openProject(dir);
  const { text, stats } = messyOrdersCsv({ rows: 2000, seed: 7 });
  const key = 'orders/orders-2024.csv';
  await project.zones.raw.put(key, text);
  output.out(
    `sluice demo: wrote a messy sample (${stats.lines} rows: ${stats.duplicates} duplicates, ${stats.ragged} ragged rows, mixed dates, currencies, null tokens) to ${path.join(project.zones.raw.location, key)}\n`,
  );
  const service = await startService(project, { port: parsePort(values.port, 8080), host: '127.0.0.1', workers: 2 });
  await service.scanned;
  const noted = await service.pipeline.noteRawObject(key, 'ingest');
  const outcome = noted ? (await waitForFiles(service.pipeline, [noted])).get(key) : undefined;
  output.out(`\n${key}: ${outcome ? describeOutcome(outcome) : 'not processed'}\n\n`);
  const schema = await project.catalog.getTable('final', 'orders');
  if (schema)
    output.out(
      `catalog: final.orders (version ${schema.version})\n${formatTable(
        ['column', 'type'],
        schema.columns.map((c) => [c.name, c.type]),
      )}\n`,
    );
  const sample = await queryCatalog(
    project,
    'select country, count(*) as orders, sum(amount) as revenue from final.orders group by country order by revenue desc limit 5',
  );
  output.out(
    `top countries (sluice query):\n${formatTable(
      sample.columns.map((c) => c.name),
      sample.rows,
    )}\n`,
  );
  const cli = `node ${path.relative(process.cwd(), process.argv[1] ?? 'dist/cli/main.js') || 'dist/cli/main.js'}`;
  const relative = path.relative(process.cwd(), dir);
  const rel = relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
  output.out(`Look at:
  final table   ${path.join(project.zones.final.location, 'orders')}
  rejected rows ${path.join(project.zones.quarantine.location, 'orders')}
  catalog       ${cli} catalog show final.orders --dir ${rel}
  query         ${cli} query "select * from final.orders limit 5" --dir ${rel}
  file report   ${cli} status ${key} --dir ${rel}
  web app       ${service.url}  (dashboards, datasets, operations; API under ${service.url}/api)
Drop more CSV files into ${project.zones.raw.location}/<dataset>/ and they flow through by themselves.${values['no-serve'] ? '' : ' Ctrl-C to stop.'}
`);
  if (values['no-serve']) {
    await service.stop();
    project.close();
    return outcome?.state === 'done' ? 0 : 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await service.stop();
  project.close();
  return 0;
};
