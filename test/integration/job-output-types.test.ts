/**
 * The types a job writes are the types its catalog table declares, in the Parquet files themselves: what Athena and
 * Glue read on AWS (they take the Hive DDL and the files, never DuckDB's own types).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { tableDdl } from '../../src/views/ddl.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { ingestFiles, withProject } from '../helpers/in-process.js';
import { tempDir } from '../helpers/project.js';

describe('job output types', () => {
  it('writes a sum of integers as DECIMAL(38,0), exact and as its DDL declares it, not as DOUBLE', async () => {
    // Prepare: a sum past 2^53, where a DOUBLE would lose the last digits.
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'sluice.yaml'),
      'jobs:\n  totals:\n    source: processed.sales\n    aggregate:\n      groupBy: [country]\n      measures: { qty: "sum(qty)", n: "count(*)" }\n    output: { table: totals }\n',
    );

    // Act
    await ingestFiles(dir, { 'sales/a.csv': 'id,qty,country\n1,9007199254740993,US\n2,9007199254740993,US\n3,5,FR\n' });

    // Assess
    const ddl = await withProject(dir, (project) => tableDdl(project, 'final.totals', 'athena'));
    expect(ddl).toContain('`qty` decimal(38,0)');
    expect(ddl).toContain('`n` bigint');
    const files = fs
      .readdirSync(path.join(dir, 'data/final/totals'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.parquet'));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const schema = await db.runAndReadAll(
      `SELECT name, type, logical_type FROM parquet_schema('${path.join(dir, 'data/final/totals', files[0] as string)}') WHERE name = 'qty'`,
    );
    expect(schema.getRows()).toEqual([['qty', 'FIXED_LEN_BYTE_ARRAY', 'DecimalType(scale=0, precision=38)']]);
    const rows = await catalogRows<{ country: string; qty: string }>(dir, 'select country, qty::varchar as qty from final.totals order by country');
    expect(rows).toEqual([
      { country: 'FR', qty: '5' },
      { country: 'US', qty: '18014398509481986' },
    ]);
  });
});
