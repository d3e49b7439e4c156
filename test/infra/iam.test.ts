/**
 * Least privilege and cdk-nag, read from synthesized templates and from the
 * validation report cdk-nag writes into the cloud assembly (offline).
 *
 * cdk-nag 3 runs as a CDK policy-validation plugin: a finding that is not
 * acknowledged makes `synth` throw, and every finding is listed in
 * `validation-report.json`; acknowledgments are written into the resources'
 * metadata (`cdk_nag.rules_to_suppress`) because the app asks for it.
 */
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRAWLER_EXAMPLE, DESIGN_EXAMPLE, type Synthesized, synth, validationReport } from './fixtures.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: { AWS?: unknown };
  Condition?: unknown;
}

const actionsOf = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);

function logicalId(s: Synthesized, construct: IConstruct): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The statements of the identity policies attached to a role. */
function roleStatements(s: Synthesized, roleLogicalId: string): Statement[] {
  return Object.values(s.template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** The Allow statements of a bucket's policy that name the role. */
function bucketGrants(s: Synthesized, bucket: IConstruct, roleLogicalId: string): Statement[] {
  const policies = Object.values(s.template.findResources('AWS::S3::BucketPolicy')).filter(
    (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: logicalId(s, bucket) }),
  );
  return policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((st) => st.Effect === 'Allow' && JSON.stringify(st.Principal).includes(`"${roleLogicalId}"`));
}

function roleIdOf(s: Synthesized, path: string): string {
  const role = s.stack.node.findAll().find((c) => c.node.path === `${s.stack.node.path}/${path}`);
  if (!role) throw new Error(`no ${path}`);
  return logicalId(s, role);
}

/** Every acknowledged cdk-nag finding in the template, by resource. */
function acknowledgments(s: Synthesized): { resource: string; id: string; reason: string }[] {
  return Object.entries(
    s.template.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }>,
  ).flatMap(([resource, r]) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((a) => ({ resource, ...a })));
}

const READ_ONLY = ['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket'];
const READ_WRITE = ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:PutObject'];

/** The S3 actions the bucket policy grants the role on a bucket, sorted. */
function bucketActions(s: Synthesized, bucket: IConstruct, roleLogicalId: string): string[] {
  return [...new Set(bucketGrants(s, bucket, roleLogicalId).flatMap(actionsOf))].sort();
}

