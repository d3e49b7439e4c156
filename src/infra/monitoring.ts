/**
 * Monitoring and alerts for `sluice deploy aws`: a CloudWatch dashboard of
 * the pipeline (files, rows, run durations and errors per stage, the
 * function, the queues, the Glue jobs), alarms that notify the stack's SNS
 * topic, the topic's subscriptions from `aws.alerts`, and EventBridge rules
 * that carry failures (Glue jobs, crawlers) and the pipeline's own events
 * (schema changes with their column diff, quarantined files) to the topic.
 *
 * The metric names are a contract with the Lambda, which emits them with
 * Powertools (EMF): namespace `Sluice`, dimension `service` = the stack name,
 * and `stage` for the per-stage metrics. They are exported here so both
 * sides use one list.
 *
 * A KMS-encrypted topic must let CloudWatch and EventBridge use its key: the
 * topic is granted to both services (topic policy and key policy). A topic
 * imported by ARN takes neither; its owner grants them.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SluiceConfig } from '../config/schema.js';
import { COUNT_METRICS, EVENT_SOURCE, METRIC_DIMENSIONS, METRIC_NAMESPACE, METRICS } from '../core/metrics.js';
import { STAGES } from '../stages/runs.js';

/** The metrics the Lambda emits (Powertools EMF) and the dashboard and alarms read. */
export const PIPELINE_METRICS = {
  namespace: METRIC_NAMESPACE,
  /** Dimension of every metric: the stack name. */
  serviceDimension: METRIC_DIMENSIONS.service,
  /** Second dimension of the per-stage metrics. */
  stageDimension: METRIC_DIMENSIONS.stage,
  stages: STAGES,
  /** Counts (unit Count), dimension `service` only. */
  counts: COUNT_METRICS,
  /** Count, dimensions `service` and `stage`. */
  runErrors: METRICS.runErrors,
  /** Milliseconds, dimensions `service` and `stage`. */
  runDuration: METRICS.runDuration,
} as const;

export { EVENT_SOURCE };

export interface MonitoringProps {
  config: SluiceConfig;
  stackName: string;
  fn: lambda.IFunction;
  logGroup?: logs.ILogGroup;
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  topic: sns.ITopic;
  eventBus: events.IEventBus;
  glueJobNames: string[];
  crawlerNames: string[];
}

const PERIOD = Duration.minutes(5);

