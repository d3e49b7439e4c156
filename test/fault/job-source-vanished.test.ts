/**
 * A job plans its read against views over the source table's files. When
 * another run replaces those files between the view and the plan (seen in the
 * kill soak: an aggregate reading an incremental job's table while that job
 * swapped its outputs), the error is about a file, not sluice.yaml: the run
 * must be retried, not failed for good as a configuration mistake.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluiceConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/duckdb.js';
import { quoteString } from '../../src/engine/sql.js';
import { planJob } from '../../src/stages/transform/plan.js';

let engine: Engine;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-plan-'));
  engine = await Engine.open({ tempDir: path.join(dir, 'spill') });
});

afterAll(() => {
  engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a source file gone while a job plans', () => {
  it('is thrown as the engine reported it (retried), not as a sluice.yaml error', async () => {
    const job = sluiceConfigSchema.parse({
      jobs: { by_country: { source: 'final.orders', aggregate: { groupBy: ['country'], measures: { n: 'count(*)' } }, output: { table: 'by_country' } } },
    }).jobs.by_country;
    if (!job) throw new Error('the job did not parse');
    const file = path.join(dir, 'part-0.parquet');

    const error = await engine.withConnection(async (c) => {
      await c.run(`COPY (SELECT 'DE' AS country, 1 AS __sluice_file, 1 AS __sluice_row) TO ${quoteString(file)} (FORMAT parquet)`);
      await c.run(`CREATE TEMP VIEW source_view AS SELECT * FROM read_parquet([${quoteString(file)}])`);
      fs.rmSync(file);
      return planJob(c, 'by_country', job, { source: 'source_view', joins: [] }).then(
        () => undefined,
        (err: unknown) => err,
      );
    });

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^a source file changed while the job was planned: IO Error/);
  });

  it('is not blamed on a measure when the file goes between the source and the aggregate steps (seen in the soak)', async () => {
    const job = sluiceConfigSchema.parse({
      jobs: {
        by_country: {
          source: 'final.orders',
          aggregate: { groupBy: ['country'], measures: { n: 'count(*)', amount: 'sum(amount)' } },
          output: { table: 'by_country' },
        },
      },
    }).jobs.by_country;
    if (!job) throw new Error('the job did not parse');
    const file = path.join(dir, 'part-1.parquet');

    const error = await engine.withConnection(async (c) => {
      await c.run(`COPY (SELECT 'DE' AS country, 2.5 AS amount, 1 AS __sluice_file, 1 AS __sluice_row) TO ${quoteString(file)} (FORMAT parquet)`);
      await c.run(`CREATE TEMP VIEW source_view_2 AS SELECT * FROM read_parquet([${quoteString(file)}])`);
      // The file goes just before the aggregate is bound, as when another run swaps the table's files mid-plan.
      const swapping = new Proxy(c, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver);
          if (name !== 'runAndReadAll') return typeof value === 'function' ? value.bind(target) : value;
          return (sql: string, ...rest: unknown[]) => {
            if (sql.includes('GROUP BY')) fs.rmSync(file, { force: true });
            return (value as (...a: unknown[]) => unknown).call(target, sql, ...rest);
          };
        },
      });
      return planJob(swapping, 'by_country', job, { source: 'source_view_2', joins: [] }).then(
        () => undefined,
        (err: unknown) => err,
      );
    });

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^a source file changed while the job was planned: IO Error/);
  });
});
