// One measurement in its own process, so peak RSS belongs to it alone.
// usage: node bench/worker.js floor|preprocess|e2e <csv file> <work dir> [<query>]
// For preprocess, the answer also holds what the processed Parquet looks like, for the caller to check: its columns,
// and (as `queried`) the rows of the query over it as the view `processed`, when one is given; both read after the time is taken.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sluiceConfigSchema } from '../dist/config/schema.js';
import { Engine } from '../dist/engine/duckdb.js';
import { quoteString } from '../dist/engine/sql.js';
import { Pipeline } from '../dist/runtime/local/pipeline.js';
import { createLogger } from '../dist/runtime/logger.js';
import { openProject } from '../dist/runtime/project.js';
import { preprocess } from '../dist/stages/preprocess/handler.js';
import { LocalObjectStore } from '../dist/storage/local/local-object-store.js';

const [mode, csv, work] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const started = performance.now();
if (mode === 'floor') {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '2GB', temp_directory: path.join(work, 'spill') });
  const c = await instance.connect();
  // Plain read_csv refuses the dirty file (mixed line endings, ragged rows); these two options let it through,
  // silently skipping bad rows, which is the fastest DuckDB can turn this file into Parquet at all.
  await c.run(
    `COPY (SELECT * FROM read_csv(${quoteString(csv)}, strict_mode = false, ignore_errors = true)) TO ${quoteString(path.join(work, 'floor.parquet'))} (FORMAT parquet)`,
  );
  c.closeSync();
  instance.closeSync();
} else if (mode === 'e2e') {
  // Every stage: preprocess, crawl, and a transform job (mapping, derive, filter) into final, as `sluice run` does.
  fs.writeFileSync(
    path.join(work, 'sluice.yaml'),
    `jobs:
  orders_clean:
    source: processed.orders
    mappings:
      - [order_id, bigint, order_id, bigint]
      - [order_date, date, order_date, date]
      - [amount, decimal, revenue, "decimal(14,2)"]
      - [quantity, bigint, quantity, bigint]
      - [country, string, country, string]
    derive:
      order_month: "strftime(order_date, '%Y-%m')"
    filter: "revenue > 0"
    output: { table: orders }
`,
  );
  const project = openProject(work, { log: createLogger({ level: 'error' }) });
  fs.mkdirSync(path.join(work, 'data/raw/orders'), { recursive: true });
  fs.copyFileSync(csv, path.join(work, 'data/raw/orders', path.basename(csv)));
  const t0 = performance.now();
  const pipeline = new Pipeline(project);
  await pipeline.scan();
  await pipeline.workUntilIdle(2);
  const ms = performance.now() - t0;
  const stages = Object.fromEntries(
    project.db
      .prepare('SELECT stage, sum(finished_at - started_at) AS ms, group_concat(status) AS status FROM runs GROUP BY stage')
      .all()
      .map((r) => [r.stage, { ms: r.ms, status: r.status }]),
  );
  const rows = (await project.catalog.getTable('final', 'orders'))?.stats.rows ?? 0;
  project.close();
  process.stdout.write(JSON.stringify({ mode, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, stages, rows }));
  process.exit(0);
} else {
  const zones = {
    raw: new LocalObjectStore(path.dirname(csv)),
    processed: new LocalObjectStore(path.join(work, 'processed')),
    final: new LocalObjectStore(path.join(work, 'final')),
    quarantine: new LocalObjectStore(path.join(work, 'quarantine')),
  };
  const engine = await Engine.open({ tempDir: path.join(work, 'spill') });
  const log = { info() {}, warn() {}, error: console.error };
  const result = await preprocess(
    { rawKey: path.basename(csv), sha256: 'bench' },
    { zones, engine, config: sluiceConfigSchema.parse({}), tmpDir: path.join(work, 'tmp'), log },
  );
  engine.close();
  const ms = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const output = result.processedKey ? await describeParquet(zones.processed.uri(result.processedKey), process.argv[5]) : {};
  const { outcome, report } = result;
  process.stdout.write(
    JSON.stringify({
      mode,
      ms,
      maxRssMb,
      outcome,
      rows: report.rows,
      typeSample: report.typeSample,
      reportColumns: report.columns.map((c) => c.name),
      ...output,
    }),
  );
  process.exit(0);
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ mode, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));

/** The columns of a Parquet file, and the rows `query` gives over it as the view `processed`, when a query is given. */
async function describeParquet(file, query) {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(`CREATE VIEW processed AS SELECT * FROM read_parquet(${quoteString(file)})`);
    const columns = (await c.runAndReadAll('DESCRIBE processed')).getRowObjectsJson().map((r) => ({ name: r.column_name, type: r.column_type }));
    const rows = query ? (await c.runAndReadAll(query)).getRowObjectsJson() : undefined;
    return { columns, queried: rows };
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
