/**
 * The stack `sluice deploy aws` synthesizes, read from its CloudFormation
 * template (aws-cdk-lib's assertions, offline: no AWS call is made). Each
 * sluice.yaml below is parsed by parseConfig as the CLI does.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { INPUT_ENDINGS } from '../../src/core/keys.js';
import { tableDefinitions } from '../../src/state/dynamodb/tables.js';
import { DESIGN_EXAMPLE, type Synthesized, synth, validationReport } from './fixtures.js';

/** The logical id of a construct's CloudFormation resource. */
function logicalId(s: Synthesized, construct: IConstruct): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const ref = (s: Synthesized, construct: IConstruct) => ({ Ref: logicalId(s, construct) });
const zoneUri = (s: Synthesized, construct: IConstruct) => ({ 'Fn::Join': ['', ['s3://', ref(s, construct), '/']] });

describe('SluiceStack of the design example (direct catalog, defaults)', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synth(DESIGN_EXAMPLE);
  });

  it('makes four zone buckets, an access-logs bucket and the Athena results bucket, encrypted, private, TLS-only and kept on delete', () => {
    // Assess
    const buckets = s.template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(6);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      // No generated names: CloudFormation makes them unique.
      expect(bucket.Properties.BucketName).toBeUndefined();
    }
    for (const [id, policy] of Object.entries(s.template.findResources('AWS::S3::BucketPolicy'))) {
      expect(policy.Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    expect(Object.keys(s.template.findResources('AWS::S3::BucketPolicy'))).toHaveLength(6);
  });

  it('logs every zone bucket’s accesses to the access-logs bucket under the zone’s name, and sends its events to EventBridge', () => {
    // Assess
    for (const [zone, bucket] of Object.entries(s.stack.buckets.zones)) {
      const props = s.template.toJSON().Resources[logicalId(s, bucket)].Properties;
      expect(props.LoggingConfiguration).toEqual({ DestinationBucketName: ref(s, s.stack.accessLogsBucket), LogFilePrefix: `${zone}/` });
      expect(props.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    }
    // S3 notifications are set on the buckets themselves: no custom-resource Lambda.
    expect(s.template.findResources('Custom::S3BucketNotifications')).toEqual({});
    // The functions are the preprocess Lambda and the custom resource writing the QuickSight manifest of the CSV table.
    expect(Object.values(s.template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Handler)).toEqual(['index.handler', 'index.handler']);
    s.template.resourceCountIs('Custom::SluiceQuickSightManifest', 1);
  });

  it('versions raw, expires quarantine after retention.quarantineDays and access logs after retention.logDays', () => {
    // Assess
    const props = (construct: IConstruct) => s.template.toJSON().Resources[logicalId(s, construct)].Properties;
    expect(props(s.stack.buckets.raw).VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props(s.stack.buckets.processed).VersioningConfiguration).toBeUndefined();
    expect(props(s.stack.buckets.quarantine).LifecycleConfiguration.Rules).toContainEqual({ Id: 'expire-quarantine', Status: 'Enabled', ExpirationInDays: 90 });
    expect(props(s.stack.accessLogsBucket).LifecycleConfiguration.Rules).toContainEqual({ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 30 });
    expect(props(s.stack.buckets.final).LifecycleConfiguration.Rules).toEqual([
      { Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
    ]);
  });

  it('declares the run-state tables exactly as state/dynamodb/tables.ts defines them, on demand, with PITR and encryption', () => {
    // Assess
    for (const def of tableDefinitions('sluice-')) {
      const tables = s.template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: def.TableName } });
      const [table] = Object.values(tables);
      expect(table, def.TableName).toBeDefined();
      const p = table?.Properties;
      expect(p.KeySchema).toEqual(def.KeySchema);
      expect(new Set(p.AttributeDefinitions.map((a: { AttributeName: string; AttributeType: string }) => `${a.AttributeName}:${a.AttributeType}`))).toEqual(
        new Set(def.AttributeDefinitions?.map((a) => `${a.AttributeName}:${a.AttributeType}`)),
      );
      expect(p.GlobalSecondaryIndexes ?? []).toEqual(def.GlobalSecondaryIndexes ?? []);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table?.DeletionPolicy).toBe('Retain');
    }
  });

  it('declares the idempotency table: partition key id, TTL on expiration', () => {
    // Assess
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'sluice-idempotency',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    s.template.resourceCountIs('AWS::DynamoDB::Table', 4);
  });

  it('routes Object Created events of input files in raw through an EventBridge rule to the encrypted queue', () => {
    // Assess
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [ref(s, s.stack.buckets.raw)] },
          object: { key: INPUT_ENDINGS.map((ending) => ({ suffix: { 'equals-ignore-case': ending } })) },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessQueue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessDeadLetterQueue), 'Arn'] } },
        }),
      ],
    });
    expect(INPUT_ENDINGS).toEqual(expect.arrayContaining(['.csv', '.csv.gz', '.tsv']));
  });

  it('keeps the rule’s event pattern within EventBridge’s 2048-character limit with the longest bucket name', () => {
    // Prepare
    const rules = Object.values(s.template.findResources('AWS::Events::Rule'));
    const pattern = rules.map((r) => r.Properties.EventPattern).find((p) => p?.detail?.object?.key);
    pattern.detail.bucket.name = ['b'.repeat(63)];

    // Act
    const size = JSON.stringify(pattern).length;

    // Assess
    expect(pattern.detail.object.key).toHaveLength(INPUT_ENDINGS.length);
    expect(INPUT_ENDINGS).toEqual(expect.arrayContaining(['.tab', '.psv', '.csv.bz2', '.tsv.xz', '.txt.zst', '.psv.zstd', '.zip']));
    expect(size).toBeLessThanOrEqual(2048);
  });

  it('gives the queue six times the function’s timeout of visibility and a dead-letter queue after three receives', () => {
    // Assess
    const queue = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessQueue)].Properties;
    expect(queue).toEqual({
      VisibilityTimeout: 6 * 900,
      MessageRetentionPeriod: 4 * 24 * 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessDeadLetterQueue), 'Arn'] }, maxReceiveCount: 3 },
    });
    const dlq = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessDeadLetterQueue)].Properties;
    expect(dlq).toEqual({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    // enforceSSL on both queues.
    const policies = Object.values(s.template.findResources('AWS::SQS::QueuePolicy'));
    for (const queue of [s.stack.preprocessQueue, s.stack.preprocessDeadLetterQueue]) {
      const policy = policies.find((p) => JSON.stringify(p.Properties.Queues).includes(logicalId(s, queue)));
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('feeds the function from the queue in batches of 10 with partial batch failures and a batching window', () => {
    // Assess
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessQueue), 'Arn'] },
      FunctionName: ref(s, s.stack.preprocessFunction),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: Match.absent(),
    });
  });

  it('invokes the function every 15 minutes with the scheduled event itself (the handler’s sweep)', () => {
    // Assess
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessFunction), 'Arn'] }, Id: 'Target0' }],
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId(s, s.stack.preprocessFunction), 'Arn'] },
    });
  });

  it('configures the function from aws.lambda with its own log group kept retention.logDays', () => {
    // Assess
    const fn = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 3008,
      Timeout: 900,
      EphemeralStorage: { Size: 4096 },
      LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
    });
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    const logGroup = s.template.toJSON().Resources[fn.LoggingConfig.LogGroup.Ref];
    expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  it('sets exactly the Lambda environment contract', () => {
    // Assess
    const fn = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties;
    expect(fn.Environment.Variables).toEqual({
      SLUICE_ZONE_RAW: zoneUri(s, s.stack.buckets.raw),
      SLUICE_ZONE_PROCESSED: zoneUri(s, s.stack.buckets.processed),
      SLUICE_ZONE_FINAL: zoneUri(s, s.stack.buckets.final),
      SLUICE_ZONE_QUARANTINE: zoneUri(s, s.stack.buckets.quarantine),
      SLUICE_STATE_PREFIX: 'sluice-',
      SLUICE_GLUE_DATABASE_PREFIX: 'sluice_',
      SLUICE_CATALOG: 'direct',
      SLUICE_GLUE_JOBS: JSON.stringify({ orders_clean: 'sluice-orders_clean', revenue_by_country: 'sluice-revenue_by_country' }),
      SLUICE_EVENT_BUS: ref(s, s.stack.eventBus),
      SLUICE_SNS_TOPIC_ARN: ref(s, s.stack.alertsTopic),
      SLUICE_IDEMPOTENCY_TABLE: ref(s, s.stack.tables.idempotency),
      POWERTOOLS_SERVICE_NAME: 'sluice',
      POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
    });
  });

  it('makes the event bus and a KMS-encrypted, TLS-only alerts topic whose key admits CloudWatch alarms and EventBridge rules', () => {
    // Assess
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'sluice-events' });
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'sluice-alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(s, s.stack.alertsKey), 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const key = s.template.toJSON().Resources[logicalId(s, s.stack.alertsKey)].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const services = key.KeyPolicy.Statement.filter((st: { Principal: { Service?: string | string[] } }) => st.Principal.Service).flatMap(
      (st: { Principal: { Service: string | string[] }; Action: string[] }) =>
        [st.Principal.Service].flat().map((service) => JSON.stringify([service, st.Action])),
    );
    // The monitoring construct grants the services again (it works on any topic); the key admits these two and no other.
    expect([...new Set(services)].sort().map((x) => JSON.parse(x as string))).toEqual([
      ['cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
      ['events.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*']],
    ]);
  });

  it('outputs the bucket names, the queue URL, the function name and the Glue databases', () => {
    // Assess
    const outputs = s.template.toJSON().Outputs;
    expect(outputs).toMatchObject({
      RawBucket: { Value: ref(s, s.stack.buckets.raw) },
      ProcessedBucket: { Value: ref(s, s.stack.buckets.processed) },
      FinalBucket: { Value: ref(s, s.stack.buckets.final) },
      QuarantineBucket: { Value: ref(s, s.stack.buckets.quarantine) },
      AccessLogsBucket: { Value: ref(s, s.stack.accessLogsBucket) },
      PreprocessQueueUrl: { Value: ref(s, s.stack.preprocessQueue) },
      PreprocessDeadLetterQueueUrl: { Value: ref(s, s.stack.preprocessDeadLetterQueue) },
      PreprocessFunctionName: { Value: ref(s, s.stack.preprocessFunction) },
      ProcessedDatabase: { Value: 'sluice_processed' },
      FinalDatabase: { Value: 'sluice_final' },
    });
  });

  it('exposes what the monitoring and analytics constructs build on', () => {
    // Assess
    expect(s.stack.finalBucket).toBe(s.stack.buckets.final);
    expect(s.stack.finalDatabaseName).toBe('sluice_final');
    expect(s.stack.processedDatabaseName).toBe('sluice_processed');
    expect(s.stack.glueJobNames).toEqual({ orders_clean: 'sluice-orders_clean', revenue_by_country: 'sluice-revenue_by_country' });
    expect(s.stack.crawlerNames).toEqual([]);
    expect(s.stack.config.aws.catalog).toBe('direct');
  });
});

