import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { checkDeployable } from '../../src/infra/checks.js';

const QUICKSIGHT = 'aws:\n  quicksight: { principal: "arn:aws:quicksight:eu-west-1:123456789012:user/default/alice" }\n';

function refusal(yaml: string): ConfigError {
  try {
    checkDeployable(parseConfig(yaml));
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('checkDeployable', () => {
  it('takes jobs reading processed tables and the final tables other jobs write', () => {
    // Prepare
    const config = parseConfig(
      [
        'jobs:',
        '  clean: { source: processed.orders, output: { table: orders } }',
        '  totals: { source: final.orders, aggregate: { groupBy: [country], measures: { n: "count(*)" } }, output: { table: totals } }',
        'dashboards:',
        '  d: { table: final.totals, charts: [{ kind: kpi, measures: ["sum(n)"] }] }',
        QUICKSIGHT,
      ].join('\n'),
    );

    // Act & Assess
    expect(() => checkDeployable(config)).not.toThrow();
  });

  it('refuses a job reading the built-in publish of a dataset, at its source or join', () => {
    // Act
    const source = refusal('jobs:\n  j: { source: final.orders, output: { table: x } }\n');
    const join = refusal('jobs:\n  j: { source: processed.a, join: [{ table: final.b, on: [id] }], output: { table: x } }\n');

    // Assess
    expect(source.message).toBe(
      'sluice.yaml: jobs.j.source: final.orders is the built-in publish of a dataset; on AWS the final bucket holds only what jobs write, so read processed.orders instead',
    );
    expect(join.message).toContain('jobs.j.join[0].table: final.b is the built-in publish');
  });

  it('refuses a QuickSight dashboard over a built-in publish, and lets it be without QuickSight', () => {
    // Prepare
    const dashboards = 'dashboards:\n  d: { table: final.orders, charts: [{ kind: kpi, measures: ["count(*)"] }] }\n';

    // Act
    const err = refusal(`${dashboards}${QUICKSIGHT}`);

    // Assess
    expect(err.message).toContain('dashboards.d.table: final.orders is the built-in publish of a dataset');
    expect(() => checkDeployable(parseConfig(dashboards))).not.toThrow();
  });
});