export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.IAlarm[];
  /** The EventBridge rules that notify the topic. */
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stackName, topic } = props;
    const metric = (metricName: string, statistic: string, stage?: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: PIPELINE_METRICS.namespace,
        metricName,
        dimensionsMap: { [PIPELINE_METRICS.serviceDimension]: stackName, ...(stage ? { [PIPELINE_METRICS.stageDimension]: stage } : {}) },
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });

    // CloudWatch alarms and EventBridge publish to the topic (and use its key, when it has one).
    topic.grantPublish(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    for (const email of props.config.aws.alerts.email) topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of props.config.aws.alerts.https)
      topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));

    // Alarms.
    const runErrors = new cloudwatch.MathExpression({
      expression: 'SUM(METRICS())',
      usingMetrics: Object.fromEntries(STAGES.map((s) => [s, metric(PIPELINE_METRICS.runErrors, 'Sum', s)])),
      label: 'run errors, all stages',
      period: PERIOD,
    });
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const lambdaErrors = new cloudwatch.Alarm(this, 'LambdaErrors', {
      ...atLeastOne,
      alarmName: `${stackName}-lambda-errors`,
      alarmDescription: `Sluice ${stackName}: the pipeline function failed at least once in 5 minutes (see its log group)`,
      metric: props.fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
    });
    const deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      ...atLeastOne,
      alarmName: `${stackName}-dead-letters`,
      alarmDescription: `Sluice ${stackName}: events are waiting in the dead-letter queue (files that failed every attempt); replay them once the cause is fixed`,
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
    });
    const runErrorsAlarm = new cloudwatch.Alarm(this, 'RunErrors', {
      ...atLeastOne,
      alarmName: `${stackName}-run-errors`,
      alarmDescription: `Sluice ${stackName}: a pipeline run (${STAGES.join(', ')}) failed in the last 5 minutes`,
      metric: runErrors,
    });
    const alarms = [lambdaErrors, deadLetters, runErrorsAlarm];
    this.alarms = alarms;
    for (const alarm of alarms) {
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
    }

    // Failures of the Glue jobs and crawlers: AWS services put their events on the account's default bus.
    const toTopic = (message: events.RuleTargetInput) => new targets.SnsTopic(topic, { message });
    if (props.glueJobNames.length) {
      this.rules.push(
        new events.Rule(this, 'GlueJobFailed', {
          description: `Sluice ${stackName}: a Glue job failed or timed out`,
          eventPattern: { source: ['aws.glue'], detailType: ['Glue Job State Change'], detail: { jobName: props.glueJobNames, state: ['FAILED', 'TIMEOUT'] } },
          targets: [
            toTopic(
              events.RuleTargetInput.fromText(
                `Sluice ${stackName}: Glue job ${events.EventField.fromPath('$.detail.jobName')} ended ${events.EventField.fromPath('$.detail.state')} (run ${events.EventField.fromPath('$.detail.jobRunId')}): ${events.EventField.fromPath('$.detail.message')}`,
              ),
            ),
          ],
        }),
      );
    }
    if (props.crawlerNames.length) {
      this.rules.push(
        new events.Rule(this, 'CrawlerFailed', {
          description: `Sluice ${stackName}: a Glue crawler failed`,
          eventPattern: { source: ['aws.glue'], detailType: ['Glue Crawler State Change'], detail: { crawlerName: props.crawlerNames, state: ['Failed'] } },
          targets: [
            toTopic(
              events.RuleTargetInput.fromText(
                `Sluice ${stackName}: Glue crawler ${events.EventField.fromPath('$.detail.crawlerName')} failed: ${events.EventField.fromPath('$.detail.errorMessage')}`,
              ),
            ),
          ],
        }),
      );
    }

    // The pipeline's own events, from the stack's bus, with the event (a schema change's column diff included).
    const detail = events.EventField.fromPath('$.detail');
    this.rules.push(
      new events.Rule(this, 'SchemaChanged', {
        eventBus: props.eventBus,
        description: `Sluice ${stackName}: a table's schema changed`,
        eventPattern: { source: [EVENT_SOURCE], detailType: ['schema.changed'] },
        targets: [
          toTopic(
            events.RuleTargetInput.fromObject({
              summary: `Sluice ${stackName}: the schema of ${events.EventField.fromPath('$.detail.table')} changed (version ${events.EventField.fromPath('$.detail.version')}, policy ${events.EventField.fromPath('$.detail.policy')}, applied: ${events.EventField.fromPath('$.detail.applied')})`,
              diff: events.EventField.fromPath('$.detail.diff'),
              event: detail,
            }),
          ),
        ],
      }),
      new events.Rule(this, 'FileQuarantined', {
        eventBus: props.eventBus,
        description: `Sluice ${stackName}: a file was quarantined`,
        eventPattern: { source: [EVENT_SOURCE], detailType: ['run.quarantined'] },
        targets: [
          toTopic(
            events.RuleTargetInput.fromObject({
              summary: `Sluice ${stackName}: ${events.EventField.fromPath('$.detail.subject')} was quarantined by ${events.EventField.fromPath('$.detail.stage')}: ${events.EventField.fromPath('$.detail.error')}`,
              event: detail,
            }),
          ),
        ],
      }),
    );

    // The dashboard.
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: stackName, defaultInterval: Duration.hours(24) });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const counts = (names: readonly (typeof PIPELINE_METRICS.counts)[number][]) => names.map((name) => metric(name, 'Sum', undefined, name));
    this.dashboard.addWidgets(
      graph('Files in, processed, quarantined', counts(['FilesIn', 'FilesProcessed', 'FilesQuarantined'])),
      graph('Rows out and rejected', counts(['RowsOut', 'RowsRejected'])),
    );
    this.dashboard.addWidgets(
      graph(
        'Run duration by stage (p50, p99)',
        STAGES.flatMap((s) => [metric(PIPELINE_METRICS.runDuration, 'p50', s, `${s} p50`), metric(PIPELINE_METRICS.runDuration, 'p99', s, `${s} p99`)]),
      ),
      graph(
        'Run errors by stage',
        STAGES.map((s) => metric(PIPELINE_METRICS.runErrors, 'Sum', s, s)),
      ),
    );
    this.dashboard.addWidgets(
      graph('Function errors and throttles', [
        props.fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'Errors' }),
        props.fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'Throttles' }),
      ]),
      graph('Function duration (p50, p99)', [
        props.fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        props.fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Queue: age of oldest message', [props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'seconds' })]),
      graph('Dead-letter queue depth', [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'messages visible' }),
      ]),
    );
    if (props.glueJobNames.length) {
      const glue = (job: string, metricName: string, label: string) =>
        new cloudwatch.Metric({
          namespace: 'Glue',
          metricName,
          dimensionsMap: { JobName: job, JobRunId: 'ALL', Type: 'count' },
          statistic: 'Sum',
          period: PERIOD,
          label,
        });
      this.dashboard.addWidgets(
        graph(
          'Glue job runs: tasks completed and failed',
          props.glueJobNames.flatMap((job) => [
            glue(job, 'glue.driver.aggregate.numCompletedTasks', `${job} completed`),
            glue(job, 'glue.driver.aggregate.numFailedTasks', `${job} failed`),
          ]),
          24,
        ),
      );
    }
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }));
    if (props.logGroup) {
      this.dashboard.addWidgets(
        new cloudwatch.LogQueryWidget({
          title: 'Latest errors and warnings',
          logGroupNames: [props.logGroup.logGroupName],
          queryLines: ['fields @timestamp, level, message, stage, subject, error', 'filter level like /(?i)^(error|warn)/', 'sort @timestamp desc', 'limit 50'],
          width: 24,
          height: 8,
        }),
      );
    }
  }
}
