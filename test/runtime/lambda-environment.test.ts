/**
 * The deployed Lambda's SLUICE_* settings (environment.ts), called directly
 * over a parsed sluice.yaml, and the Glue job launcher (glue-jobs.ts). Glue is
 * the control plane: its client is mocked at the SDK boundary with
 * aws-sdk-client-mock, and the tests check the exact StartJobRun requests and
 * how Glue's answers become Sluice's errors.
 */
import { ConcurrentRunsExceededException, EntityNotFoundException, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { BusyError, ConfigError } from '../../src/core/errors.js';
import { lambdaSettings } from '../../src/runtime/lambda/environment.js';
import { GlueJobLauncher, RETRY_AFTER_SEC } from '../../src/runtime/lambda/glue-jobs.js';

const FILE = 's3://config/sluice.yaml';
const CONFIG = parseConfig(
  `zones:
  raw: data/raw
notify:
  snsTopicArn: arn:aws:sns:eu-west-1:123456789012:from-yaml
jobs:
  orders_clean:
    source: processed.orders
    mappings: [[amount, double, amount, double]]
    output: { table: orders_clean }
  revenue:
    source: final.orders_clean
    aggregate: { measures: { revenue: "sum(amount)" } }
    output: { table: revenue }
`,
  FILE,
);
const GLUE_JOBS = JSON.stringify({ orders_clean: 'sluice-orders-clean', revenue: 'sluice-revenue' });

/** The ConfigError lambdaSettings throws for this environment. */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    lambdaSettings(CONFIG, FILE, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`the environment ${JSON.stringify(env)} was accepted`);
}

