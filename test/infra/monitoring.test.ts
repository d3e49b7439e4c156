/**
 * The Monitoring construct read from its synthesized CloudFormation template:
 * the dashboard's widgets, the alarms and what they notify, the EventBridge
 * rules and their messages, the topic's subscriptions and policies, and
 * cdk-nag's findings after a synth. The stack holds real resources created
 * in the test (a function with inline code, since nothing runs; queues; a
 * KMS-encrypted topic; a bus); nothing is deployed.
 */
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { Monitoring, PIPELINE_METRICS } from '../../src/infra/monitoring.js';
import { STAGES } from '../../src/stages/runs.js';
import { config, pipeline, testStack, validationReport } from '../helpers/infra.js';
import { tempDir } from '../helpers/project.js';

const ALERTS: ConfigInput['aws'] = { alerts: { email: ['ops@example.com', 'data@example.com'], https: ['https://hooks.example.com/sluice'] } };

function build(opts: { glueJobNames?: string[]; crawlerNames?: string[]; withLogGroup?: boolean; app?: App } = {}) {
  const { app, stack } = testStack(opts.app);
  const parts = pipeline(stack);
  const monitoring = new Monitoring(stack, 'Monitoring', {
    config: config({ aws: ALERTS }),
    stackName: 'sluice',
    fn: parts.fn,
    ...(opts.withLogGroup === false ? {} : { logGroup: parts.logGroup }),
    queue: parts.queue,
    deadLetterQueue: parts.deadLetterQueue,
    topic: parts.topic,
    eventBus: parts.eventBus,
    glueJobNames: opts.glueJobNames ?? ['sluice-orders_clean', 'sluice-revenue_by_country'],
    crawlerNames: opts.crawlerNames ?? ['sluice-processed'],
  });
  return { app, stack, monitoring, ...parts };
}

const id = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; query?: string; alarms?: unknown[] };
}

/** The dashboard body as JSON, with each reference written as the logical id it points to. */
function dashboardWidgets(template: Template): Widget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((p) => {
      if (typeof p === 'string') return p;
      const ref = p as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return ref.Ref ?? ref['Fn::GetAtt']?.join('.') ?? JSON.stringify(p);
    })
    .join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

