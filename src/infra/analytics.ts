/**
 * Query and BI on AWS: the Athena workgroup over the final tables and, when
 * `aws.quicksight` names a principal, QuickSight on top (an Athena data
 * source, a dataset per final table, an analysis and a dashboard per
 * `dashboards:` entry), plus the S3 manifest route for tables written as CSV.
 *
 * Decisions:
 * - A dashboard may sit on a job's final table or on a processed table (on
 *   AWS a dataset no job reads stays a processed table: only jobs write the
 *   final bucket). A processed table's columns are decided by preprocessing
 *   the data, so they come from the local catalog; a dashboard on one the
 *   pipeline never ran locally is refused at synth with its YAML path.
 * - Datasets query Athena directly (DIRECT_QUERY), as the local app queries
 *   DuckDB: no SPICE capacity, always the latest data.
 * - QuickSight reads S3 and runs Athena with the account's QuickSight service
 *   role (QuickSight console: Security & permissions → Amazon S3 and Athena).
 *   This stack creates no role for it: reading a table's prefix needs an
 *   object wildcard on the bucket, which the deployment never grants.
 * - Each CSV table's QuickSight manifest is written into the final bucket by a
 *   CloudFormation custom resource (one PutObject on exactly that key), not by
 *   BucketDeployment, whose handler needs wildcard rights on the bucket (and
 *   would prune what the jobs write). The job writes the same manifest again
 *   on every run, so both agree.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { SluiceConfig } from '../config/schema.js';
import { parseTableName } from '../core/catalog.js';
import { ConfigError } from '../core/errors.js';
import { csvKeyPrefix, manifestKey, quicksightManifest } from '../stages/transform/job.js';
import type { FinalTableSchema } from './final-tables.js';
import { dashboardDefinition } from './quicksight-definition.js';

export { type FinalTableSchema, finalTableSchemas, type KnownColumn, type KnownTables, processedTableSchemas } from './final-tables.js';
export { readLocalCatalogColumns } from './local-catalog.js';

export interface AnalyticsProps {
  config: SluiceConfig;
  stackName: string;
  finalBucket: s3.IBucket;
  accessLogsBucket: s3.IBucket;
  finalDatabaseName: string;
  finalTables: FinalTableSchema[];
  /** The processed database, and the processed tables dashboards chart (columns from the local catalog). */
  processedDatabaseName?: string;
  processedTables?: FinalTableSchema[];
}

/** What QuickSight's owner may do with each kind of resource (the console's "owner" sets). */
const OWNER_ACTIONS = {
  dataSource: [
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:PassDataSource',
    'quicksight:UpdateDataSource',
    'quicksight:DeleteDataSource',
    'quicksight:UpdateDataSourcePermissions',
  ],
  dataSet: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
    'quicksight:UpdateDataSet',
    'quicksight:DeleteDataSet',
    'quicksight:CreateIngestion',
    'quicksight:CancelIngestion',
    'quicksight:UpdateDataSetPermissions',
  ],
  analysis: [
    'quicksight:RestoreAnalysis',
    'quicksight:UpdateAnalysisPermissions',
    'quicksight:DeleteAnalysis',
    'quicksight:DescribeAnalysisPermissions',
    'quicksight:QueryAnalysis',
    'quicksight:DescribeAnalysis',
    'quicksight:UpdateAnalysis',
  ],
  dashboard: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:UpdateDashboardPermissions',
    'quicksight:QueryDashboard',
    'quicksight:UpdateDashboard',
    'quicksight:DeleteDashboard',
    'quicksight:DescribeDashboardPermissions',
    'quicksight:UpdateDashboardPublishedVersion',
  ],
} as const;

/** Glue/Hive column types as QuickSight input types (booleans are BIT: QuickSight reads them as 1/0). */
export function quicksightInputType(glueType: string): string {
  const t = glueType.trim().toLowerCase();
  if (/^(tinyint|smallint|int|integer|bigint)$/.test(t)) return 'INTEGER';
  if (/^(float|double|real)$/.test(t) || /^decimal(\s*\(.*\))?$/.test(t)) return 'DECIMAL';
  if (t === 'boolean') return 'BIT';
  if (t === 'date' || t.startsWith('timestamp')) return 'DATETIME';
  return 'STRING';
}

