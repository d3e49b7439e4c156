/**
 * Running the preprocess stage in a test file with real parts: one real
 * DuckDB engine for the file, local zones in a fresh folder per run, the
 * config as sluice.yaml would give it; and reading back the processed
 * Parquet, the report and the rejects CSV.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Json } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { processedKeyFor, rejectsKeyFor } from '../../src/core/keys.js';
import { Engine } from '../../src/engine/duckdb.js';
import { quoteIdentifier, quoteString } from '../../src/engine/sql.js';
import type { StageDeps } from '../../src/stages/deps.js';
import { type ColumnReport, type PreprocessReport, type PreprocessResult, preprocess } from '../../src/stages/preprocess/handler.js';
import { plainStageDeps } from './factories.js';

export type Row = Record<string, Json>;

export interface PreprocessRunResult {
  key: string;
  deps: StageDeps;
  result: PreprocessResult;
  report: PreprocessReport;
}

export interface PreprocessHarness {
  /** Put `text` into the raw zone under `key` and preprocess it; the file must be processed. */
  run(key: string, text: string | Buffer, config?: ConfigInput): Promise<PreprocessRunResult>;
  /** The same, whatever the outcome (processed or quarantined). */
  attempt(key: string, text: string | Buffer, config?: ConfigInput): Promise<PreprocessRunResult>;
  query(sql: string): Promise<Row[]>;
  /** `SELECT select FROM <the processed Parquet> tail`. */
  rows(r: PreprocessRunResult, select?: string, tail?: string): Promise<Row[]>;
  /** One column of the processed Parquet as text, in file order. */
  column(r: PreprocessRunResult, column: string): Promise<(string | null)[]>;
  /** The processed Parquet's column types by name. */
  types(r: PreprocessRunResult): Promise<Record<string, string>>;
  /** The rejected cells of a run: line, column, value. */
  rejectedCells(r: PreprocessRunResult): Promise<[number, string, string][]>;
  /** A column's entry in the run's report. */
  reported(r: PreprocessRunResult, name: string): ColumnReport;
}

/** Call at the top of a test file: the engine opens before its tests and closes after them. */
export function usePreprocessHarness(): PreprocessHarness {
  let engine: Engine;
  let engineDir: string;
  const closers: (() => void)[] = [];
  beforeAll(async () => {
    engineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-preprocess-engine-'));
    engine = await Engine.open({ tempDir: path.join(engineDir, 'spill') });
  });
  afterAll(() => {
    engine?.close();
    fs.rmSync(engineDir, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  const query = (sql: string) => engine.withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());
  const parquet = (r: PreprocessRunResult) => quoteString(r.deps.zones.processed.uri(processedKeyFor(r.key)));
  const attempt = async (key: string, text: string | Buffer, config: ConfigInput = {}): Promise<PreprocessRunResult> => {
    const deps = plainStageDeps(engine, config);
    closers.push(deps.close);
    await deps.zones.raw.put(key, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    const result = await preprocess({ rawKey: key, sha256: 'test' }, deps);
    return { key, deps, result, report: result.report };
  };
  return {
    attempt,
    async run(key, text, config = {}) {
      const r = await attempt(key, text, config);
      expect(r.result.outcome, `outcome (reason: ${r.report.quarantine?.reason})`).toBe('processed');
      return r;
    },
    query,
    rows: (r, select = '*', tail = '') => query(`SELECT ${select} FROM read_parquet(${parquet(r)}) ${tail}`),
    async column(r, column) {
      const rows = await query(`SELECT CAST(${quoteIdentifier(column)} AS VARCHAR) AS v FROM read_parquet(${parquet(r)})`);
      return rows.map((x) => (x.v === null ? null : String(x.v)));
    },
    async types(r) {
      const rows = await query(`DESCRIBE SELECT * FROM read_parquet(${parquet(r)})`);
      return Object.fromEntries(rows.map((x) => [String(x.column_name), String(x.column_type)]));
    },
    async rejectedCells(r) {
      const file = r.deps.zones.quarantine.uri(rejectsKeyFor(r.key));
      if (!fs.existsSync(file)) return [];
      const rows = await query(`SELECT * FROM read_csv(${quoteString(file)}, header = true, all_varchar = true) WHERE kind = 'cell'`);
      return rows.map((x) => [Number(x.line), String(x.column), String(x.value)]);
    },
    reported(r, name) {
      const col = r.report.columns.find((c) => c.name === name);
      if (!col) throw new Error(`no column ${name} in the report`);
      return col;
    },
  };
}
