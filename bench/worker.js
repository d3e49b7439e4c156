// One measurement in its own process, so peak RSS belongs to it alone.
// usage: node bench/worker.js floor|preprocess <csv file> <work dir>
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sluiceConfigSchema } from '../dist/config/schema.js';
import { Engine } from '../dist/engine/duckdb.js';
import { quoteString } from '../dist/engine/sql.js';
import { preprocess } from '../dist/stages/preprocess/handler.js';
import { LocalObjectStore } from '../dist/storage/local/local-object-store.js';

const [mode, csv, work] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const started = performance.now();
let detail = {};
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
  detail = { outcome: result.outcome, rows: result.report.rows };
  engine.close();
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ mode, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...detail }));