export class Analytics extends Construct {
  readonly workgroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  /** The QuickSight manifest objects, by final table (tables written as CSV). */
  readonly manifests = new Map<string, { bucket: string; key: string }>();
  /** QuickSight resources; only with `aws.quicksight`. */
  readonly athenaDataSource?: quicksight.CfnDataSource;
  /** QuickSight datasets by qualified table name (`final.orders`, `processed.returns`). */
  readonly dataSets = new Map<string, quicksight.CfnDataSet>();
  readonly s3DataSources = new Map<string, quicksight.CfnDataSource>();
  readonly analyses = new Map<string, quicksight.CfnAnalysis>();
  readonly dashboards = new Map<string, quicksight.CfnDashboard>();
  /** Dashboard filter columns QuickSight got no control for (not text), by dashboard. */
  readonly uncontrolledFilters = new Map<string, string[]>();

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const { config, stackName } = props;

    this.resultsBucket = new s3.Bucket(this, 'AthenaResults', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: Duration.days(config.aws.retention.athenaResultsDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: stackName,
      description: `Sluice ${stackName}: queries over the final tables (database ${props.finalDatabaseName})`,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: config.aws.athena.bytesScannedCutoffMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.writeManifests(props);

    const qs = config.aws.quicksight;
    if (!qs) return;
    const account = Stack.of(this).account;
    const tables = new Map<string, { schema: FinalTableSchema; database: string }>([
      ...props.finalTables.map((t) => [`final.${t.name}`, { schema: t, database: props.finalDatabaseName }] as const),
      ...(props.processedTables ?? []).map((t) => [`processed.${t.name}`, { schema: t, database: props.processedDatabaseName ?? '' }] as const),
    ]);
    this.checkDashboardTables(config, tables);

    this.athenaDataSource = new quicksight.CfnDataSource(this, 'AthenaDataSource', {
      awsAccountId: account,
      dataSourceId: `${stackName}-athena`,
      name: `${stackName} (Athena)`,
      type: 'ATHENA',
      dataSourceParameters: { athenaParameters: { workGroup: this.workgroup.name } },
      sslProperties: { disableSsl: false },
      permissions: [{ principal: qs.principal, actions: [...OWNER_ACTIONS.dataSource] }],
    });
    this.athenaDataSource.node.addDependency(this.workgroup);

    for (const [qualified, { schema: t, database }] of tables) {
      if (!t.columns.length) continue;
      const dataSet = new quicksight.CfnDataSet(this, `DataSet-${qualified}`, {
        awsAccountId: account,
        dataSetId: `${stackName}-${qualified.replace('.', '-')}`,
        name: qualified,
        importMode: 'DIRECT_QUERY',
        physicalTableMap: {
          [physicalId(qualified)]: {
            relationalTable: {
              dataSourceArn: this.athenaDataSource.attrArn,
              catalog: 'AwsDataCatalog',
              schema: database,
              name: t.name,
              inputColumns: t.columns.map((c) => ({ name: c.name, type: quicksightInputType(c.type) })),
            },
          },
        },
        permissions: [{ principal: qs.principal, actions: [...OWNER_ACTIONS.dataSet] }],
      });
      this.dataSets.set(qualified, dataSet);
    }

    for (const [table, manifest] of this.manifests) {
      const source = new quicksight.CfnDataSource(this, `S3DataSource-${table}`, {
        awsAccountId: account,
        dataSourceId: `${stackName}-${table}-csv`,
        name: `${stackName} final.${table} (CSV via S3 manifest)`,
        type: 'S3',
        dataSourceParameters: { s3Parameters: { manifestFileLocation: manifest } },
        sslProperties: { disableSsl: false },
        permissions: [{ principal: qs.principal, actions: [...OWNER_ACTIONS.dataSource] }],
      });
      const writer = this.node.tryFindChild(`Manifest-${table}`);
      if (writer) source.node.addDependency(writer);
      this.s3DataSources.set(table, source);
    }

    for (const [id, d] of Object.entries(config.dashboards)) {
      const { name } = parseTableName(d.table);
      const table = tables.get(d.table)?.schema as FinalTableSchema;
      const dataSet = this.dataSets.get(d.table) as quicksight.CfnDataSet;
      const { definition, uncontrolledFilters } = dashboardDefinition(id, d, table, { identifier: name, arn: dataSet.attrArn });
      if (uncontrolledFilters.length) this.uncontrolledFilters.set(id, uncontrolledFilters);
      const title = d.title ?? id;
      const analysis = new quicksight.CfnAnalysis(this, `Analysis-${id}`, {
        awsAccountId: account,
        analysisId: `${stackName}-${id}`,
        name: title,
        definition: definition as quicksight.CfnAnalysis.AnalysisDefinitionProperty,
        permissions: [{ principal: qs.principal, actions: [...OWNER_ACTIONS.analysis] }],
      });
      const dashboard = new quicksight.CfnDashboard(this, `Dashboard-${id}`, {
        awsAccountId: account,
        dashboardId: `${stackName}-${id}`,
        name: title,
        definition,
        permissions: [{ principal: qs.principal, actions: [...OWNER_ACTIONS.dashboard] }],
        dashboardPublishOptions: {
          adHocFilteringOption: { availabilityStatus: 'ENABLED' },
          exportToCsvOption: { availabilityStatus: 'ENABLED' },
          sheetControlsOption: { visibilityState: 'EXPANDED' },
        },
      });
      this.analyses.set(id, analysis);
      this.dashboards.set(id, dashboard);
    }
  }

  /** Every dashboard must sit on a table whose columns are known. */
  private checkDashboardTables(config: SluiceConfig, tables: ReadonlyMap<string, { schema: FinalTableSchema }>): void {
    for (const [id, d] of Object.entries(config.dashboards)) {
      if (tables.get(d.table)?.schema.columns.length) continue;
      const why = d.table.startsWith('processed.') ? 'preprocessing decides its columns from the data' : 'its columns are not known before it holds data';
      throw new ConfigError(
        'sluice.yaml',
        `dashboards.${id}.table`,
        `QuickSight needs the columns of ${d.table}, and ${why}; run "sluice run" once locally on a sample (the local catalog then knows them), or check the table name`,
      );
    }
  }

  /** The QuickSight S3 manifest of each CSV table, written into the final bucket at the key the jobs use. */
  private writeManifests(props: AnalyticsProps): void {
    const csvTables = props.finalTables.filter((t) => t.csv);
    if (!csvTables.length) return;
    const logGroup = new logs.LogGroup(this, 'ManifestWriterLogs', { retention: retentionOf(props.config.aws.retention.logDays) });
    const role = new iam.Role(this, 'ManifestWriterRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Writes the QuickSight manifests of the final CSV tables',
    });
    // The function's own log streams only; no managed policy.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const bucket = props.finalBucket;
    for (const t of csvTables) {
      const key = manifestKey(t.name);
      const body = `${JSON.stringify(quicksightManifest(`s3://${bucket.bucketName}/${csvKeyPrefix(t.name)}`), null, 2)}\n`;
      const statements = [new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(key)] })];
      if (bucket.encryptionKey) statements.push(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [bucket.encryptionKey.keyArn] }));
      const call = { service: 'S3', action: 'putObject', parameters: { Bucket: bucket.bucketName, Key: key, Body: body, ContentType: 'application/json' } };
      new cr.AwsCustomResource(this, `Manifest-${t.name}`, {
        resourceType: 'Custom::SluiceQuickSightManifest',
        onCreate: { ...call, physicalResourceId: cr.PhysicalResourceId.of(`${t.name}.manifest`) },
        onUpdate: { ...call, physicalResourceId: cr.PhysicalResourceId.of(`${t.name}.manifest`) },
        onDelete: { service: 'S3', action: 'deleteObject', parameters: { Bucket: bucket.bucketName, Key: key } },
        policy: cr.AwsCustomResourcePolicy.fromStatements(statements),
        role,
        logGroup,
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
      });
      this.manifests.set(t.name, { bucket: bucket.bucketName, key });
    }
  }
}

/** QuickSight's map keys allow letters, digits and hyphens. */
function physicalId(qualified: string): string {
  return qualified.replace(/[^0-9A-Za-z-]/g, '-').slice(0, 64);
}

function retentionOf(days: number): logs.RetentionDays {
  return days as logs.RetentionDays;
}
