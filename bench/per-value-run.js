// One measurement for bench/per-value.js, in its own process: `node bench/per-value-run.js <dist> floor|preprocess <csv> <work dir>`.
// The engine is opened (and the parsing macros installed) before the clock starts, so the time is the work on the
// file's values, not the process's start; the floor is DuckDB's plain CSV → Parquet COPY of the same file.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const [dist, mode, csv, work] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const load = (rel) => import(pathToFileURL(path.join(path.resolve(dist), rel)).href);
const sql = (s) => `'${s.replaceAll("'", "''")}'`;
let ms;
if (mode === 'floor') {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '2GB', temp_directory: path.join(work, 'spill') });
  const c = await instance.connect();
  const started = performance.now();
  await c.run(
    `COPY (SELECT * FROM read_csv(${sql(csv)}, strict_mode = false, ignore_errors = true)) TO ${sql(path.join(work, 'floor.parquet'))} (FORMAT parquet)`,
  );
  ms = performance.now() - started;
  c.closeSync();
  instance.closeSync();
} else {
  const { sluiceConfigSchema } = await load('config/schema.js');
  const { Engine } = await load('engine/duckdb.js');
  const { preprocess } = await load('stages/preprocess/handler.js');
  const { LocalObjectStore } = await load('storage/local/local-object-store.js');
  const zones = Object.fromEntries(
    ['processed', 'final', 'quarantine'].map((z) => [z, new LocalObjectStore(path.join(work, z))]).concat([['raw', new LocalObjectStore(path.dirname(csv))]]),
  );
  const engine = await Engine.open({ tempDir: path.join(work, 'spill') });
  const log = { info() {}, warn() {}, error: console.error };
  const started = performance.now();
  const result = await preprocess(
    { rawKey: path.basename(csv), sha256: 'bench' },
    { zones, engine, config: sluiceConfigSchema.parse({}), tmpDir: path.join(work, 'tmp'), log },
  );
  ms = performance.now() - started;
  engine.close();
  if (result.outcome !== 'processed') throw new Error(`preprocess: ${result.outcome}`);
}
process.stdout.write(JSON.stringify({ mode, ms }));
