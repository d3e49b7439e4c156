/**
 * CDK test fixtures: a stack with the real resources the constructs receive
 * (buckets, a KMS-encrypted topic, queues, a bus, a function), each built as
 * the deployment builds it so cdk-nag's AwsSolutions checks pass on them too,
 * and the reading of cdk-nag's findings after a synth.
 *
 * cdk-nag 3 runs as a CDK validation plugin: `app.synth()` throws
 * `ValidationFailed` when a finding is not acknowledged, and writes every
 * finding, acknowledged or not, to `validation-report.json` in the cloud
 * assembly (acknowledged ones under `suppressedViolations`, with the reason).
 */
import fs from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { type ConfigInput, type SluiceConfig, sluiceConfigSchema } from '../../src/config/schema.js';
import { tempDir } from './project.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PRINCIPAL = `arn:aws:quicksight:${REGION}:${ACCOUNT}:user/default/alice`;

export function config(input: ConfigInput): SluiceConfig {
  return sluiceConfigSchema.parse(input);
}

/** An app writing its cloud assembly to a fresh folder, and a stack in a fixed environment. */
export function testStack(app = new App({ outdir: tempDir('sluice-cdk-') })): { app: App; stack: Stack } {
  return { app, stack: new Stack(app, 'Sluice', { env: { account: ACCOUNT, region: REGION } }) };
}

export function buckets(stack: Stack, opts: { finalKey?: boolean } = {}): { accessLogs: s3.Bucket; final: s3.Bucket } {
  const secure = { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL };
  // The log target keeps ACLs: S3 log delivery writes with the LogDeliveryWrite ACL unless the app opts into bucket-policy delivery.
  const accessLogs = new s3.Bucket(stack, 'AccessLogs', { ...secure, encryption: s3.BucketEncryption.S3_MANAGED });
  const final = new s3.Bucket(stack, 'Final', {
    ...secure,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(opts.finalKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(stack, 'FinalKey', { enableKeyRotation: true }) }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'final/',
  });
  return { accessLogs, final };
}

export interface PipelineFixtures {
  fn: lambda.Function;
  logGroup: logs.LogGroup;
  queue: sqs.Queue;
  deadLetterQueue: sqs.Queue;
  topic: sns.Topic;
  key: kms.Key;
  eventBus: events.EventBus;
}

/**
 * The pipeline's moving parts. The function's code is inline (these tests
 * read templates, nothing runs); its role writes only to its own log group.
 */
export function pipeline(stack: Stack): PipelineFixtures {
  const logGroup = new logs.LogGroup(stack, 'FunctionLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const role = new iam.Role(stack, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const fn = new lambda.Function(stack, 'Function', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    role,
    logGroup,
  });
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
  const queue = new sqs.Queue(stack, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 },
  });
  const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
  const eventBus = new events.EventBus(stack, 'Bus', { eventBusName: 'sluice' });
  return { fn, logGroup, queue, deadLetterQueue, topic, key, eventBus };
}

export interface Finding {
  plugin: string;
  rule: string;
  severity: string;
  paths: string[];
  reason?: string;
}

/** The findings of every validation plugin in the app's last synth, unacknowledged and acknowledged. */
export function validationReport(app: App): { open: Finding[]; acknowledged: Finding[] } {
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
      suppressedViolations?: { ruleName: string; severity: string; reason: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  const open: Finding[] = [];
  const acknowledged: Finding[] = [];
  for (const p of report.pluginReports) {
    for (const v of p.violations) {
      open.push({ plugin: p.pluginName, rule: v.ruleName, severity: v.severity, paths: v.violatingConstructs.map((c) => c.constructPath) });
    }
    for (const v of p.suppressedViolations ?? []) {
      acknowledged.push({
        plugin: p.pluginName,
        rule: v.ruleName,
        severity: v.severity,
        paths: v.violatingConstructs.map((c) => c.constructPath),
        reason: v.reason,
      });
    }
  }
  return { open, acknowledged };
}
