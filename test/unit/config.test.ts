import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { JobConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { jobMode } from '../../src/stages/transform/plan.js';
import { DESIGN_EXAMPLE } from '../helpers/design-example.js';

/** The ConfigError that parsing `text` throws. */
function configErrorOf(text: string): ConfigError {
  try {
    parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

describe('parseConfig', () => {
  it('gives the defaults for an empty file', () => {
    // Act
    const config = parseConfig('');

    // Assess
    expect(config.zones).toEqual({ raw: 'data/raw', processed: 'data/processed', final: 'data/final', quarantine: 'data/quarantine' });
    expect(config.defaults.nullTokens).toContain('NA');
    expect(config.defaults.nullTokens).toContain('');
    expect(config.defaults).toMatchObject({ dedupe: 'auto', minTypeShare: 0.95, zeroOneAsBoolean: false, dateOrder: 'auto', missing: 'keep', settleMs: 2000 });
    expect(config.datasets).toEqual({});
    expect(config.jobs).toEqual({});
  });

  it('gives the defaults for a file of comments only', () => {
    expect(parseConfig('# nothing yet\n')).toEqual(parseConfig(''));
  });

  it('parses the example of the design document', () => {
    // Act
    const config = parseConfig(DESIGN_EXAMPLE);

    // Assess
    expect(config.defaults.nullTokens).toEqual(['', 'NA', 'N/A', 'null', '-']);
    expect(config.datasets.orders?.columns.amount).toEqual({ type: 'decimal', missing: 'median' });
    expect(config.datasets.orders?.rules).toEqual([{ column: 'amount', min: 0 }]);
    expect(config.datasets.orders?.schemaChange).toBe('update');
    expect(config.jobs.orders_clean?.mappings?.[1]).toEqual(['amount', 'double', 'revenue', 'decimal(12,2)']);
    expect(config.jobs.orders_clean?.output).toEqual({ table: 'orders', partitionBy: ['order_month'], csv: true, compression: 'zstd' });
    expect(config.jobs.revenue_by_country).toMatchObject({ source: 'final.orders', mode: 'full', aggregate: { groupBy: ['country'] } });
  });

  it('fills the defaults a job leaves out', () => {
    // Act
    const config = parseConfig('jobs:\n  x:\n    source: processed.orders\n    output: { table: t }\n');

    // Assess
    expect(config.jobs.x).toMatchObject({ output: { table: 't', partitionBy: [], csv: false, compression: 'zstd' } });
    // Without a mode, a row-wise job runs incrementally and one that aggregates runs in full.
    expect(config.jobs.x?.mode).toBeUndefined();
    expect(jobMode(config.jobs.x as JobConfig)).toBe('incremental');
    const aggregate = parseConfig('jobs:\n  x:\n    source: processed.orders\n    aggregate: { measures: { n: "count(*)" } }\n    output: { table: t }\n');
    expect(jobMode(aggregate.jobs.x as JobConfig)).toBe('full');
  });

  it('takes the names of datasets that start with a digit, as the pipeline makes them from raw keys (2024/jan.csv)', () => {
    // Act
    const config = parseConfig('datasets:\n  "2024":\n    schemaChange: fail\njobs:\n  x:\n    source: processed.2024\n    output: { table: t }\n');

    // Assess
    expect(config.datasets['2024']?.schemaChange).toBe('fail');
    expect(config.jobs.x?.source).toBe('processed.2024');
    expect(configErrorOf('jobs:\n  x:\n    source: processed.20-24\n    output: { table: t }\n').message).toContain(
      'write a table as processed.<table> or final.<table>',
    );
  });

  it('takes defaults.settleMs and refuses a negative one with its path', () => {
    // Act
    const config = parseConfig('defaults:\n  settleMs: 5000\n');
    const err = configErrorOf('defaults:\n  settleMs: -1\n');

    // Assess
    expect(config.defaults.settleMs).toBe(5000);
    expect(err.message).toContain('defaults.settleMs');
    expect(err.message).toContain('line 2');
  });

  it('refuses an unknown top-level key, naming it and its line', () => {
    // Act
    const err = configErrorOf('zone:\n  raw: data/raw\n');

    // Assess
    expect(err.message).toContain('"zone"');
    expect(err.message).toContain('line 1');
    expect(err.message).toMatch(/^sluice\.yaml: /);
  });

  it('refuses an unknown key deep down with its path as written', () => {
    // Act
    const err = configErrorOf('datasets:\n  orders:\n    rules:\n      - { column: a, min: 0 }\n      - { column: b, mni: 1 }\n');

    // Assess
    expect(err.message).toContain('datasets.orders.rules[1]');
    expect(err.message).toContain('"mni"');
    expect(err.message).toContain('line 5');
  });

  it('refuses an unknown column type with the path and line', () => {
    // Act
    const err = configErrorOf('datasets:\n  orders:\n    columns:\n      amount:\n        type: money\n');

    // Assess
    expect(err.message).toContain('datasets.orders.columns.amount.type');
    expect(err.message).toContain('line 5');
    expect(err.message).toContain('unknown type');
  });

  it('takes IANA time zones at every level and refuses an unknown one with its path and line', () => {
    // Act
    const config = parseConfig(
      'defaults:\n  timezone: America/New_York\ndatasets:\n  shifts:\n    timezone: Asia/Kolkata\n    columns:\n      at:\n        timezone: UTC\n',
    );
    const err = configErrorOf('datasets:\n  shifts:\n    columns:\n      at:\n        timezone: Europe/Berln\n');

    // Assess
    expect(config.defaults.timezone).toBe('America/New_York');
    expect(config.datasets.shifts?.timezone).toBe('Asia/Kolkata');
    expect(config.datasets.shifts?.columns.at?.timezone).toBe('UTC');
    expect(parseConfig('').defaults.timezone).toBe('UTC');
    expect(err.message).toContain('datasets.shifts.columns.at.timezone');
    expect(err.message).toContain('line 5');
    expect(err.message).toContain('use an IANA name such as UTC, Europe/Berlin');
  });

  it('takes yes/no words to add and refuses one that is already the other answer, naming the key', () => {
    // Act
    const config = parseConfig('defaults:\n  booleanWords:\n    true: [ok, "x"]\n    false: [ko]\n');
    const err = configErrorOf('defaults:\n  booleanWords:\n    true: [Nein]\n');

    // Assess
    expect(config.defaults.booleanWords).toEqual({ true: ['ok', 'x'], false: ['ko'] });
    expect(parseConfig('').defaults.booleanWords).toEqual({ true: [], false: [] });
    expect(err.message).toContain('defaults.booleanWords');
    expect(err.message).toContain('boolean words both true and false: nein; a word can mean only one of yes and no');
  });

  it('takes a column case of upper, lower or title', () => {
    // Act
    const config = parseConfig(
      'datasets:\n  orders:\n    columns:\n      country: { case: upper }\n      city: { case: title }\n      email: { case: lower }\n',
    );

    // Assess
    expect(config.datasets.orders?.columns).toEqual({ country: { case: 'upper' }, city: { case: 'title' }, email: { case: 'lower' } });
  });

  it('refuses another column case with the path, line and the allowed ones', () => {
    // Act
    const err = configErrorOf('datasets:\n  orders:\n    columns:\n      country:\n        case: uppercase\n');

    // Assess
    expect(err.message).toBe('sluice.yaml: datasets.orders.columns.country.case (line 5): must be one of "upper", "lower", "title"');
  });

  it('takes dedupe auto, and lists it among the policies when refusing another', () => {
    // Act
    const config = parseConfig('datasets:\n  panel:\n    dedupe: auto\n');
    const err = configErrorOf('defaults:\n  dedupe: always\n');

    // Assess
    expect(config.datasets.panel?.dedupe).toBe('auto');
    expect(err.message).toContain('defaults.dedupe (line 2)');
    expect(err.message).toContain('"auto", "exact", "none"');
  });

  it('refuses an unknown job mode and lists the allowed ones', () => {
    // Act
    const err = configErrorOf('jobs:\n  x:\n    source: processed.orders\n    mode: sometimes\n    output: { table: t }\n');

    // Assess
    expect(err.message).toContain('jobs.x.mode');
    expect(err.message).toContain('line 4');
    expect(err.message).toContain('incremental');
    expect(err.message).toContain('full');
  });

  it.each([
    ['a tab as indentation', 'zones:\n\traw: data/raw\n'],
    ['an unbalanced bracket', 'zones: [raw, processed\n'],
    ['a duplicate key', 'zones:\n  raw: a\n  raw: b\n'],
  ])('refuses %s as YAML', (_what, text) => {
    // Act
    const err = configErrorOf(text);

    // Assess
    expect(err.message).toContain('not valid YAML');
  });

  it('says on which line and column a YAML syntax error is', () => {
    // Act
    const err = configErrorOf('zones:\n\traw: data/raw\n');

    // Assess
    expect(err.message).toContain('line 2, column 1');
  });

  it('refuses a top level that is not a mapping', () => {
    expect(configErrorOf('- zones\n- jobs\n').message).toContain('top level must be a mapping');
  });

  it('uses the given file name in its messages', () => {
    // Act
    let caught: unknown;
    try {
      parseConfig('zone: {}\n', 'project/sluice.yaml');
    } catch (err) {
      caught = err;
    }

    // Assess
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).file).toBe('project/sluice.yaml');
    expect((caught as ConfigError).message).toMatch(/^project\/sluice\.yaml: /);
  });
});

describe('loadConfig', () => {
  it('gives the defaults and no file for a folder without sluice.yaml', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-config-'));

    // Act
    const { config, file } = loadConfig(dir);

    // Assess
    expect(file).toBeUndefined();
    expect(config).toEqual(parseConfig(''));
  });

  it('reads sluice.yaml from the folder', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-config-'));
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'zones:\n  raw: incoming\n');

    // Act
    const { config, file } = loadConfig(dir);

    // Assess
    expect(file).toBe(path.join(dir, 'sluice.yaml'));
    expect(config.zones.raw).toBe('incoming');
    expect(config.zones.processed).toBe('data/processed');
  });

  it('names the file in errors about its content', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-config-'));
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'zone: {}\n');

    // Act & Assess
    expect(() => loadConfig(dir)).toThrow(`${path.join(dir, 'sluice.yaml')}: `);
  });
});

