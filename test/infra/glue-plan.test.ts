import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { planGlue } from '../../src/infra/glue-plan.js';
import { CRAWLER_EXAMPLE, DESIGN_EXAMPLE } from './fixtures.js';

describe('planGlue', () => {
  it('plans the design example in direct mode: no crawler, the Lambda starts the processed-source job, a trigger chains the final-source one', () => {
    // Prepare
    const config = parseConfig(DESIGN_EXAMPLE);

    // Act
    const plan = planGlue(config, 'sluice');

    // Assess
    expect(plan.crawlers).toEqual([]);
    expect(plan.jobs).toEqual([
      { job: 'orders_clean', glueJobName: 'sluice-orders_clean', mode: 'incremental', source: 'processed.orders', output: 'final.orders' },
      { job: 'revenue_by_country', glueJobName: 'sluice-revenue_by_country', mode: 'full', source: 'final.orders', output: 'final.revenue_by_country' },
    ]);
    expect(plan.triggers).toEqual([{ name: 'sluice-after-job-orders_clean', after: { job: 'sluice-orders_clean' }, start: ['sluice-revenue_by_country'] }]);
    expect(plan.startedByLambda).toEqual(['sluice-orders_clean']);
  });

  it('plans one crawler per named dataset and one over the rest in crawler mode, each job started by the crawl of its source', () => {
    // Prepare
    const config = parseConfig(CRAWLER_EXAMPLE);

    // Act
    const plan = planGlue(config, 'prod');

    // Assess
    expect(plan.crawlers).toEqual([
      { name: 'prod-processed-customers', dataset: 'customers', exclusions: [], schemaChange: 'fail' },
      { name: 'prod-processed-events', dataset: 'events', exclusions: [], schemaChange: 'log' },
      { name: 'prod-processed-orders', dataset: 'orders', exclusions: [], schemaChange: 'update' },
      { name: 'prod-processed', exclusions: ['customers/**', 'events/**', 'orders/**'], schemaChange: 'update' },
    ]);
    expect(plan.triggers).toEqual([
      { name: 'prod-after-crawl-orders', after: { crawler: 'prod-processed-orders' }, start: ['prod-orders_clean'] },
      { name: 'prod-after-job-orders_clean', after: { job: 'prod-orders_clean' }, start: ['prod-revenue_by_country'] },
    ]);
    // Glue triggers start every job: the Lambda starts none.
    expect(plan.startedByLambda).toEqual([]);
  });

  it('gives a dataset that only a job names (as a join) a crawler of its own, with the default policy', () => {
    // Prepare
    const config = parseConfig(`jobs:
  enriched:
    source: processed.sales
    join: { table: processed.stores, on: [store_id] }
    output: { table: enriched }
aws:
  catalog: crawler
`);

    // Act
    const plan = planGlue(config, 'sluice');

    // Assess
    expect(plan.crawlers.map((c) => [c.name, c.schemaChange])).toEqual([
      ['sluice-processed-sales', 'update'],
      ['sluice-processed-stores', 'update'],
      ['sluice-processed', 'update'],
    ]);
    expect(plan.jobs[0]?.mode).toBe('full');
    expect(plan.triggers).toEqual([{ name: 'sluice-after-crawl-sales', after: { crawler: 'sluice-processed-sales' }, start: ['sluice-enriched'] }]);
  });

  it('leaves a job reading a table the built-in publish writes to the Lambda in direct mode', () => {
    // Prepare
    const config = parseConfig('jobs:\n  big_sales:\n    source: final.sales\n    filter: "amount > 100"\n    output: { table: big_sales }\n');

    // Act
    const plan = planGlue(config, 'sluice');

    // Assess
    expect(plan.triggers).toEqual([]);
    expect(plan.startedByLambda).toEqual(['sluice-big_sales']);
  });

  it('plans only the rest crawler when sluice.yaml names no dataset', () => {
    // Act
    const plan = planGlue(parseConfig('aws:\n  catalog: crawler\n'), 'sluice');

    // Assess
    expect(plan).toEqual({
      crawlers: [{ name: 'sluice-processed', exclusions: [], schemaChange: 'update' }],
      jobs: [],
      triggers: [],
      startedByLambda: [],
    });
  });
});
