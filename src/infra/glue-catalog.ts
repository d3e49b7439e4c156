/**
 * The Glue Data Catalog side of the stack: one database per cataloged zone
 * (`<prefix>processed`, `<prefix>final`, the names the Lambda's publisher
 * and Athena use) and the security configuration every crawler and job runs
 * with:
 * - S3: SSE-S3, like the buckets (readers need no key grant, see buckets.ts);
 * - CloudWatch Logs: SSE-KMS with the Glue key;
 * - job bookmarks: CSE-KMS with the Glue key.
 *
 * The Glue key's policy lets CloudWatch Logs use it for Glue's log groups
 * only (the encryption context names the log group), as CloudWatch Logs
 * requires for KMS-encrypted groups; Glue's roles get their own grants.
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { logGroupArn } from './arns.js';
import { glueDatabaseNames, glueSecurityConfigurationName } from './names.js';

export class GlueCatalog extends Construct {
  readonly processedDatabase: glue.CfnDatabase;
  readonly finalDatabase: glue.CfnDatabase;
  readonly processedDatabaseName: string;
  readonly finalDatabaseName: string;
  readonly key: kms.Key;
  readonly securityConfiguration: glue.CfnSecurityConfiguration;
  readonly securityConfigurationName: string;

  constructor(scope: Construct, id: string, props: { stackName: string }) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = glueDatabaseNames(props.stackName);
    this.processedDatabaseName = names.processed;
    this.finalDatabaseName = names.final;
    const database = (id: string, name: string, zone: string) =>
      new glue.CfnDatabase(this, id, {
        catalogId: stack.account,
        databaseInput: { name, description: `${props.stackName}: the ${zone} zone's tables (Sluice)` },
      });
    this.processedDatabase = database('ProcessedDatabase', names.processed, 'processed');
    this.finalDatabase = database('FinalDatabase', names.final, 'final');

    this.key = new kms.Key(this, 'Key', {
      description: `${props.stackName}: encrypts Glue's CloudWatch logs and job bookmarks`,
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GlueLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn(this, '/aws-glue/*') },
        },
      }),
    );

    this.securityConfigurationName = glueSecurityConfigurationName(props.stackName);
    this.securityConfiguration = new glue.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: this.securityConfigurationName,
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-S3' }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: this.key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: this.key.keyArn },
      },
    });
  }

  /**
   * What any Glue runner (a crawler's or a job's role) needs under this
   * security configuration: its log groups (`logGroups`, named by Glue), the
   * key that encrypts them and the bookmarks, and reading the configuration.
   * Returns the log groups' ARN for the finding's acknowledgement.
   */
  grantRunner(role: iam.Role, logGroups: string): string {
    const logs = logGroupArn(this, logGroups);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: [logs],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ sid: 'GlueKey', actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'SecurityConfiguration', actions: ['glue:GetSecurityConfiguration'], resources: ['*'] }));
    return logs;
  }
}