describe('the dashboard', () => {
  it('is named after the stack and graphs the pipeline metrics of the Lambda contract', () => {
    // Prepare
    const { stack } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'sluice' });
    const widgets = dashboardWidgets(template);
    const byTitle = new Map(widgets.map((w) => [w.properties.title, w.properties]));
    expect(byTitle.get('Files in, processed, quarantined')?.metrics).toEqual(
      ['FilesIn', 'FilesProcessed', 'FilesQuarantined'].map((name) => ['Sluice', name, 'service', 'sluice', { label: name, stat: 'Sum' }]),
    );
    expect(byTitle.get('Rows out and rejected')?.metrics).toEqual(
      ['RowsOut', 'RowsRejected'].map((name) => ['Sluice', name, 'service', 'sluice', { label: name, stat: 'Sum' }]),
    );
    expect(byTitle.get('Run duration by stage (p50, p99)')?.metrics).toEqual(
      STAGES.flatMap((s) => [
        ['Sluice', 'RunDuration', 'service', 'sluice', 'stage', s, { label: `${s} p50`, stat: 'p50' }],
        ['Sluice', 'RunDuration', 'service', 'sluice', 'stage', s, { label: `${s} p99`, stat: 'p99' }],
      ]),
    );
    expect(byTitle.get('Run errors by stage')?.metrics).toEqual(
      STAGES.map((s) => ['Sluice', 'RunErrors', 'service', 'sluice', 'stage', s, { label: s, stat: 'Sum' }]),
    );
    expect(STAGES).toEqual(['preprocess', 'crawl', 'publish', 'job']);
    expect(PIPELINE_METRICS.counts).toEqual(['FilesIn', 'FilesProcessed', 'FilesQuarantined', 'RowsOut', 'RowsRejected']);
  });

  it('graphs the function, the queue, the dead letters and each Glue job, and shows the alarms and the latest errors', () => {
    // Prepare
    const { stack, fn, queue, deadLetterQueue, logGroup, monitoring } = build();

    // Act
    const widgets = dashboardWidgets(Template.fromStack(stack));

    // Assess
    const byTitle = new Map(widgets.map((w) => [w.properties.title, w.properties]));
    const fnName = id(stack, fn);
    expect(byTitle.get('Function errors and throttles')?.metrics).toEqual([
      ['AWS/Lambda', 'Errors', 'FunctionName', fnName, { label: 'Errors', stat: 'Sum' }],
      ['AWS/Lambda', 'Throttles', 'FunctionName', fnName, { label: 'Throttles', stat: 'Sum' }],
    ]);
    expect(byTitle.get('Function duration (p50, p99)')?.metrics).toEqual([
      ['AWS/Lambda', 'Duration', 'FunctionName', fnName, { label: 'p50', stat: 'p50' }],
      ['AWS/Lambda', 'Duration', 'FunctionName', fnName, { label: 'p99', stat: 'p99' }],
    ]);
    expect(byTitle.get('Queue: age of oldest message')?.metrics).toEqual([
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', `${id(stack, queue)}.QueueName`, { label: 'seconds', stat: 'Maximum' }],
    ]);
    expect(byTitle.get('Dead-letter queue depth')?.metrics).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `${id(stack, deadLetterQueue)}.QueueName`, { label: 'messages visible', stat: 'Maximum' }],
    ]);
    expect(byTitle.get('Glue job runs: tasks completed and failed')?.metrics).toEqual(
      ['sluice-orders_clean', 'sluice-revenue_by_country'].flatMap((job) => [
        ['Glue', 'glue.driver.aggregate.numCompletedTasks', 'JobName', job, 'JobRunId', 'ALL', 'Type', 'count', { label: `${job} completed`, stat: 'Sum' }],
        ['Glue', 'glue.driver.aggregate.numFailedTasks', 'JobName', job, 'JobRunId', 'ALL', 'Type', 'count', { label: `${job} failed`, stat: 'Sum' }],
      ]),
    );
    expect(byTitle.get('Alarms')?.alarms).toEqual(monitoring.alarms.map((a) => `${stack.getLogicalId(a.node.defaultChild as never)}.Arn`));
    expect(byTitle.get('Latest errors and warnings')?.query).toBe(
      `SOURCE '${id(stack, logGroup)}' | fields @timestamp, level, message, stage, subject, error\n| filter level like /(?i)^(error|warn)/\n| sort @timestamp desc\n| limit 50`,
    );
  });

  it('leaves out the Glue widget and rules without Glue jobs or crawlers, and the log widget without a log group', () => {
    // Prepare
    const { stack } = build({ glueJobNames: [], crawlerNames: [], withLogGroup: false });

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const titles = dashboardWidgets(template).map((w) => w.properties.title);
    expect(titles).not.toContain('Glue job runs: tasks completed and failed');
    expect(titles).not.toContain('Latest errors and warnings');
    expect(
      Object.values(template.findResources('AWS::Events::Rule')).map(
        (r) => (r as { Properties: { EventPattern: { source: string[] } } }).Properties.EventPattern.source,
      ),
    ).toEqual([['sluice'], ['sluice']]);
  });
});

describe('alarms', () => {
  it('alarm on function errors, dead letters and run errors, notifying the topic on alarm and recovery', () => {
    // Prepare
    const { stack, fn, deadLetterQueue, topic } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const notify = { AlarmActions: [{ Ref: id(stack, topic) }], OKActions: [{ Ref: id(stack, topic) }] };
    const atLeastOne = { Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' };
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...atLeastOne,
      ...notify,
      AlarmName: 'sluice-lambda-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack, fn) } }],
      Period: 300,
      Statistic: 'Sum',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...atLeastOne,
      ...notify,
      AlarmName: 'sluice-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, deadLetterQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...atLeastOne,
      ...notify,
      AlarmName: 'sluice-run-errors',
      Metrics: [
        { Id: 'expr_1', Expression: 'SUM(METRICS())', Label: 'run errors, all stages' },
        ...STAGES.map((s) => ({
          Id: s,
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'Sluice',
              MetricName: 'RunErrors',
              Dimensions: [
                { Name: 'service', Value: 'sluice' },
                { Name: 'stage', Value: s },
              ],
            },
            Period: 300,
            Stat: 'Sum',
          },
        })),
      ],
    });
  });
});

