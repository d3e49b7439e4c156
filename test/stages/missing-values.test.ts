/**
 * `missing: mean` on a column that holds no numbers or dates: named for the
 * column, it is a sluice.yaml mistake reported with its key; as the default,
 * such columns keep their NULLs while number columns are filled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/duckdb.js';
import { preprocess } from '../../src/stages/preprocess/handler.js';
import { stageDeps, type TestDeps } from '../helpers/factories.js';
import { tempDir } from '../helpers/project.js';

let engine: Engine;
const open: TestDeps[] = [];
beforeAll(async () => {
  engine = await Engine.open({ tempDir: tempDir('sluice-missing-engine-') });
});
afterAll(() => engine?.close());
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

const CSV = 'id,city,amount,flag\n1,Lyon,10,true\n2,,20,\n3,Nice,,false\n';

async function run(config: ConfigInput) {
  const d = stageDeps(engine, config);
  open.push(d);
  const stat = await d.zones.raw.put('orders/a.csv', CSV);
  return preprocess({ rawKey: 'orders/a.csv', sha256: stat.sha256 }, d);
}

describe('missing: mean', () => {
  it('named for a text or boolean column, fails the run with the sluice.yaml key to change', async () => {
    for (const [column, type] of [
      ['city', 'VARCHAR'],
      ['flag', 'BOOLEAN'],
    ]) {
      const err = await run({ datasets: { orders: { columns: { [column as string]: { missing: 'mean' } } } } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe(
        `sluice.yaml: datasets.orders.columns.${column}.missing: mean needs numbers or dates, and column "${column}" is ${type}; use median, mode, ffill or a constant`,
      );
    }
  });

  it('as the default, fills number columns and leaves the others with their NULLs', async () => {
    const result = await run({ defaults: { missing: 'mean' } });
    expect(result.outcome).toBe('processed');
    const columns = Object.fromEntries(result.report.columns.map((c) => [c.name, c]));
    expect(columns.amount).toMatchObject({ fill: 'mean', filled: 1, nulls: 0 });
    expect(columns.city).toMatchObject({ nulls: 1 });
    expect(columns.city).not.toHaveProperty('fill');
    expect(columns.flag).toMatchObject({ nulls: 1 });
    expect(columns.flag).not.toHaveProperty('fill');
  });
});