describe('aws', () => {
  it('deploys a secure default when the section is left out', () => {
    // Act
    const { aws } = parseConfig('');

    // Assess
    expect(aws).toEqual({
      stackName: 'sluice',
      catalog: 'direct',
      buckets: {},
      lambda: { memoryMb: 3008, timeoutSeconds: 900, ephemeralStorageMb: 4096, architecture: 'arm64' },
      glue: { version: '5.0', workerType: 'G.1X', workers: 2, crawlerSchedule: 'cron(0/15 * * * ? *)' },
      athena: { bytesScannedCutoffMb: 10_240 },
      retention: { logDays: 30, quarantineDays: 90, athenaResultsDays: 30 },
      alerts: { email: [], https: [] },
    });
    expect(parseConfig('aws: {}\n').aws).toEqual(aws);
  });

  it('takes the keys the design names', () => {
    // Act
    const { aws } = parseConfig(
      [
        'aws:',
        '  region: eu-west-1',
        '  catalog: crawler',
        '  buckets: { raw: acme-raw-data }',
        '  lambda: { memoryMb: 2048, reservedConcurrency: 5 }',
        '  quicksight: { principal: "arn:aws:quicksight:eu-west-1:123456789012:user/default/alice" }',
        '  alerts: { email: [ops@example.com] }',
        '',
      ].join('\n'),
    );

    // Assess
    expect(aws.region).toBe('eu-west-1');
    expect(aws.catalog).toBe('crawler');
    expect(aws.buckets.raw).toBe('acme-raw-data');
    expect(aws.lambda).toMatchObject({ memoryMb: 2048, reservedConcurrency: 5, timeoutSeconds: 900 });
    expect(aws.quicksight?.principal).toContain(':user/default/alice');
    expect(aws.alerts.email).toEqual(['ops@example.com']);
  });

  it.each([
    ['aws:\n  buckets: { raw: Raw_Data }\n', 'aws.buckets.raw (line 2)', 'S3 bucket names are 3 to 63 lowercase'],
    ['aws:\n  retention: { logDays: 31 }\n', 'aws.retention.logDays (line 2)', 'one of 1, 3, 5, 7, 14, 30'],
    ['aws:\n  region: Ireland\n', 'aws.region (line 2)', 'give a region code'],
    ['aws:\n  quicksight: { principal: "arn:aws:quicksight:...:user/default/alice" }\n', 'aws.quicksight.principal (line 2)', 'QuickSight user or group ARN'],
    ['aws:\n  lambda: { timeoutSeconds: 901 }\n', 'aws.lambda.timeoutSeconds (line 2)', '900'],
    ['aws:\n  catalog: glue\n', 'aws.catalog (line 2)', '"crawler", "direct"'],
  ])('refuses %j at its key', (text, where, message) => {
    // Act
    const err = configErrorOf(text);

    // Assess
    expect(err.message).toContain(where);
    expect(err.message).toContain(message);
  });
});
