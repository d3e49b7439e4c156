/**
 * The Sluice stack: the seed architecture on AWS from one sluice.yaml.
 *
 *   raw bucket ─EventBridge─► rule (input endings) ─► SQS (+DLQ) ─► preprocess Lambda ─► processed / quarantine
 *                                                     schedule (15 min) ─┘        │
 *   direct:  the Lambda registers tables in Glue and starts the processed-source Glue jobs
 *   crawler: processed bucket ─EventBridge─► SQS per crawler ─► Glue crawlers ─trigger─► Glue jobs
 *   Glue job SUCCEEDED ─trigger─► the jobs reading its table ─► final bucket, final database
 *
 * Each part is a construct of its own file; this class composes them and
 * exposes what the monitoring and analytics constructs build on.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { SluiceConfig } from '../config/schema.js';
import { Analytics, finalTableSchemas, type KnownTables, processedTableSchemas } from './analytics.js';
import { SluiceBuckets } from './buckets.js';
import { EventsAndAlerts } from './events-and-alerts.js';
import { GlueCatalog } from './glue-catalog.js';
import { GlueCrawlers } from './glue-crawlers.js';
import { GlueJobs } from './glue-jobs.js';
import { planGlue } from './glue-plan.js';
import { GlueTriggers } from './glue-triggers.js';
import { Monitoring } from './monitoring.js';
import { PreprocessFunction } from './preprocess-function.js';
import { RawTrigger } from './raw-trigger.js';
import { StateTables } from './state-tables.js';

export interface SluiceStackProps extends StackProps {
  stackName: string;
  config: SluiceConfig;
  /** Where sluice.yaml is (for errors). */
  configFile: string;
  /** The Lambda package: the bundle with sluice.yaml beside it. */
  lambdaCode: lambda.Code;
  /** Job name in sluice.yaml → the file of its generated Glue script. */
  glueScripts: ReadonlyMap<string, string>;
  /** The local catalog's tables and columns (QuickSight datasets need typed columns); empty when the project never ran locally. */
  knownColumns?: KnownTables;
}

