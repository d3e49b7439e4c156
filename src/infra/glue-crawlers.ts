/**
 * aws.catalog: crawler — the seed architecture's Glue crawlers over the
 * processed bucket, one per planned target (glue-plan.ts explains the
 * layout), each in S3 event mode (RecrawlPolicy CRAWL_EVENT_MODE): after its
 * first full listing a crawler lists only the folders its queue names, on
 * aws.glue.crawlerSchedule.
 *
 * Each crawler has its own queue (a crawler deletes the messages it consumed,
 * so two crawlers cannot share one), fed from the processed bucket's
 * EventBridge events by two rules (created, removed; Glue asks for removals
 * too, so a partition whose files left is not recreated). Glue reads S3
 * event-notification messages (`Records[].s3…`) from the queue, the format S3
 * sends to SQS itself; EventBridge's event has another shape, so the rules'
 * input transformer writes each event in that format.
 *
 * Tables are made one level below the bucket (TableLevelConfiguration 2):
 * `s3://<processed>/orders/…` is table `orders`, its `key=value` folders its
 * partitions, as the direct catalog names them.
 *
 * Schema changes: `datasets.<name>.schemaChange` update → UPDATE_IN_DATABASE,
 * log → LOG. Glue has no "fail": a crawler cannot refuse a file, so fail maps
 * to LOG (the table keeps its schema; the crawl log records the change) and
 * the crawler's description says so. Deletions are only logged: a table is
 * never dropped because its files are gone.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { glueArn } from './arns.js';
import { grantObjects } from './bucket-access.js';
import type { GlueCatalog } from './glue-catalog.js';
import type { CrawlerPlan, SchemaChange } from './glue-plan.js';
import { acknowledge, acknowledgeWildcardResources } from './nag.js';

export const UPDATE_BEHAVIOR: Record<SchemaChange, 'UPDATE_IN_DATABASE' | 'LOG'> = { update: 'UPDATE_IN_DATABASE', log: 'LOG', fail: 'LOG' };

/** One table per first-level folder, partitions inheriting the table's schema. */
export const CRAWLER_CONFIGURATION = JSON.stringify({
  Version: 1.0,
  Grouping: { TableLevelConfiguration: 2 },
  CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
});

/** What a crawler does in the catalog: read, create and update tables and partitions (never delete). */
export const CRAWLER_GLUE_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
];

/** The queue actions Glue's guide lists for an event-mode crawler's role. */
export const CRAWLER_QUEUE_ACTIONS = [
  'sqs:DeleteMessage',
  'sqs:GetQueueUrl',
  'sqs:ListDeadLetterSourceQueues',
  'sqs:ReceiveMessage',
  'sqs:GetQueueAttributes',
  'sqs:ListQueueTags',
  'sqs:SetQueueAttributes',
  'sqs:PurgeQueue',
];

/** An S3 event notification record (the format S3 sends to SQS) made from an EventBridge S3 event. */
function s3NotificationOf(eventName: 'ObjectCreated:Put' | 'ObjectRemoved:Delete'): events.RuleTargetInput {
  return events.RuleTargetInput.fromObject({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: events.EventField.region,
        eventTime: events.EventField.time,
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: events.EventField.fromPath('$.detail.bucket.name') },
          object: { key: events.EventField.fromPath('$.detail.object.key'), sequencer: events.EventField.fromPath('$.detail.object.sequencer') },
        },
      },
    ],
  });
}

export interface GlueCrawlersProps {
  plan: CrawlerPlan[];
  processed: s3.Bucket;
  catalog: GlueCatalog;
  /** aws.glue.crawlerSchedule */
  schedule: string;
}

export class GlueCrawlers extends Construct {
  readonly role: iam.Role;
  readonly crawlers: glue.CfnCrawler[] = [];
  readonly crawlerNames: string[] = [];
  /** Each crawler's event queue, by crawler name. */
  readonly queues = new Map<string, sqs.Queue>();

