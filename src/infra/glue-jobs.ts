/**
 * One Glue Spark job (`glueetl`) per `jobs.<name>` of sluice.yaml, running
 * the script generated from the job spec (given as a file; this construct
 * does not read it), uploaded as an S3 asset.
 *
 * - Bookmarks: enabled for incremental jobs (only new input each run),
 *   disabled for full ones (the whole table recomputed); one run at a time,
 *   which bookmarks need.
 * - Metrics and continuous CloudWatch logging on; the stack's security
 *   configuration (KMS-encrypted logs and bookmarks).
 * - `--sluice_final_bucket`: the final bucket's name, which CloudFormation
 *   may choose after the script was written (glue/script.ts reads it).
 *
 * The jobs share one role: read processed and final, write final (bucket
 * policies, bucket-access.ts), its script objects by exact key, the catalog
 * of the two databases (write on final only), Glue's job log groups, the Glue
 * key, and Glue's CloudWatch metrics namespace.
 */

import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { AwsConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { glueArn } from './arns.js';
import { grantObjects } from './bucket-access.js';
import { FINAL_BUCKET_ARGUMENT } from './glue/script.js';
import type { GlueCatalog } from './glue-catalog.js';
import type { JobPlan } from './glue-plan.js';
import { acknowledge, acknowledgeWildcardResources } from './nag.js';

export const JOB_CATALOG_READ_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
];

export const JOB_CATALOG_WRITE_ACTIONS = [
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];

export const BOOKMARK_OPTION = { incremental: 'job-bookmark-enable', full: 'job-bookmark-disable' } as const;

export interface GlueJobsProps {
  plan: JobPlan[];
  /** Job name in sluice.yaml → the path of its generated script. */
  scripts: ReadonlyMap<string, string>;
  glue: AwsConfig['glue'];
  catalog: GlueCatalog;
  processed: s3.Bucket;
  final: s3.Bucket;
  /** The sluice.yaml path, for errors. */
  configFile: string;
}

export class GlueJobs extends Construct {
  readonly role: iam.Role;
  /** The Glue jobs, by job name in sluice.yaml. */
  readonly jobs = new Map<string, glue.CfnJob>();

  constructor(scope: Construct, id: string, props: GlueJobsProps) {
    super(scope, id);
    const { catalog } = props;
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'), description: 'Glue jobs of sluice.yaml' });
    grantObjects(props.processed, this.role, 'read');
    grantObjects(props.final, this.role, 'readWrite');

    const processedTables = glueArn(this, 'table', `${catalog.processedDatabaseName}/*`);
    const finalTables = glueArn(this, 'table', `${catalog.finalDatabaseName}/*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CatalogRead',
        actions: JOB_CATALOG_READ_ACTIONS,
        resources: [
          glueArn(this, 'catalog'),
          glueArn(this, 'database', catalog.processedDatabaseName),
          glueArn(this, 'database', catalog.finalDatabaseName),
          // Spark's Glue catalog client looks up the `default` database when it starts.
          glueArn(this, 'database', 'default'),
          processedTables,
          finalTables,
        ],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CatalogWriteFinal',
        actions: JOB_CATALOG_WRITE_ACTIONS,
        resources: [glueArn(this, 'catalog'), glueArn(this, 'database', catalog.finalDatabaseName), finalTables],
      }),
    );
    const logs = catalog.grantRunner(this.role, '/aws-glue/jobs*');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Metrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
      }),
    );
    acknowledgeWildcardResources(
      this.role,
      [processedTables, finalTables],
      'Table names are dataset and job output names, some known only when data arrives: the grant is held to the tables of this stack’s two Glue databases (writes to final only).',
    );
    acknowledgeWildcardResources(
      this.role,
      [logs],
      'Glue names the job log groups itself, from the role and security configuration (/aws-glue/jobs…): the grant is held to Glue’s job log groups.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'cloudwatch:PutMetricData and glue:GetSecurityConfiguration have no resource-level permissions; metrics are held to the Glue namespace by condition.',
    );

    const scriptObjects: string[] = [];
    for (const job of props.plan) {
      const scriptPath = props.scripts.get(job.job);
      if (scriptPath === undefined) {
        throw new ConfigError(
          props.configFile,
          `jobs.${job.job}`,
          'no Glue script was generated for this job; generate the jobs’ Glue scripts before deploying',
        );
      }
      const script = new s3assets.Asset(this, `Script-${job.job}`, { path: scriptPath });
      scriptObjects.push(`arn:${Stack.of(this).partition}:s3:::${script.s3BucketName}/${script.s3ObjectKey}`);
      const resource = new glue.CfnJob(this, `Job-${job.job}`, {
        name: job.glueJobName,
        description: `sluice.yaml jobs.${job.job}: ${job.source} → ${job.output} (${job.mode})`,
        role: this.role.roleArn,
        command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.s3ObjectUrl },
        glueVersion: props.glue.version,
        workerType: props.glue.workerType,
        numberOfWorkers: props.glue.workers,
        executionProperty: { maxConcurrentRuns: 1 },
        securityConfiguration: catalog.securityConfigurationName,
        defaultArguments: {
          '--job-language': 'python',
          '--job-bookmark-option': BOOKMARK_OPTION[job.mode],
          '--enable-metrics': 'true',
          '--enable-continuous-cloudwatch-log': 'true',
          '--enable-glue-datacatalog': 'true',
          [`--${FINAL_BUCKET_ARGUMENT}`]: props.final.bucketName,
        },
      });
      resource.node.addDependency(catalog.securityConfiguration, this.role);
      this.jobs.set(job.job, resource);
    }
    if (scriptObjects.length > 0) {
      this.role.addToPolicy(new iam.PolicyStatement({ sid: 'Scripts', actions: ['s3:GetObject'], resources: scriptObjects }));
    }
  }
}
