/**
 * The Glue side of the stack (databases, security configuration, crawlers,
 * jobs, triggers), read from the synthesized template; offline, no AWS call.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRAWLER_EXAMPLE, DESIGN_EXAMPLE, type Synthesized, synth } from './fixtures.js';

function logicalId(s: Synthesized, construct: IConstruct): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function resourcesOf(s: Synthesized, type: string): Resource[] {
  return Object.values(s.template.findResources(type)) as Resource[];
}

function crawler(s: Synthesized, name: string): Resource {
  const found = resourcesOf(s, 'AWS::Glue::Crawler').find((c) => c.Properties.Name === name);
  if (!found) throw new Error(`no crawler ${name}`);
  return found;
}

describe('Glue, direct catalog (the design example)', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synth(DESIGN_EXAMPLE);
  });

  it('makes a database per cataloged zone under the stack’s prefix', () => {
    // Assess
    const names = resourcesOf(s, 'AWS::Glue::Database').map((d) => (d.Properties.DatabaseInput as { Name: string }).Name);
    expect(names.sort()).toEqual(['sluice_final', 'sluice_processed']);
    s.template.hasResourceProperties('AWS::Glue::Database', { CatalogId: { Ref: 'AWS::AccountId' } });
  });

  it('makes a security configuration encrypting S3 output, CloudWatch logs and job bookmarks, with a rotated key CloudWatch Logs may use for Glue’s groups', () => {
    // Assess
    const [config] = resourcesOf(s, 'AWS::Glue::SecurityConfiguration');
    const key = resourcesOf(s, 'AWS::KMS::Key').find((k) => String(k.Properties.Description).includes('Glue'));
    const keyArn = { 'Fn::GetAtt': [expect.any(String), 'Arn'] };
    expect(config?.Properties).toEqual({
      Name: 'sluice-glue',
      EncryptionConfiguration: {
        S3Encryptions: [{ S3EncryptionMode: 'SSE-S3' }],
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: keyArn },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: keyArn },
      },
    });
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect((key?.Properties.KeyPolicy as { Statement: unknown[] } | undefined)?.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'GlueLogGroups',
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([':log-group:/aws-glue/*'])] }) },
        },
      }),
    );
  });

  it('makes no crawler: the Lambda registers the tables', () => {
    // Assess
    s.template.resourceCountIs('AWS::Glue::Crawler', 0);
    expect(s.stack.crawlerNames).toEqual([]);
  });

  it('makes a glueetl job per sluice.yaml job with bookmarks by mode, metrics, continuous logs and the security configuration', () => {
    // Assess
    const jobs = resourcesOf(s, 'AWS::Glue::Job');
    expect(jobs.map((j) => j.Properties.Name).sort()).toEqual(['sluice-orders_clean', 'sluice-revenue_by_country']);
    for (const [name, bookmarks, source] of [
      ['sluice-orders_clean', 'job-bookmark-enable', 'processed.orders'],
      ['sluice-revenue_by_country', 'job-bookmark-disable', 'final.orders'],
    ] as const) {
      s.template.hasResourceProperties('AWS::Glue::Job', {
        Name: name,
        Command: {
          Name: 'glueetl',
          PythonVersion: '3',
          ScriptLocation: { 'Fn::Sub': Match.stringLikeRegexp('^s3://cdk-[a-z0-9]+-assets-\\$\\{AWS::AccountId\\}-\\$\\{AWS::Region\\}/[0-9a-f]{64}\\.py$') },
        },
        GlueVersion: '5.0',
        WorkerType: 'G.1X',
        NumberOfWorkers: 2,
        SecurityConfiguration: 'sluice-glue',
        ExecutionProperty: { MaxConcurrentRuns: 1 },
        Description: Match.stringLikeRegexp(source.replace('.', '\\.')),
        DefaultArguments: Match.objectLike({
          '--job-bookmark-option': bookmarks,
          '--enable-metrics': 'true',
          '--enable-continuous-cloudwatch-log': 'true',
          // The generated script reads the final bucket's name from here (glue/script.ts).
          '--sluice_final_bucket': { Ref: logicalId(s, s.stack.finalBucket) },
        }),
      });
    }
  });

  it('uploads each job’s script as given, one asset per job', () => {
    // Assess
    const locations = resourcesOf(s, 'AWS::Glue::Job').map((j) => JSON.stringify((j.Properties.Command as { ScriptLocation: unknown }).ScriptLocation));
    expect(new Set(locations).size).toBe(2);
  });

  it('chains the job reading final.orders to the job writing it with a started conditional trigger; the Lambda starts the other', () => {
    // Assess
    const triggers = resourcesOf(s, 'AWS::Glue::Trigger');
    expect(triggers.map((t) => t.Properties)).toEqual([
      {
        Name: 'sluice-after-job-orders_clean',
        Type: 'CONDITIONAL',
        StartOnCreation: true,
        Description: expect.any(String),
        Predicate: { Logical: 'ANY', Conditions: [{ LogicalOperator: 'EQUALS', JobName: 'sluice-orders_clean', State: 'SUCCEEDED' }] },
        Actions: [{ JobName: 'sluice-revenue_by_country', SecurityConfiguration: 'sluice-glue' }],
      },
    ]);
    const jobIds = [...s.stack.node.findAll()].filter((c) => c.node.path.includes('/Jobs/Job-')).map((c) => s.stack.getLogicalId(c as CfnElement));
    expect(triggers[0]?.DependsOn?.sort()).toEqual(jobIds.sort());
  });
});

describe('Glue, crawler catalog', () => {
  let s: Synthesized;
  beforeAll(async () => {
    // CRAWLER_EXAMPLE ends in its aws: section.
    s = await synth(`${CRAWLER_EXAMPLE}  glue: { version: "4.0", workerType: G.2X, workers: 5, crawlerSchedule: "cron(0 * * * ? *)" }\n`);
  });

  it('makes a crawler per named dataset with its schema-change policy, and one over the rest of the bucket', () => {
    // Assess
    expect(s.stack.crawlerNames).toEqual(['sluice-processed-customers', 'sluice-processed-events', 'sluice-processed-orders', 'sluice-processed']);
    const processed = { Ref: logicalId(s, s.stack.buckets.processed) };
    for (const [dataset, update] of [
      ['customers', 'LOG'],
      ['events', 'LOG'],
      ['orders', 'UPDATE_IN_DATABASE'],
    ] as const) {
      const c = crawler(s, `sluice-processed-${dataset}`).Properties;
      expect(c.SchemaChangePolicy).toEqual({ UpdateBehavior: update, DeleteBehavior: 'LOG' });
      expect(c.Targets).toEqual({
        S3Targets: [
          {
            Path: { 'Fn::Join': ['', ['s3://', processed, `/${dataset}/`]] },
            EventQueueArn: { 'Fn::GetAtt': [logicalId(s, s.stack.crawlerQueues.get(`sluice-processed-${dataset}`) as IConstruct), 'Arn'] },
          },
        ],
      });
    }
    const rest = crawler(s, 'sluice-processed').Properties;
    expect(rest.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
    expect(rest.Targets).toMatchObject({
      S3Targets: [{ Path: { 'Fn::Join': ['', ['s3://', processed, '/']] }, Exclusions: ['customers/**', 'events/**', 'orders/**'] }],
    });
  });

  it('says on the crawler of a schemaChange: fail dataset that Glue only logs the change', () => {
    // Assess
    expect(crawler(s, 'sluice-processed-customers').Properties.Description).toMatch(/schemaChange is fail.*cannot refuse.*LOG/);
  });

  it('runs every crawler in S3 event mode on aws.glue.crawlerSchedule, one table per first-level folder, with the security configuration', () => {
    // Assess
    for (const name of s.stack.crawlerNames) {
      const c = crawler(s, name);
      expect(c.Properties).toMatchObject({
        RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVENT_MODE' },
        Schedule: { ScheduleExpression: 'cron(0 * * * ? *)' },
        DatabaseName: 'sluice_processed',
        CrawlerSecurityConfiguration: 'sluice-glue',
      });
      expect(JSON.parse(c.Properties.Configuration as string)).toEqual({
        Version: 1,
        Grouping: { TableLevelConfiguration: 2 },
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
      });
      // Glue checks the role's access to the path and the queue when it creates the crawler.
      expect(c.DependsOn).toEqual(
        expect.arrayContaining([expect.stringMatching(/^CrawlersRoleDefaultPolicy/), expect.stringMatching(/^BucketsProcessedPolicy/)]),
      );
    }
  });

  it('feeds each crawler’s queue from the processed bucket’s created and deleted events, rewritten as S3 notifications', () => {
    // Assess
    const queue = s.stack.crawlerQueues.get('sluice-processed-orders') as IConstruct;
    const rules = resourcesOf(s, 'AWS::Events::Rule').filter((r) => JSON.stringify(r.Properties.Targets).includes(logicalId(s, queue)));
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: logicalId(s, s.stack.buckets.processed) }] }, object: { key: [{ prefix: 'orders/' }] } },
      },
      {
        source: ['aws.s3'],
        'detail-type': ['Object Deleted'],
        detail: { bucket: { name: [{ Ref: logicalId(s, s.stack.buckets.processed) }] }, object: { key: [{ prefix: 'orders/' }] } },
      },
    ]);
    type Target = { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } };
    const transformer = ((rules[0]?.Properties.Targets ?? []) as Target[])[0]?.InputTransformer;
    expect(transformer?.InputPathsMap).toMatchObject({ 'detail-bucket-name': '$.detail.bucket.name', 'detail-object-key': '$.detail.object.key' });
    // The template with sample values substituted is the S3 notification Glue reads.
    const filled = transformer?.InputTemplate.replace(/<([a-z-]+)>/g, (_m, name: string) => JSON.stringify(`<${name}>`));
    expect(JSON.parse(filled ?? '')).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: '<region>',
          eventTime: '<time>',
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: '<detail-bucket-name>' },
            object: { key: '<detail-object-key>', sequencer: '<detail-object-sequencer>' },
          },
        },
      ],
    });
    // The rest crawler's queue takes every event of the bucket (its exclusions skip the named folders).
    const restQueue = s.stack.crawlerQueues.get('sluice-processed') as IConstruct;
    const restRules = resourcesOf(s, 'AWS::Events::Rule').filter((r) => JSON.stringify(r.Properties.Targets).includes(logicalId(s, restQueue)));
    expect(restRules.map((r) => (r.Properties.EventPattern as { detail: unknown }).detail)).toEqual([
      { bucket: { name: [{ Ref: logicalId(s, s.stack.buckets.processed) }] } },
      { bucket: { name: [{ Ref: logicalId(s, s.stack.buckets.processed) }] } },
    ]);
  });

  it('gives every crawler queue encryption, TLS and a dead-letter queue', () => {
    // Assess
    for (const queue of s.stack.crawlerQueues.values()) {
      const props = s.template.toJSON().Resources[logicalId(s, queue)].Properties;
      expect(props).toMatchObject({ SqsManagedSseEnabled: true, RedrivePolicy: { maxReceiveCount: 5 } });
    }
    s.template.resourceCountIs('AWS::SQS::Queue', 2 + 2 * 4);
  });

  it('starts the processed-source job when its dataset’s crawl succeeds, and the final-source job when its writer succeeds', () => {
    // Assess
    const triggers = resourcesOf(s, 'AWS::Glue::Trigger').map((t) => [t.Properties.Name, t.Properties.Predicate, t.Properties.Actions]);
    expect(triggers).toEqual([
      [
        'sluice-after-crawl-orders',
        { Logical: 'ANY', Conditions: [{ LogicalOperator: 'EQUALS', CrawlerName: 'sluice-processed-orders', CrawlState: 'SUCCEEDED' }] },
        [{ JobName: 'sluice-orders_clean', SecurityConfiguration: 'sluice-glue' }],
      ],
      [
        'sluice-after-job-orders_clean',
        { Logical: 'ANY', Conditions: [{ LogicalOperator: 'EQUALS', JobName: 'sluice-orders_clean', State: 'SUCCEEDED' }] },
        [{ JobName: 'sluice-revenue_by_country', SecurityConfiguration: 'sluice-glue' }],
      ],
    ]);
  });

  it('takes the Glue version, worker type and count from aws.glue', () => {
    // Assess
    for (const job of resourcesOf(s, 'AWS::Glue::Job')) {
      expect(job.Properties).toMatchObject({ GlueVersion: '4.0', WorkerType: 'G.2X', NumberOfWorkers: 5 });
    }
  });

  it('tells the Lambda the catalog is the crawler’s', () => {
    // Assess
    const env = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties.Environment.Variables;
    expect(env.SLUICE_CATALOG).toBe('crawler');
  });
});