  constructor(scope: Construct, id: string, props: GlueCrawlersProps) {
    super(scope, id);
    const { catalog, processed } = props;
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'), description: 'Glue crawlers of the processed zone' });
    grantObjects(processed, this.role, 'read');

    const tables = glueArn(this, 'table', `${catalog.processedDatabaseName}/*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Catalog',
        actions: CRAWLER_GLUE_ACTIONS,
        resources: [glueArn(this, 'catalog'), glueArn(this, 'database', catalog.processedDatabaseName), tables],
      }),
    );
    const logs = catalog.grantRunner(this.role, '/aws-glue/crawlers*');
    acknowledgeWildcardResources(
      this.role,
      [tables],
      'Crawlers create one table per dataset folder, named when data arrives: the grant is held to the processed database’s tables.',
    );
    acknowledgeWildcardResources(
      this.role,
      [logs],
      'Glue names the crawler log groups itself, from the role and security configuration (/aws-glue/crawlers-role/…): the grant is held to Glue’s crawler log groups.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'glue:GetSecurityConfiguration has no resource-level permissions (IAM service authorization reference); it reads encryption settings only.',
    );

    const queueArns: string[] = [];
    for (const crawler of props.plan) {
      const suffix = crawler.dataset ?? 'Rest';
      const deadLetters = new sqs.Queue(this, `DeadLetters-${suffix}`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, `Events-${suffix}`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      });
      this.queues.set(crawler.name, queue);
      queueArns.push(queue.queueArn);
      const key = crawler.dataset === undefined ? {} : { object: { key: events.Match.prefix(`${crawler.dataset}/`) } };
      for (const [detailType, eventName] of [
        ['Object Created', 'ObjectCreated:Put'],
        ['Object Deleted', 'ObjectRemoved:Delete'],
      ] as const) {
        new events.Rule(this, `${detailType.replace(' ', '')}-${suffix}`, {
          description: `${detailType} in the processed bucket${crawler.dataset ? ` under ${crawler.dataset}/` : ''}, for crawler ${crawler.name}`,
          eventPattern: { source: ['aws.s3'], detailType: [detailType], detail: { bucket: { name: [processed.bucketName] }, ...key } },
          targets: [new targets.SqsQueue(queue, { message: s3NotificationOf(eventName), deadLetterQueue: deadLetters })],
        });
      }

      const path = `s3://${processed.bucketName}/${crawler.dataset === undefined ? '' : `${crawler.dataset}/`}`;
      const resource = new glue.CfnCrawler(this, `Crawler-${suffix}`, {
        name: crawler.name,
        description:
          crawler.schemaChange === 'fail'
            ? `processed.${crawler.dataset}: schemaChange is fail in sluice.yaml; a Glue crawler cannot refuse a file, so schema changes are logged (LOG) and the table keeps its schema`
            : crawler.dataset === undefined
              ? 'Datasets without a crawler of their own (sluice.yaml does not name them)'
              : `processed.${crawler.dataset} (schemaChange: ${crawler.schemaChange})`,
        role: this.role.roleArn,
        databaseName: catalog.processedDatabaseName,
        targets: { s3Targets: [{ path, eventQueueArn: queue.queueArn, ...(crawler.exclusions.length ? { exclusions: crawler.exclusions } : {}) }] },
        recrawlPolicy: { recrawlBehavior: 'CRAWL_EVENT_MODE' },
        schemaChangePolicy: { updateBehavior: UPDATE_BEHAVIOR[crawler.schemaChange], deleteBehavior: 'LOG' },
        schedule: { scheduleExpression: props.schedule },
        configuration: CRAWLER_CONFIGURATION,
        crawlerSecurityConfiguration: catalog.securityConfigurationName,
      });
      // Glue checks at creation that the role reaches the S3 path and the queue, and that the database and
      // security configuration exist (names, not references): create it after all of them.
      resource.node.addDependency(this.role, processed.policy ?? processed, catalog.processedDatabase, catalog.securityConfiguration);
      this.crawlers.push(resource);
      this.crawlerNames.push(crawler.name);
    }
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'EventQueues', actions: CRAWLER_QUEUE_ACTIONS, resources: queueArns }));
  }
}