describe('the Lambda environment', () => {
  it('moves the zones it names to S3 and keeps the others; unset or empty, sluice.yaml stays as it is', () => {
    // Act
    const moved = lambdaSettings(CONFIG, FILE, { SLUICE_ZONE_RAW: 's3://lake/raw', SLUICE_ZONE_FINAL: 's3://lake/final', SLUICE_ZONE_PROCESSED: '' });
    const unset = lambdaSettings(CONFIG, FILE, {});

    // Assess
    expect(moved.config.zones).toEqual({ raw: 's3://lake/raw', processed: 'data/processed', final: 's3://lake/final', quarantine: 'data/quarantine' });
    expect(unset.config).toEqual(CONFIG);
    expect(unset.catalog).toBe('direct');
    expect(unset.glueJobs).toBeUndefined();
  });

  it('replaces or completes notify: with the SNS topic and the event bus', () => {
    // Act
    const both = lambdaSettings(CONFIG, FILE, { SLUICE_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:stack-events', SLUICE_EVENT_BUS: 'sluice-bus' });
    const busOnly = lambdaSettings(CONFIG, FILE, { SLUICE_EVENT_BUS: 'arn:aws:events:eu-west-1:123456789012:event-bus/sluice-bus' });
    const none = lambdaSettings(parseConfig('{}'), FILE, {});

    // Assess
    expect(both.config.notify).toEqual({ snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:stack-events', eventBus: 'sluice-bus' });
    expect(busOnly.config.notify).toEqual({
      snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:from-yaml',
      eventBus: 'arn:aws:events:eu-west-1:123456789012:event-bus/sluice-bus',
    });
    expect(none.config.notify).toBeUndefined();
  });

  it('takes the catalog mode from SLUICE_CATALOG, else from aws.catalog', () => {
    // Prepare
    const crawlerYaml = parseConfig('aws: { catalog: crawler }');

    // Act
    const fromVariable = lambdaSettings(CONFIG, FILE, { SLUICE_CATALOG: 'crawler' });
    const fromYaml = lambdaSettings(crawlerYaml, FILE, {});
    const variableWins = lambdaSettings(crawlerYaml, FILE, { SLUICE_CATALOG: 'direct' });

    // Assess
    expect([fromVariable.catalog, fromYaml.catalog, variableWins.catalog]).toEqual(['crawler', 'crawler', 'direct']);
    expect(fromVariable.config.aws.catalog).toBe('crawler');
  });

  it('maps every job of sluice.yaml to its Glue job', () => {
    // Act
    const settings = lambdaSettings(CONFIG, FILE, { SLUICE_GLUE_JOBS: GLUE_JOBS });

    // Assess
    expect(settings.glueJobs).toEqual({ orders_clean: 'sluice-orders-clean', revenue: 'sluice-revenue' });
  });

  it('refuses a zone that is not an S3 location, naming the variable and the zone it replaces', () => {
    // Act
    const err = refusal({ SLUICE_ZONE_QUARANTINE: 'data/quarantine' });

    // Assess
    expect(err.message).toBe(
      'Lambda environment: SLUICE_ZONE_QUARANTINE: "data/quarantine" is not an s3:// location; give s3://<bucket>/<prefix> (it replaces zones.quarantine of sluice.yaml)',
    );
    expect(err.path).toBe('SLUICE_ZONE_QUARANTINE');
  });

  it('refuses notify targets the notify: section would refuse, with the same advice', () => {
    // Act
    const topic = refusal({ SLUICE_SNS_TOPIC_ARN: 'sluice-events' });
    const bus = refusal({ SLUICE_EVENT_BUS: 'my bus' });

    // Assess
    expect(topic.message).toBe(
      'Lambda environment: SLUICE_SNS_TOPIC_ARN: "sluice-events": give the topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:sluice-events (it stands for notify.snsTopicArn of sluice.yaml)',
    );
    expect(bus.message).toBe(
      'Lambda environment: SLUICE_EVENT_BUS: "my bus": give the event bus name (default for the account default bus) or its ARN (it stands for notify.eventBus of sluice.yaml)',
    );
  });

  it('refuses a catalog mode other than direct or crawler', () => {
    // Act
    const err = refusal({ SLUICE_CATALOG: 'glue' });

    // Assess
    expect(err.message).toBe(
      'Lambda environment: SLUICE_CATALOG: "glue" must be "direct" (the Lambda registers processed files in the Glue Data Catalog) or "crawler" (a Glue crawler does)',
    );
  });

  it('refuses SLUICE_GLUE_JOBS that is not JSON, not an object of names, names a job sluice.yaml lacks, or leaves one out', () => {
    // Act
    const messages = [
      '{orders_clean: x}',
      '["sluice-orders-clean"]',
      JSON.stringify({ orders_clean: 5, revenue: 'sluice-revenue' }),
      JSON.stringify({ order_clean: 'sluice-orders-clean', revenue: 'sluice-revenue' }),
      JSON.stringify({ orders_clean: 'sluice-orders-clean', revenue: 'sluice-revenue', refunds: 'sluice-refunds' }),
      JSON.stringify({ orders_clean: 'sluice-orders-clean' }),
    ].map((value) => refusal({ SLUICE_GLUE_JOBS: value }).message);

    // Assess
    for (const m of messages) expect(m).toMatch(/^Lambda environment: SLUICE_GLUE_JOBS: /);
    expect(messages[0]).toMatch(
      /not valid JSON \(.+\); give an object of job name in sluice\.yaml to Glue job name, e\.g\. \{"orders_clean": "sluice-orders_clean"\}$/,
    );
    expect(messages[1]).toContain('give an object of job name in sluice.yaml to Glue job name');
    expect(messages[2]).toContain(`"orders_clean": give the Glue job's name, 1 to 255 characters on one line`);
    expect(messages[3]).toContain(`"order_clean" is not a job in ${FILE} (did you mean "orders_clean"?)`);
    expect(messages[4]).toContain(`"refunds" is not a job in ${FILE} (its jobs: orders_clean, revenue)`);
    expect(messages[5]).toContain(
      `no Glue job for "revenue" of ${FILE}; every job runs on Glue when SLUICE_GLUE_JOBS is set: add "revenue": "<Glue job name>"`,
    );
  });
});

describe('the Glue job launcher', () => {
  const glue = mockClient(GlueClient);
  const launcher = new GlueJobLauncher({ orders_clean: 'sluice-orders-clean' }, new GlueClient({ region: 'eu-west-1' }));

  beforeEach(() => {
    glue.reset();
  });

  it("starts the job's Glue job by its name and answers with the run id", async () => {
    // Prepare
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_0123' });

    // Act
    const launch = await launcher.start('orders_clean');

    // Assess
    expect(launch).toEqual({ service: 'glue', name: 'sluice-orders-clean', runId: 'jr_0123' });
    expect(glue.commandCalls(StartJobRunCommand).map((c) => c.args[0].input)).toEqual([{ JobName: 'sluice-orders-clean' }]);
  });

  it('is busy, with a time to try again, while a run of the Glue job is going', async () => {
    // Prepare
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded for sluice-orders-clean', $metadata: {} }));

    // Act
    const err = await launcher.start('orders_clean').catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(BusyError);
    expect(err).toMatchObject({
      retryAfterSec: RETRY_AFTER_SEC,
      message:
        'Glue job sluice-orders-clean (job orders_clean) is running already; it is started again once that run ends, so it reads the new data (trying again in 60 s)',
    });
  });

  it("fails with Glue's reason on any other error, and as a ConfigError for a job it has no Glue job for", async () => {
    // Prepare
    glue.on(StartJobRunCommand).rejects(new EntityNotFoundException({ message: 'Job not found: sluice-orders-clean', $metadata: {} }));

    // Act
    const missing = await launcher.start('orders_clean').catch((e: unknown) => e);
    const unmapped = await launcher.start('revenue').catch((e: unknown) => e);

    // Assess
    expect(missing).not.toBeInstanceOf(BusyError);
    expect((missing as Error).message).toBe(
      'Glue job sluice-orders-clean (job orders_clean) was not started: EntityNotFoundException: Job not found: sluice-orders-clean',
    );
    expect(unmapped).toBeInstanceOf(ConfigError);
    expect((unmapped as Error).message).toBe('Lambda environment: SLUICE_GLUE_JOBS: no Glue job for "revenue"; add "revenue": "<Glue job name>"');
    expect(glue.commandCalls(StartJobRunCommand)).toHaveLength(1);
  });
});