describe('SluiceStack with aws settings', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synth(`aws:
  stackName: Sales-Prod
  buckets: { raw: acme-sales-raw, final: acme-sales-final }
  lambda: { memoryMb: 2048, timeoutSeconds: 300, reservedConcurrency: 5, ephemeralStorageMb: 1024, architecture: x86_64 }
  retention: { logDays: 14, quarantineDays: 7, athenaResultsDays: 30 }
`);
  });

  it('names the buckets given and generates the others', () => {
    // Assess
    const name = (construct: IConstruct) => s.template.toJSON().Resources[logicalId(s, construct)].Properties.BucketName;
    expect(name(s.stack.buckets.raw)).toBe('acme-sales-raw');
    expect(name(s.stack.buckets.final)).toBe('acme-sales-final');
    expect(name(s.stack.buckets.processed)).toBeUndefined();
    expect(name(s.stack.buckets.quarantine)).toBeUndefined();
  });

  it('takes memory, timeout, storage, architecture and reserved concurrency from aws.lambda, and holds the queue’s poller to it', () => {
    // Assess
    expect(s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties).toMatchObject({
      Architectures: ['x86_64'],
      MemorySize: 2048,
      Timeout: 300,
      EphemeralStorage: { Size: 1024 },
      ReservedConcurrentExecutions: 5,
    });
    s.template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 300 });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
  });

  it('applies the retention settings', () => {
    // Assess
    const props = (construct: IConstruct) => s.template.toJSON().Resources[logicalId(s, construct)].Properties;
    expect(props(s.stack.buckets.quarantine).LifecycleConfiguration.Rules).toContainEqual({ Id: 'expire-quarantine', Status: 'Enabled', ExpirationInDays: 7 });
    expect(props(s.stack.accessLogsBucket).LifecycleConfiguration.Rules).toContainEqual({ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 14 });
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('derives the resource names from the stack name', () => {
    // Assess
    expect(s.stack.stackName).toBe('Sales-Prod');
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'Sales-Prod-runs' });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'Sales-Prod-idempotency' });
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Sales-Prod-events' });
    s.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'Sales-Prod-alerts' });
    s.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'sales_prod_processed' }) });
    const env = s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties.Environment.Variables;
    expect(env).toMatchObject({ SLUICE_STATE_PREFIX: 'Sales-Prod-', SLUICE_GLUE_DATABASE_PREFIX: 'sales_prod_', POWERTOOLS_SERVICE_NAME: 'Sales-Prod' });
  });

  it('makes no Glue job, trigger or crawler for a sluice.yaml without jobs', () => {
    // Assess
    s.template.resourceCountIs('AWS::Glue::Job', 0);
    s.template.resourceCountIs('AWS::Glue::Trigger', 0);
    s.template.resourceCountIs('AWS::Glue::Crawler', 0);
    // Only the Lambda's role: no unused Glue role.
    s.template.resourceCountIs('AWS::IAM::Role', 1);
    expect(s.template.toJSON().Resources[logicalId(s, s.stack.preprocessFunction)].Properties.Environment.Variables.SLUICE_GLUE_JOBS).toBe('{}');
  });
});

