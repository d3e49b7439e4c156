/**
 * The preprocess Lambda: the same handler as the local runner, bundled
 * (dist/lambda/<arch>) with the project's sluice.yaml. It takes raw objects
 * from the queue (RawTrigger) and, every 15 minutes, a scheduled event that
 * the handler reads as a sweep of runs left queued (a retry not yet due, an
 * invocation that ran out of time).
 *
 * Its role is written out statement by statement, each on one resource:
 * - S3 through the bucket policies (bucket-access.ts): raw read only, so the
 *   function can never write where its own trigger fires (no recursion);
 *   processed and quarantine read and write; nothing on final, which only the
 *   Glue jobs write (deployed, the Lambda has no built-in publish).
 * - DynamoDB: the items of its four tables and their named indexes.
 * - Glue (direct mode only): the catalog actions the publisher calls, on the
 *   catalog, the processed database and its tables; StartJobRun on the jobs
 *   no Glue trigger starts (glue-plan.ts).
 * - events:PutEvents on its bus, sns:Publish on its topic (and the topic
 *   key's data-key actions SNS needs from a publisher).
 * - Its log group.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AwsConfig } from '../config/schema.js';
import { METRIC_NAMESPACE } from '../core/metrics.js';
import { glueArn } from './arns.js';
import { grantObjects } from './bucket-access.js';
import type { SluiceBuckets } from './buckets.js';
import { acknowledgeWildcardResources } from './nag.js';
import { glueDatabaseNames, glueDatabasePrefix, statePrefix } from './names.js';
import type { RawTrigger } from './raw-trigger.js';
import type { StateTables } from './state-tables.js';

/**
 * nodejs24.x: the newest Node.js runtime this CDK knows, which cdk-nag's
 * AwsSolutions-L1 requires. The bundle is built for node22 (esbuild) and its
 * DuckDB bindings use N-API, whose ABI is stable across Node.js versions, so
 * it runs unchanged on 24.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** How often the scheduled sweep runs. */
export const SWEEP_INTERVAL = Duration.minutes(15);

/** The most a batch waits to fill up before the function is called. */
export const MAX_BATCHING_WINDOW = Duration.seconds(20);

/** Glue catalog actions the direct-mode publisher calls (state/glue/publisher.ts). */
export const LAMBDA_GLUE_CATALOG_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:GetPartitions',
  'glue:BatchCreatePartition',
];

/** DynamoDB item actions the state backends and Powertools' idempotency use (TransactWriteItems is checked per action). */
export const LAMBDA_DYNAMODB_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
  'dynamodb:DescribeTable',
];

export interface PreprocessFunctionProps {
  stackName: string;
  aws: AwsConfig;
  code: lambda.Code;
  buckets: SluiceBuckets;
  tables: StateTables;
  trigger: RawTrigger;
  eventBus: events.IEventBus;
  alertsTopic: sns.ITopic;
  alertsKey: kms.IKey;
  /** Job name in sluice.yaml → Glue job name (SLUICE_GLUE_JOBS). */
  glueJobs: Record<string, string>;
  /** The Glue jobs this function starts (direct mode): glue:StartJobRun on these only. */
  startsJobs: string[];
}