export class SluiceStack extends Stack {
  readonly config: SluiceConfig;
  readonly buckets: SluiceBuckets;
  /** The final zone's bucket (Athena and QuickSight read it). */
  readonly finalBucket: s3.Bucket;
  /** Server access logs of the zone buckets. */
  readonly accessLogsBucket: s3.Bucket;
  readonly tables: StateTables;
  readonly eventBus: events.EventBus;
  readonly alertsTopic: sns.Topic;
  /** The alerts topic's key; its policy already admits CloudWatch alarms and EventBridge rules of this account. */
  readonly alertsKey: kms.Key;
  readonly preprocessFunction: lambda.Function;
  readonly preprocessQueue: sqs.Queue;
  readonly preprocessDeadLetterQueue: sqs.Queue;
  readonly processedDatabaseName: string;
  readonly finalDatabaseName: string;
  /** Job name in sluice.yaml → Glue job name. */
  readonly glueJobNames: Readonly<Record<string, string>>;
  /** Glue crawler names (empty with aws.catalog: direct). */
  readonly crawlerNames: readonly string[];
  /** Each crawler's event queue by crawler name (crawler mode). */
  readonly crawlerQueues: ReadonlyMap<string, sqs.Queue>;
  readonly monitoring: Monitoring;
  readonly analytics: Analytics;

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, { ...props, description: `Sluice: event-driven CSV preprocessing (${props.config.aws.catalog} catalog)` });
    const { config, stackName } = props;
    const aws = config.aws;
    this.config = config;
    const plan = planGlue(config, stackName);

    this.buckets = new SluiceBuckets(this, 'Buckets', { names: aws.buckets, retention: aws.retention });
    this.finalBucket = this.buckets.final;
    this.accessLogsBucket = this.buckets.accessLogs;
    this.tables = new StateTables(this, 'State', { stackName });
    const eventsAndAlerts = new EventsAndAlerts(this, 'Events', { stackName });
    this.eventBus = eventsAndAlerts.eventBus;
    this.alertsTopic = eventsAndAlerts.alertsTopic;
    this.alertsKey = eventsAndAlerts.alertsKey;

    const catalog = new GlueCatalog(this, 'Catalog', { stackName });
    this.processedDatabaseName = catalog.processedDatabaseName;
    this.finalDatabaseName = catalog.finalDatabaseName;
    this.glueJobNames = Object.fromEntries(plan.jobs.map((j) => [j.job, j.glueJobName]));
    // Crawlers and jobs by Glue name, for the triggers that name them.
    const named = new Map<string, IConstruct>();
    if (plan.jobs.length > 0) {
      const jobs = new GlueJobs(this, 'Jobs', {
        plan: plan.jobs,
        scripts: props.glueScripts,
        glue: aws.glue,
        catalog,
        processed: this.buckets.processed,
        final: this.buckets.final,
        configFile: props.configFile,
      });
      for (const j of plan.jobs) named.set(j.glueJobName, jobs.jobs.get(j.job) as IConstruct);
    }
    if (plan.crawlers.length > 0) {
      const crawlers = new GlueCrawlers(this, 'Crawlers', {
        plan: plan.crawlers,
        processed: this.buckets.processed,
        catalog,
        schedule: aws.glue.crawlerSchedule,
      });
      crawlers.crawlers.forEach((c, i) => {
        named.set(crawlers.crawlerNames[i] as string, c);
      });
      this.crawlerNames = crawlers.crawlerNames;
      this.crawlerQueues = crawlers.queues;
    } else {
      this.crawlerNames = [];
      this.crawlerQueues = new Map();
    }
    if (plan.triggers.length > 0) {
      new GlueTriggers(this, 'Triggers', { plan: plan.triggers, securityConfigurationName: catalog.securityConfigurationName, resources: named });
    }

    const trigger = new RawTrigger(this, 'Trigger', { raw: this.buckets.raw, functionTimeout: Duration.seconds(aws.lambda.timeoutSeconds) });
    this.preprocessQueue = trigger.queue;
    this.preprocessDeadLetterQueue = trigger.deadLetterQueue;
    const preprocess = new PreprocessFunction(this, 'Preprocess', {
      stackName,
      aws,
      code: props.lambdaCode,
      buckets: this.buckets,
      tables: this.tables,
      trigger,
      eventBus: this.eventBus,
      alertsTopic: this.alertsTopic,
      alertsKey: this.alertsKey,
      glueJobs: { ...this.glueJobNames },
      startsJobs: plan.startedByLambda,
    });
    this.preprocessFunction = preprocess.function;

    // Monitoring (dashboard, alarms, subscriptions, rules) and Analytics (Athena, QuickSight) come last, on what they watch.
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      stackName,
      fn: this.preprocessFunction,
      logGroup: preprocess.logGroup,
      queue: this.preprocessQueue,
      deadLetterQueue: this.preprocessDeadLetterQueue,
      topic: this.alertsTopic,
      eventBus: this.eventBus,
      glueJobNames: Object.values(this.glueJobNames),
      crawlerNames: [...this.crawlerNames],
    });
    const known = props.knownColumns ?? new Map();
    this.analytics = new Analytics(this, 'Analytics', {
      config,
      stackName,
      finalBucket: this.finalBucket,
      accessLogsBucket: this.accessLogsBucket,
      finalDatabaseName: this.finalDatabaseName,
      finalTables: finalTableSchemas(config, known),
      processedDatabaseName: this.processedDatabaseName,
      processedTables: processedTableSchemas(config, known),
    });
    this.addOutputs();
  }

  private addOutputs(): void {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    for (const [zone, bucket] of Object.entries(this.buckets.zones))
      output(`${zone[0]?.toUpperCase()}${zone.slice(1)}Bucket`, bucket.bucketName, `The ${zone} zone`);
    output('AccessLogsBucket', this.accessLogsBucket.bucketName, 'Server access logs of the zone buckets');
    output('PreprocessQueueUrl', this.preprocessQueue.queueUrl, 'New raw objects waiting for the preprocess Lambda');
    output('PreprocessDeadLetterQueueUrl', this.preprocessDeadLetterQueue.queueUrl, 'Raw-object messages that failed three times');
    output('PreprocessFunctionName', this.preprocessFunction.functionName, 'The preprocess Lambda');
    output('ProcessedDatabase', this.processedDatabaseName, 'Glue database of the processed zone');
    output('FinalDatabase', this.finalDatabaseName, 'Glue database of the final zone');
    output('EventBusName', this.eventBus.eventBusName, 'Pipeline events (source sluice)');
    output('AlertsTopicArn', this.alertsTopic.topicArn, 'Alerts for people');
    output('AthenaWorkGroup', this.analytics.workgroup.name, 'Athena workgroup over the processed and final tables');
    output('Dashboard', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of the pipeline');
  }
}