describe('SluiceStack with QuickSight on and off', () => {
  const QUICKSIGHT = `${DESIGN_EXAMPLE.replace('dashboards: {}              # see the dashboards issue\n', '')}dashboards:
  revenue:
    table: final.revenue_by_country
    charts:
      - { kind: kpi, measures: ["sum(revenue)"] }
      - { kind: bar, x: country, measures: ["sum(orders)"] }
aws:
  quicksight: { principal: "arn:aws:quicksight:eu-west-1:123456789012:user/default/alice" }
`;
  /** What a local run of the design example put in the catalog: order_month is a derived column, typed only by the engine. */
  const KNOWN = new Map([
    [
      'final.orders',
      [
        { name: 'order_id', type: 'bigint' },
        { name: 'revenue', type: 'decimal(12,2)' },
        { name: 'order_date', type: 'date' },
        { name: 'country', type: 'string' },
        { name: 'order_month', type: 'string', partitionKey: true },
      ],
    ],
  ]);

  it('adds the Athena data source, a dataset per final table and the dashboard, with monitoring, and passes cdk-nag', async () => {
    // Act
    const s = await synth(QUICKSIGHT, { knownColumns: KNOWN });

    // Assess
    s.template.resourceCountIs('AWS::QuickSight::DataSource', 2); // Athena, and the S3 manifest of the CSV table
    s.template.resourceCountIs('AWS::QuickSight::DataSet', 2);
    s.template.resourceCountIs('AWS::QuickSight::Dashboard', 1);
    s.template.hasResourceProperties('AWS::QuickSight::DataSet', {
      Name: 'final.revenue_by_country',
      PhysicalTableMap: Match.objectLike({
        'final-revenue-by-country': { RelationalTable: Match.objectLike({ Schema: 'sluice_final', Name: 'revenue_by_country' }) },
      }),
    });
    s.template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'sluice' });
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(Object.keys(s.template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(3);
    expect(validationReport(s.outdir).pluginReports.every((p) => p.conclusion !== 'failure')).toBe(true);
  });

  it('without QuickSight keeps Athena, monitoring and the CSV manifest, and makes no QuickSight resource', async () => {
    // Act
    const s = await synth(DESIGN_EXAMPLE);

    // Assess
    expect(Object.keys(s.template.toJSON().Resources).filter((id) => s.template.toJSON().Resources[id].Type.startsWith('AWS::QuickSight::'))).toEqual([]);
    s.template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    s.template.resourceCountIs('Custom::SluiceQuickSightManifest', 1);
  });

  it('refuses QuickSight over a derived column the local catalog does not know, naming the job step', async () => {
    // Act
    const err = await synth(QUICKSIGHT).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assess
    expect(err?.message).toContain('jobs.orders_clean.derive');
    expect(err?.message).toContain('sluice run');
  });
});