export class PreprocessFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly sweepRule: events.Rule;

  constructor(scope: Construct, id: string, props: PreprocessFunctionProps) {
    super(scope, id);
    const { aws, buckets } = props;
    const direct = aws.catalog === 'direct';

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: aws.retention.logDays as logs.RetentionDays });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.stackName}: the preprocess Lambda`,
    });
    this.logGroup.grantWrite(this.role);

    const databases = glueDatabaseNames(props.stackName);
    this.function = new lambda.Function(this, 'Function', {
      description: `${props.stackName}: preprocesses raw files into the processed zone`,
      runtime: LAMBDA_RUNTIME,
      handler: 'index.handler',
      code: props.code,
      architecture: aws.lambda.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      memorySize: aws.lambda.memoryMb,
      timeout: Duration.seconds(aws.lambda.timeoutSeconds),
      ephemeralStorageSize: Size.mebibytes(aws.lambda.ephemeralStorageMb),
      ...(aws.lambda.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: aws.lambda.reservedConcurrency } : {}),
      role: this.role,
      logGroup: this.logGroup,
      // The only asynchronous invocation is the sweep, and the next one comes 15 minutes later: no retries.
      retryAttempts: 0,
      environment: {
        SLUICE_ZONE_RAW: `s3://${buckets.raw.bucketName}/`,
        SLUICE_ZONE_PROCESSED: `s3://${buckets.processed.bucketName}/`,
        SLUICE_ZONE_FINAL: `s3://${buckets.final.bucketName}/`,
        SLUICE_ZONE_QUARANTINE: `s3://${buckets.quarantine.bucketName}/`,
        SLUICE_STATE_PREFIX: statePrefix(props.stackName),
        SLUICE_GLUE_DATABASE_PREFIX: glueDatabasePrefix(props.stackName),
        SLUICE_CATALOG: aws.catalog,
        SLUICE_GLUE_JOBS: JSON.stringify(props.glueJobs),
        SLUICE_EVENT_BUS: props.eventBus.eventBusName,
        SLUICE_SNS_TOPIC_ARN: props.alertsTopic.topicArn,
        SLUICE_IDEMPOTENCY_TABLE: props.tables.idempotency.tableName,
        POWERTOOLS_SERVICE_NAME: props.stackName,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    });

    // With reserved concurrency, the poller is held to it too: messages wait in the queue rather than being
    // throttled into the dead-letter queue (SQS event sources take at least 2).
    const reserved = aws.lambda.reservedConcurrency;
    this.function.addEventSource(
      new SqsEventSource(props.trigger.queue, {
        batchSize: 10,
        maxBatchingWindow: MAX_BATCHING_WINDOW,
        reportBatchItemFailures: true,
        ...(reserved !== undefined ? { maxConcurrency: Math.max(2, reserved) } : {}),
      }),
    );

    // The scheduled event goes as it is: the handler reads `source: aws.events`, `detail-type: Scheduled Event` as a sweep.
    this.sweepRule = new events.Rule(this, 'Sweep', {
      description: 'Every 15 minutes: the preprocess Lambda works runs left queued',
      schedule: events.Schedule.rate(SWEEP_INTERVAL),
      targets: [new targets.LambdaFunction(this.function)],
    });

    grantObjects(buckets.raw, this.role, 'read');
    grantObjects(buckets.processed, this.role, 'readWrite');
    grantObjects(buckets.quarantine, this.role, 'readWrite');

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunState',
        actions: LAMBDA_DYNAMODB_ACTIONS,
        resources: props.tables.all.flatMap(({ table, indexes }) => [table.tableArn, ...indexes.map((i) => `${table.tableArn}/index/${i}`)]),
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PipelineEvents', actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'Alerts', actions: ['sns:Publish'], resources: [props.alertsTopic.topicArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'AlertsKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.alertsKey.keyArn] }));

    if (direct) {
      const tableArns = [glueArn(this, 'table', `${databases.processed}/*`)];
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'GlueCatalog',
          actions: LAMBDA_GLUE_CATALOG_ACTIONS,
          resources: [glueArn(this, 'catalog'), glueArn(this, 'database', databases.processed), ...tableArns],
        }),
      );
      acknowledgeWildcardResources(
        this.role,
        tableArns,
        'Table names are dataset names, known only when a file arrives (any CSV dropped into raw makes a table): the grant is held to the tables of this stack’s processed Glue database.',
      );
      if (props.startsJobs.length > 0) {
        this.role.addToPolicy(
          new iam.PolicyStatement({ sid: 'StartJobs', actions: ['glue:StartJobRun'], resources: props.startsJobs.map((name) => glueArn(this, 'job', name)) }),
        );
      }
    }
  }
}