describe.each([
  ['direct catalog (the design example)', DESIGN_EXAMPLE],
  ['crawler catalog', CRAWLER_EXAMPLE],
  ['no jobs, named buckets, reserved concurrency', 'aws:\n  buckets: { raw: acme-raw }\n  lambda: { reservedConcurrency: 3 }\n'],
])('cdk-nag on the stack of %s', (_name, yaml) => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synth(yaml);
  });

  it('reports no error that is not acknowledged (the synth went through and the report lists none)', () => {
    // Act
    const report = validationReport(s.outdir);

    // Assess
    const errors = report.pluginReports.flatMap((p) => p.violations.filter((v) => v.severity === 'error').map((v) => `${p.pluginName}: ${v.ruleName}`));
    expect(errors).toEqual([]);
    expect(report.pluginReports.every((p) => p.conclusion !== 'failure')).toBe(true);
  });

  it('acknowledges findings only with a reason, one finding at a time, and none on a bucket permission', () => {
    // Act
    const acks = acknowledgments(s);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.reason.length, a.id).toBeGreaterThan(40);
      // IAM5 only per finding, never the whole rule.
      expect(a.id).not.toBe('AwsSolutions-IAM5');
      expect(a.id, a.id).not.toMatch(/s3|bucket/i);
    }
    const ids = new Set(acks.map((a) => a.id.replace(/<AWS::[A-Za-z]+>/g, '<>')));
    const allowed = [
      'AwsSolutions-S1',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<>:glue:<>:<>:table/sluice_processed/*]',
      'AwsSolutions-IAM5[Resource::arn:<>:glue:<>:<>:table/sluice_final/*]',
      'AwsSolutions-IAM5[Resource::arn:<>:logs:<>:<>:log-group:/aws-glue/jobs*]',
      'AwsSolutions-IAM5[Resource::arn:<>:logs:<>:<>:log-group:/aws-glue/crawlers*]',
    ];
    expect([...ids].filter((id) => !allowed.includes(id))).toEqual([]);
    // The access-logs bucket is the only one without server access logs.
    expect(acks.filter((a) => a.id === 'AwsSolutions-S1').map((a) => a.resource)).toEqual(expect.arrayContaining([logicalId(s, s.stack.accessLogsBucket)]));
  });

  it('grants S3 in no role policy on a wildcard resource (objects are granted in the bucket policies)', () => {
    // Assess
    for (const policy of Object.values(s.template.findResources('AWS::IAM::Policy'))) {
      for (const st of policy.Properties.PolicyDocument.Statement as Statement[]) {
        if (!actionsOf(st).some((a) => a.startsWith('s3:'))) continue;
        expect(JSON.stringify(st.Resource), st.Sid).not.toContain('*');
        // Glue scripts are read by exact key; the QuickSight manifests are written by exact key.
        expect(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']).toEqual(expect.arrayContaining(actionsOf(st)));
      }
    }
  });

  it('never lets the function write to the raw bucket', () => {
    // Prepare
    const fnRole = roleIdOf(s, 'Preprocess/Role');

    // Assess
    expect(roleStatements(s, fnRole).filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))).toEqual([]);
    const onRaw = bucketGrants(s, s.stack.buckets.raw, fnRole).flatMap(actionsOf);
    expect(onRaw.sort()).toEqual(READ_ONLY);
    expect(onRaw.filter((a) => /^s3:(Put|Delete|Abort|Restore|Replicate|\*)/.test(a))).toEqual([]);
  });
});

describe('the preprocess function’s permissions', () => {
  let direct: Synthesized;
  let crawler: Synthesized;
  beforeAll(async () => {
    direct = await synth(DESIGN_EXAMPLE);
    crawler = await synth(CRAWLER_EXAMPLE);
  });

  it('reads raw, reads and writes processed and quarantine, and never touches final (only the Glue jobs write it)', () => {
    // Prepare
    const role = (s: Synthesized) => roleIdOf(s, 'Preprocess/Role');

    // Assess
    for (const s of [direct, crawler]) {
      expect(bucketActions(s, s.stack.buckets.raw, role(s))).toEqual(READ_ONLY);
      expect(bucketActions(s, s.stack.buckets.processed, role(s))).toEqual(READ_WRITE);
      expect(bucketActions(s, s.stack.buckets.quarantine, role(s))).toEqual(READ_WRITE);
      expect(bucketActions(s, s.stack.accessLogsBucket, role(s))).toEqual([]);
    }
    for (const s of [direct, crawler]) expect(bucketActions(s, s.stack.buckets.final, role(s))).toEqual([]);
  });

  it('works the items of its four tables and their named indexes only', () => {
    // Prepare
    const s = direct;
    const [runState] = roleStatements(s, roleIdOf(s, 'Preprocess/Role')).filter((st) => st.Sid === 'RunState');
    const arn = (t: IConstruct) => ({ 'Fn::GetAtt': [logicalId(s, t), 'Arn'] });
    const index = (t: IConstruct, name: string) => ({ 'Fn::Join': ['', [arn(t), `/index/${name}`]] });
    const { runs, bookmarks, catalog, idempotency } = s.stack.tables;

    // Assess
    expect(actionsOf(runState as Statement).sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(runState?.Resource).toEqual(
      expect.arrayContaining([
        arn(runs),
        arn(bookmarks),
        arn(catalog),
        arn(idempotency),
        index(runs, 'byStatus'),
        index(runs, 'byRoot'),
        index(catalog, 'byFile'),
        index(catalog, 'bySource'),
      ]),
    );
    expect(runState?.Resource).toHaveLength(8);
  });

  it('in direct mode: Glue catalog actions on the processed database and its tables, StartJobRun on the job it starts', () => {
    // Prepare
    const statements = roleStatements(direct, roleIdOf(direct, 'Preprocess/Role'));
    const glueArn = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
    });

    // Assess
    const catalog = statements.find((st) => st.Sid === 'GlueCatalog');
    expect(actionsOf(catalog as Statement).sort()).toEqual([
      'glue:BatchCreatePartition',
      'glue:CreateTable',
      'glue:DeleteTable',
      'glue:GetDatabase',
      'glue:GetPartitions',
      'glue:GetTable',
      'glue:UpdateTable',
    ]);
    expect(catalog?.Resource).toEqual(expect.arrayContaining([glueArn('catalog'), glueArn('database/sluice_processed'), glueArn('table/sluice_processed/*')]));
    expect(catalog?.Resource).toHaveLength(3);
    // revenue_by_country is started by a Glue trigger, not by the function.
    expect(statements.find((st) => st.Sid === 'StartJobs')).toMatchObject({ Action: 'glue:StartJobRun', Resource: glueArn('job/sluice-orders_clean') });
  });

  it('in crawler mode: no Glue permission at all (the crawler owns the catalog, triggers start the jobs)', () => {
    // Assess
    const glue = roleStatements(crawler, roleIdOf(crawler, 'Preprocess/Role')).filter((st) => actionsOf(st).some((a) => a.startsWith('glue:')));
    expect(glue).toEqual([]);
  });

  it('puts events on its bus, publishes to its topic, writes its log group, consumes its queue', () => {
    // Prepare
    const s = direct;
    const statements = roleStatements(s, roleIdOf(s, 'Preprocess/Role'));
    const arn = (c: IConstruct) => ({ 'Fn::GetAtt': [logicalId(s, c), 'Arn'] });

    // Assess
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'events:PutEvents', Resource: arn(s.stack.eventBus) }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: logicalId(s, s.stack.alertsTopic) } }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arn(s.stack.alertsKey) }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }));
    expect(statements).toContainEqual(
      expect.objectContaining({ Resource: arn(s.stack.preprocessQueue), Action: expect.arrayContaining(['sqs:ReceiveMessage']) }),
    );
    // Nothing else: every statement is one of these.
    expect(statements.map((st) => st.Sid ?? actionsOf(st)[0]).sort()).toEqual([
      'Alerts',
      'AlertsKey',
      'GlueCatalog',
      'PipelineEvents',
      'RunState',
      'StartJobs',
      'logs:CreateLogStream',
      'sqs:ChangeMessageVisibility',
    ]);
  });
});

describe('the Glue roles’ permissions', () => {
  let s: Synthesized;
  beforeAll(async () => {
    s = await synth(CRAWLER_EXAMPLE);
  });

  it('lets the jobs read processed and final and write final, and read their scripts by exact key', () => {
    // Prepare
    const role = roleIdOf(s, 'Jobs/Role');

    // Assess
    expect(bucketActions(s, s.stack.buckets.processed, role)).toEqual(READ_ONLY);
    expect(bucketActions(s, s.stack.buckets.final, role)).toEqual(READ_WRITE);
    expect(bucketActions(s, s.stack.buckets.raw, role)).toEqual([]);
    const scripts = roleStatements(s, role).find((st) => st.Sid === 'Scripts');
    expect(scripts?.Resource).toHaveLength(2);
    for (const r of (scripts?.Resource ?? []) as unknown[]) expect(JSON.stringify(r)).toMatch(/\/[0-9a-f]{64}\.py"\]\]\}$/);
  });

  it('lets the jobs write the catalog of the final database only', () => {
    // Prepare
    const write = roleStatements(s, roleIdOf(s, 'Jobs/Role')).find((st) => st.Sid === 'CatalogWriteFinal');

    // Assess
    const resources = JSON.stringify(write?.Resource);
    expect(resources).toContain('database/sluice_final');
    expect(resources).toContain('table/sluice_final/*');
    expect(resources).not.toContain('sluice_processed');
  });

  it('lets the crawlers read processed only, and consume their own queues', () => {
    // Prepare
    const role = roleIdOf(s, 'Crawlers/Role');
    const queues = roleStatements(s, role).find((st) => st.Sid === 'EventQueues');

    // Assess
    expect(bucketActions(s, s.stack.buckets.processed, role)).toEqual(READ_ONLY);
    for (const bucket of [s.stack.buckets.raw, s.stack.buckets.final, s.stack.buckets.quarantine]) expect(bucketActions(s, bucket, role)).toEqual([]);
    const queueArns = [...s.stack.crawlerQueues.values()].map((q) => ({ 'Fn::GetAtt': [logicalId(s, q), 'Arn'] }));
    expect(queues?.Resource).toEqual(expect.arrayContaining(queueArns));
    expect(queues?.Resource).toHaveLength(queueArns.length);
    expect(actionsOf(queues as Statement)).not.toContain('sqs:SendMessage');
  });
});