describe('EventBridge rules', () => {
  it('send failed or timed-out Glue jobs and failed crawlers from the default bus to the topic, as readable text', () => {
    // Prepare
    const { stack, topic } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.glue'],
        'detail-type': ['Glue Job State Change'],
        detail: { jobName: ['sluice-orders_clean', 'sluice-revenue_by_country'], state: ['FAILED', 'TIMEOUT'] },
      },
      Targets: [
        {
          Arn: { Ref: id(stack, topic) },
          InputTransformer: {
            InputPathsMap: {
              'detail-jobName': '$.detail.jobName',
              'detail-state': '$.detail.state',
              'detail-jobRunId': '$.detail.jobRunId',
              'detail-message': '$.detail.message',
            },
            InputTemplate: '"Sluice sluice: Glue job <detail-jobName> ended <detail-state> (run <detail-jobRunId>): <detail-message>"',
          },
        },
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: { source: ['aws.glue'], 'detail-type': ['Glue Crawler State Change'], detail: { crawlerName: ['sluice-processed'], state: ['Failed'] } },
      Targets: [
        {
          Arn: { Ref: id(stack, topic) },
          InputTransformer: {
            InputPathsMap: { 'detail-crawlerName': '$.detail.crawlerName', 'detail-errorMessage': '$.detail.errorMessage' },
            InputTemplate: '"Sluice sluice: Glue crawler <detail-crawlerName> failed: <detail-errorMessage>"',
          },
        },
      ],
    });
  });

  it("carry the pipeline's schema changes, with their column diff, and quarantined files from the stack's bus", () => {
    // Prepare
    const { stack, topic, eventBus } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const bus = { Ref: id(stack, eventBus) };
    const schema = Object.values(
      template.findResources('AWS::Events::Rule', { Properties: { EventBusName: bus, EventPattern: { 'detail-type': ['schema.changed'] } } }),
    );
    expect(schema).toHaveLength(1);
    const schemaRule = (
      schema[0] as { Properties: { EventPattern: unknown; Targets: { Arn: unknown; InputTransformer: { InputPathsMap: object; InputTemplate: string } }[] } }
    ).Properties;
    expect(schemaRule.EventPattern).toEqual({ source: ['sluice'], 'detail-type': ['schema.changed'] });
    expect(schemaRule.Targets[0]?.Arn).toEqual({ Ref: id(stack, topic) });
    expect(schemaRule.Targets[0]?.InputTransformer.InputPathsMap).toEqual({
      'detail-table': '$.detail.table',
      'detail-version': '$.detail.version',
      'detail-policy': '$.detail.policy',
      'detail-applied': '$.detail.applied',
      'detail-diff': '$.detail.diff',
      detail: '$.detail',
    });
    // The template is JSON with placeholders: fill them as EventBridge does and read the message back.
    const diff = {
      added: [{ name: 'discount', type: 'DOUBLE', nullable: true }],
      removed: [],
      widened: [{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }],
      changed: [],
    };
    const event = { type: 'schema.changed', table: 'processed.orders', version: 3, policy: 'update', applied: true, diff };
    const message = JSON.parse(
      schemaRule.Targets[0]?.InputTransformer.InputTemplate.replace('<detail-table>', event.table)
        .replace('<detail-version>', String(event.version))
        .replace('<detail-policy>', event.policy)
        .replace('<detail-applied>', String(event.applied))
        .replace('<detail-diff>', JSON.stringify(diff))
        .replace('<detail>', JSON.stringify(event)) as string,
    );
    expect(message).toEqual({
      summary: 'Sluice sluice: the schema of processed.orders changed (version 3, policy update, applied: true)',
      diff,
      event,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus,
      EventPattern: { source: ['sluice'], 'detail-type': ['run.quarantined'] },
      Targets: [
        {
          Arn: { Ref: id(stack, topic) },
          InputTransformer: {
            InputPathsMap: { 'detail-subject': '$.detail.subject', 'detail-stage': '$.detail.stage', 'detail-error': '$.detail.error', detail: '$.detail' },
            InputTemplate: '{"summary":"Sluice sluice: <detail-subject> was quarantined by <detail-stage>: <detail-error>","event":<detail>}',
          },
        },
      ],
    });
  });
});

describe('the topic', () => {
  it('is subscribed by the emails and HTTPS endpoints of aws.alerts', () => {
    // Prepare
    const { stack, topic } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: object }).Properties);
    expect(subscriptions).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: id(stack, topic) } },
      { Protocol: 'email', Endpoint: 'data@example.com', TopicArn: { Ref: id(stack, topic) } },
      { Protocol: 'https', Endpoint: 'https://hooks.example.com/sluice', TopicArn: { Ref: id(stack, topic) } },
    ]);
  });

  it('lets CloudWatch alarms and EventBridge publish, and use its KMS key', () => {
    // Prepare
    const { stack, topic, key } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: id(stack, topic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: service }, Resource: { Ref: id(stack, topic) } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Principal: { Service: service }, Resource: '*' }),
          ]),
        },
      });
    }
    expect(id(stack, key)).toMatch(/^TopicKey/);
  });
});

describe('security checks', () => {
  it('passes cdk-nag AwsSolutions and CloudFormation validation with no open finding', () => {
    // Prepare
    const app = new App({ outdir: tempDir('sluice-cdk-') });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    build({ app });

    // Act
    app.synth();

    // Assess
    const { open, acknowledged } = validationReport(app);
    expect(open).toEqual([]);
    expect(acknowledged.filter((f) => f.plugin === 'AwsSolutions')).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(app)).toEqual({ success: true, violations: [] });
  });
});
