/**
 * A flag written two ways in one column (0/1 beside yes/no or true/false), through the pipeline: one BOOLEAN column,
 * whether the words are everywhere or only in the last rows, past the rows that decide the types first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogRows } from '../helpers/catalog-rows.js';
import { ingestFiles } from '../helpers/in-process.js';
import { tempDir } from '../helpers/project.js';

function csv(rows: number, flag: (i: number) => string): string {
  const lines = ['id,active,qty'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},${flag(i)},${i % 7}`);
  return `${lines.join('\n')}\n`;
}

async function ingest(text: string, sampleRows?: number) {
  const dir = tempDir();
  if (sampleRows) fs.writeFileSync(path.join(dir, 'sluice.yaml'), `defaults:\n  typeSampleRows: ${sampleRows}\n`);
  const [outcome] = await ingestFiles(dir, { 'members/a.csv': text });
  const types = await catalogRows<{ column_name: string; data_type: string }>(
    dir,
    "select column_name, data_type from information_schema.columns where table_schema = 'processed' and table_name = 'members' order by ordinal_position",
  );
  const counts = await catalogRows<{ active: boolean | null; n: number }>(
    dir,
    'select active, count(*)::int as n from processed.members group by active order by active nulls last',
  );
  return { outcome, types: Object.fromEntries(types.map((t) => [t.column_name, t.data_type])), counts };
}

describe('booleans written two ways in one column', () => {
  it('reads 0/1 beside true/false and yes/no as one BOOLEAN column', async () => {
    // Act
    const flags = ['1', '0', 'true', 'false', 'yes', 'no', 'Y', 'N'];
    const { outcome, types, counts } = await ingest(csv(400, (i) => flags[i % flags.length] as string));

    // Assess
    expect(outcome?.state).toBe('done');
    expect(types).toMatchObject({ active: 'BOOLEAN', qty: 'BIGINT' });
    expect(counts).toEqual([
      { active: false, n: 200 },
      { active: true, n: 200 },
    ]);
  });

  it('types the whole file alike when the words come only in its last rows, past the sample', async () => {
    // Prepare: 2,000 rows of 0/1 and then 40 of yes/no (the last 2%), with types decided on the first 200 rows.
    const text = csv(2040, (i) => (i <= 2000 ? String(i % 2) : i % 2 ? 'yes' : 'no'));

    // Act
    const sampled = await ingest(text, 200);
    const whole = await ingest(text);

    // Assess
    expect(sampled.types.active).toBe('BOOLEAN');
    expect(sampled.counts).toEqual(whole.counts);
    expect(sampled.counts).toEqual([
      { active: false, n: 1020 },
      { active: true, n: 1020 },
    ]);
  });

  it('keeps a column of 0 and 1 alone a number column', async () => {
    // Act
    const { types } = await ingest(csv(100, (i) => String(i % 2)));

    // Assess
    expect(types.active).toBe('BIGINT');
  });
});
