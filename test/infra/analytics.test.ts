/**
 * The Analytics construct (Athena workgroup, QuickSight, the S3 manifest
 * route) read from its synthesized CloudFormation template, and the pure
 * parts behind it: the final tables' columns and the dashboard definitions.
 * Nothing is deployed: the stack holds real buckets created in the test, and
 * the checks are on the template (aws-cdk-lib/assertions), on cdk-nag's
 * findings and on CDK's CloudFormation schema validation after a synth.
 */
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import {
  Analytics,
  type FinalTableSchema,
  finalTableSchemas,
  processedTableSchemas,
  quicksightInputType,
  readLocalCatalogColumns,
} from '../../src/infra/analytics.js';
import { stateFileOf } from '../../src/runtime/project.js';
import { quicksightManifest } from '../../src/stages/transform/job.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { openStateDb } from '../../src/state/database.js';
import { fileRegistration } from '../helpers/catalog-entries.js';
import { buckets, config, PRINCIPAL, testStack, validationReport } from '../helpers/infra.js';
import { tempDir } from '../helpers/project.js';

const JOBS: ConfigInput['jobs'] = {
  orders_clean: {
    source: 'processed.orders',
    mappings: [
      ['order_id', 'bigint', 'order_id', 'bigint'],
      ['amount', 'double', 'revenue', 'decimal(12,2)'],
      ['order_date', 'date', 'order_date', 'date'],
      ['country', 'string', 'country', 'string'],
      ['paid', 'boolean', 'paid', 'boolean'],
    ],
    output: { table: 'orders', csv: true },
  },
  revenue_by_country: {
    source: 'final.orders',
    aggregate: { groupBy: ['country'], measures: { revenue: 'sum(revenue)', orders: 'count(*)', first_order: 'min(order_date)' } },
    output: { table: 'revenue_by_country' },
  },
};

const SALES: NonNullable<ConfigInput['dashboards']>[string] = {
  title: 'Sales',
  table: 'final.orders',
  filters: ['country', 'revenue'],
  charts: [
    { kind: 'kpi', title: 'Revenue', measures: ['sum(revenue)'], where: { paid: true } },
    { kind: 'bar', x: 'country', measures: ['sum(revenue)', 'count(*)'], limit: 10, where: { country: ['DE', 'FR', null] } },
    { kind: 'line', x: 'order_date', bucket: 'month', measures: ['count_distinct(order_id)'] },
    { kind: 'area', x: 'order_date', group: 'country', measures: ['avg(revenue)', 'count(*)'] },
    { kind: 'pie', x: 'country', measures: ['count(country)', 'sum(revenue)'] },
    { kind: 'scatter', x: 'revenue', y: 'order_id' },
    { kind: 'table', columns: ['order_id', 'country', 'revenue'], limit: 50 },
  ],
};

function analyticsConfig(overrides: Partial<ConfigInput> = {}, quicksight = true) {
  return config({
    jobs: JOBS,
    dashboards: { sales: SALES },
    ...overrides,
    aws: { retention: { athenaResultsDays: 7 }, athena: { bytesScannedCutoffMb: 100 }, ...(quicksight ? { quicksight: { principal: PRINCIPAL } } : {}) },
  });
}

function build(cfg = analyticsConfig(), opts: { finalKey?: boolean; finalTables?: FinalTableSchema[]; processedTables?: FinalTableSchema[]; app?: App } = {}) {
  const { app, stack } = testStack(opts.app);
  const { final, accessLogs } = buckets(stack, opts);
  const analytics = new Analytics(stack, 'Analytics', {
    config: cfg,
    stackName: 'sluice',
    finalBucket: final,
    accessLogsBucket: accessLogs,
    finalDatabaseName: 'sluice_final',
    finalTables: opts.finalTables ?? finalTableSchemas(cfg),
    processedDatabaseName: 'sluice_processed',
    processedTables: opts.processedTables ?? [],
  });
  return { app, stack, analytics, final, accessLogs };
}

const refOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(construct.node.defaultChild as never) });

/** The one resource of `type` whose properties match, as the template holds it. */
function only(template: Template, type: string, props: object = {}): Record<string, unknown> {
  const found = Object.values(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('Athena', () => {
  it('has a workgroup named after the stack that enforces its limit, metrics and encrypted results', () => {
    // Prepare
    const { stack, analytics } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sluice',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 100 * 1024 * 1024,
        EngineVersion: { SelectedEngineVersion: 'AUTO' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', refOf(stack, analytics.resultsBucket), '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  it('keeps results in their own encrypted, access-logged bucket that expires them and refuses plain HTTP', () => {
    // Prepare
    const { stack, analytics, accessLogs } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const resultsId = stack.getLogicalId(analytics.resultsBucket.node.defaultChild as never);
    expect(template.toJSON().Resources[resultsId].Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: refOf(stack, accessLogs), LogFilePrefix: 'athena-results/' },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: resultsId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('the S3 manifest route', () => {
  /** The S3 call a manifest custom resource makes on create, with the final bucket's name put in. */
  function manifestCall(template: Template, stack: Stack, final: { node: { defaultChild?: unknown } }, table: string) {
    const writers = Object.values(template.findResources('Custom::SluiceQuickSightManifest')).filter((r) =>
      JSON.stringify(r).includes(`_csv/${table}.manifest.json`),
    );
    expect(writers).toHaveLength(1);
    const props = (writers[0] as { Properties: Record<string, unknown> }).Properties;
    const finalId = stack.getLogicalId(final.node.defaultChild as never);
    const parts = (props.Create as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) === JSON.stringify({ Ref: finalId }) ? 'final-bucket' : '?')).join('');
    return JSON.parse(text) as { service: string; action: string; parameters: { Bucket: string; Key: string; Body: string } };
  }

  it('writes a manifest for each CSV table even without QuickSight, pointing at the CSV prefix the jobs write', () => {
    // Prepare
    const { stack, final } = build(analyticsConfig({}, false));

    // Act
    const template = Template.fromStack(stack);

    // Assess
    expect(Object.keys(template.findResources('AWS::QuickSight::DataSource'))).toEqual([]);
    template.resourceCountIs('Custom::SluiceQuickSightManifest', 1);
    const call = manifestCall(template, stack, final, 'orders');
    expect(call).toMatchObject({ service: 'S3', action: 'putObject', parameters: { Bucket: 'final-bucket', Key: '_csv/orders.manifest.json' } });
    expect(JSON.parse(call.parameters.Body)).toEqual(quicksightManifest('s3://final-bucket/_csv/orders/'));
    expect(JSON.parse(call.parameters.Body)).toEqual({
      fileLocations: [{ URIPrefixes: ['s3://final-bucket/_csv/orders/'] }],
      globalUploadSettings: { format: 'CSV', delimiter: ',', textqualifier: '"', containsHeader: 'true' },
    });
  });

  it('lets the writer put and delete exactly the manifest key, and encrypt with the bucket key', () => {
    // Prepare
    const { stack, final } = build(analyticsConfig({}, false), { finalKey: true });

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const finalId = stack.getLogicalId(final.node.defaultChild as never);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:DeleteObject'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [finalId, 'Arn'] }, '/_csv/orders.manifest.json']] },
          },
          {
            Effect: 'Allow',
            Action: 'kms:GenerateDataKey',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(final.encryptionKey?.node.defaultChild as never), 'Arn'] },
          },
        ],
      },
    });
  });

  it('writes no manifest when no table is written as CSV', () => {
    // Prepare
    const cfg = analyticsConfig({ jobs: { orders_clean: { ...JOBS.orders_clean, output: { table: 'orders' } } as never }, dashboards: {} }, false);

    // Act
    const template = Template.fromStack(build(cfg).stack);

    // Assess
    template.resourceCountIs('Custom::SluiceQuickSightManifest', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });
});

describe('QuickSight', () => {
  it('creates nothing of QuickSight without aws.quicksight', () => {
    // Prepare
    const { stack } = build(analyticsConfig({}, false));

    // Act
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;

    // Assess
    expect(Object.values(resources).filter((r) => r.Type.startsWith('AWS::QuickSight::'))).toEqual([]);
  });

  it('has an Athena data source on the workgroup, owned by the principal, over TLS', () => {
    // Prepare
    const { stack, analytics } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::QuickSight::DataSource', {
      AwsAccountId: '123456789012',
      DataSourceId: 'sluice-athena',
      Type: 'ATHENA',
      DataSourceParameters: { AthenaParameters: { WorkGroup: 'sluice' } },
      SslProperties: { DisableSsl: false },
      Permissions: [{ Principal: PRINCIPAL, Actions: Match.arrayWith(['quicksight:PassDataSource', 'quicksight:UpdateDataSourcePermissions']) }],
    });
    expect(template.toJSON().Resources[stack.getLogicalId(analytics.athenaDataSource as never)].DependsOn).toContain(stack.getLogicalId(analytics.workgroup));
  });

  it('charts a processed table on the processed database, as a dataset of its own', () => {
    // Prepare
    const returns: FinalTableSchema = { name: 'returns', columns: [{ name: 'reason', type: 'string' }], partitionKeys: [], csv: false };
    const cfg = analyticsConfig({ dashboards: { returns: { table: 'processed.returns', charts: [{ kind: 'bar', x: 'reason', measures: ['count(*)'] }] } } });

    // Act
    const template = Template.fromStack(build(cfg, { processedTables: [returns] }).stack);

    // Assess
    template.hasResourceProperties('AWS::QuickSight::DataSet', {
      DataSetId: 'sluice-processed-returns',
      Name: 'processed.returns',
      PhysicalTableMap: {
        'processed-returns': { RelationalTable: { Schema: 'sluice_processed', Name: 'returns', InputColumns: [{ Name: 'reason', Type: 'STRING' }] } },
      },
    });
    const dashboard = only(template, 'AWS::QuickSight::Dashboard', { DashboardId: 'sluice-returns' });
    expect(JSON.stringify(dashboard)).toMatch(/DataSetprocessedreturns/);
  });

  it('has one dataset per final table, on the final database, with typed columns', () => {
    // Prepare
    const { stack } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.resourceCountIs('AWS::QuickSight::DataSet', 2);
    const dataSource = { 'Fn::GetAtt': [Match.stringLikeRegexp('AthenaDataSource'), 'Arn'] };
    const orders = only(template, 'AWS::QuickSight::DataSet', { DataSetId: 'sluice-final-orders' });
    expect(orders).toMatchObject({ Name: 'final.orders', ImportMode: 'DIRECT_QUERY', Permissions: [{ Principal: PRINCIPAL }] });
    template.hasResourceProperties('AWS::QuickSight::DataSet', {
      DataSetId: 'sluice-final-orders',
      PhysicalTableMap: {
        'final-orders': {
          RelationalTable: {
            DataSourceArn: dataSource,
            Catalog: 'AwsDataCatalog',
            Schema: 'sluice_final',
            Name: 'orders',
            InputColumns: [
              { Name: 'order_id', Type: 'INTEGER' },
              { Name: 'revenue', Type: 'DECIMAL' },
              { Name: 'order_date', Type: 'DATETIME' },
              { Name: 'country', Type: 'STRING' },
              { Name: 'paid', Type: 'BIT' },
            ],
          },
        },
      },
    });
    template.hasResourceProperties('AWS::QuickSight::DataSet', {
      DataSetId: 'sluice-final-revenue_by_country',
      PhysicalTableMap: {
        'final-revenue-by-country': {
          RelationalTable: {
            Name: 'revenue_by_country',
            InputColumns: [
              { Name: 'country', Type: 'STRING' },
              { Name: 'revenue', Type: 'DECIMAL' },
              { Name: 'orders', Type: 'INTEGER' },
              { Name: 'first_order', Type: 'DATETIME' },
            ],
          },
        },
      },
    });
  });

  it('has an S3 data source on each CSV manifest, created after the manifest', () => {
    // Prepare
    const { stack, final } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const props = only(template, 'AWS::QuickSight::DataSource', { Type: 'S3' });
    expect(props).toMatchObject({
      DataSourceId: 'sluice-orders-csv',
      DataSourceParameters: { S3Parameters: { ManifestFileLocation: { Bucket: refOf(stack, final), Key: '_csv/orders.manifest.json' } } },
      Permissions: [{ Principal: PRINCIPAL }],
    });
    const [id] = Object.keys(template.findResources('AWS::QuickSight::DataSource', { Properties: { Type: 'S3' } }));
    const [writer] = Object.keys(template.findResources('Custom::SluiceQuickSightManifest'));
    expect(template.toJSON().Resources[id as string].DependsOn).toContain(writer);
  });

  it('draws each chart of the dashboards: section as the matching QuickSight visual', () => {
    // Prepare
    const { stack } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const dashboard = only(template, 'AWS::QuickSight::Dashboard', { DashboardId: 'sluice-sales' });
    const definition = dashboard.Definition as Record<string, unknown[]> & { Sheets: { Visuals: Record<string, unknown>[] }[] };
    const col = (name: string) => ({ DataSetIdentifier: 'orders', ColumnName: name });
    const sum = (fieldId: string, name: string, fn = 'SUM') => ({
      NumericalMeasureField: { FieldId: fieldId, Column: col(name), AggregationFunction: { SimpleNumericalAggregation: fn } },
    });
    expect(definition.DataSetIdentifierDeclarations).toEqual([
      { Identifier: 'orders', DataSetArn: { 'Fn::GetAtt': [expect.stringMatching(/DataSetfinalorders/), 'Arn'] } },
    ]);
    expect(definition.CalculatedFields).toEqual([{ DataSetIdentifier: 'orders', Name: 'sluice_rows', Expression: '1' }]);
    const visuals = definition.Sheets[0]?.Visuals ?? [];
    expect(visuals.map((v) => Object.keys(v)[0])).toEqual([
      'KPIVisual',
      'BarChartVisual',
      'LineChartVisual',
      'LineChartVisual',
      'PieChartVisual',
      'ScatterPlotVisual',
      'TableVisual',
    ]);
    const [kpi, bar, line, area, pie, scatter, table] = visuals as Record<string, { VisualId: string; Title: unknown; ChartConfiguration: unknown }>[];
    expect(kpi?.KPIVisual).toEqual({
      VisualId: 'chart-0',
      Title: { Visibility: 'VISIBLE', FormatText: { PlainText: 'Revenue' } },
      ChartConfiguration: { FieldWells: { Values: [sum('chart-0-m0', 'revenue')] } },
    });
    expect(bar?.BarChartVisual?.Title).toEqual({ Visibility: 'VISIBLE', FormatText: { PlainText: 'sum(revenue), count(*) by country' } });
    expect(bar?.BarChartVisual?.ChartConfiguration).toEqual({
      Orientation: 'VERTICAL',
      BarsArrangement: 'CLUSTERED',
      FieldWells: {
        BarChartAggregatedFieldWells: {
          Category: [{ CategoricalDimensionField: { FieldId: 'chart-1-x', Column: col('country') } }],
          Values: [sum('chart-1-m0', 'revenue'), sum('chart-1-m1', 'sluice_rows')],
        },
      },
      SortConfiguration: {
        CategorySort: [{ FieldSort: { FieldId: 'chart-1-m0', Direction: 'DESC' } }],
        CategoryItemsLimit: { ItemsLimit: 10, OtherCategories: 'EXCLUDE' },
      },
    });
    expect(line?.LineChartVisual?.ChartConfiguration).toEqual({
      Type: 'LINE',
      FieldWells: {
        LineChartAggregatedFieldWells: {
          Category: [{ DateDimensionField: { FieldId: 'chart-2-x', Column: col('order_date'), DateGranularity: 'MONTH' } }],
          Values: [sum('chart-2-m0', 'order_id', 'DISTINCT_COUNT')],
        },
      },
      SortConfiguration: { CategorySort: [{ FieldSort: { FieldId: 'chart-2-x', Direction: 'ASC' } }] },
    });
    expect(area?.LineChartVisual?.ChartConfiguration).toEqual({
      Type: 'AREA',
      FieldWells: {
        LineChartAggregatedFieldWells: {
          Category: [{ DateDimensionField: { FieldId: 'chart-3-x', Column: col('order_date') } }],
          Values: [sum('chart-3-m0', 'revenue', 'AVERAGE')],
          Colors: [{ CategoricalDimensionField: { FieldId: 'chart-3-g', Column: col('country') } }],
        },
      },
      SortConfiguration: {
        CategorySort: [{ FieldSort: { FieldId: 'chart-3-x', Direction: 'ASC' } }],
        ColorItemsLimitConfiguration: { ItemsLimit: 8, OtherCategories: 'EXCLUDE' },
      },
    });
    expect(pie?.PieChartVisual?.ChartConfiguration).toEqual({
      FieldWells: {
        PieChartAggregatedFieldWells: {
          Category: [{ CategoricalDimensionField: { FieldId: 'chart-4-x', Column: col('country') } }],
          Values: [{ CategoricalMeasureField: { FieldId: 'chart-4-m0', Column: col('country'), AggregationFunction: 'COUNT' } }],
        },
      },
      SortConfiguration: {
        CategorySort: [{ FieldSort: { FieldId: 'chart-4-m0', Direction: 'DESC' } }],
        CategoryItemsLimit: { ItemsLimit: 8, OtherCategories: 'EXCLUDE' },
      },
    });
    expect(scatter?.ScatterPlotVisual?.ChartConfiguration).toEqual({
      FieldWells: {
        ScatterPlotUnaggregatedFieldWells: {
          XAxis: [{ NumericalDimensionField: { FieldId: 'chart-5-x', Column: col('revenue') } }],
          YAxis: [{ NumericalDimensionField: { FieldId: 'chart-5-y', Column: col('order_id') } }],
        },
      },
    });
    expect(table?.TableVisual?.ChartConfiguration).toEqual({
      FieldWells: {
        TableUnaggregatedFieldWells: {
          Values: ['order_id', 'country', 'revenue'].map((name, k) => ({ FieldId: `chart-6-c${k}`, Column: col(name) })),
        },
      },
      SortConfiguration: { PaginationConfiguration: { PageNumber: 1, PageSize: 50 } },
    });
  });

  it("turns each chart's where into a filter group on that chart, and text filters into dropdowns over every chart", () => {
    // Prepare
    const { stack, analytics } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const definition = only(template, 'AWS::QuickSight::Dashboard').Definition as {
      FilterGroups: unknown[];
      Sheets: { FilterControls: unknown[] }[];
    };
    const col = (name: string) => ({ DataSetIdentifier: 'orders', ColumnName: name });
    const onChart = (visualId: string) => ({
      SelectedSheets: { SheetVisualScopingConfigurations: [{ SheetId: 'sheet-1', Scope: 'SELECTED_VISUALS', VisualIds: [visualId] }] },
    });
    expect(definition.FilterGroups).toEqual([
      {
        FilterGroupId: 'chart-0-where-0',
        CrossDataset: 'SINGLE_DATASET',
        Status: 'ENABLED',
        Filters: [
          {
            NumericEqualityFilter: { FilterId: 'chart-0-where-0', Column: col('paid'), MatchOperator: 'EQUALS', NullOption: 'NON_NULLS_ONLY', Value: 1 },
          },
        ],
        ScopeConfiguration: onChart('chart-0'),
      },
      {
        FilterGroupId: 'chart-1-where-0',
        CrossDataset: 'SINGLE_DATASET',
        Status: 'ENABLED',
        Filters: [
          {
            CategoryFilter: {
              FilterId: 'chart-1-where-0',
              Column: col('country'),
              Configuration: { FilterListConfiguration: { MatchOperator: 'CONTAINS', NullOption: 'ALL_VALUES', CategoryValues: ['DE', 'FR'] } },
            },
          },
        ],
        ScopeConfiguration: onChart('chart-1'),
      },
      {
        FilterGroupId: 'filter-0-group',
        CrossDataset: 'SINGLE_DATASET',
        Status: 'ENABLED',
        Filters: [
          {
            CategoryFilter: {
              FilterId: 'filter-0',
              Column: col('country'),
              Configuration: { FilterListConfiguration: { MatchOperator: 'CONTAINS', SelectAllOptions: 'FILTER_ALL_VALUES' } },
            },
          },
        ],
        ScopeConfiguration: { SelectedSheets: { SheetVisualScopingConfigurations: [{ SheetId: 'sheet-1', Scope: 'ALL_VISUALS' }] } },
      },
    ]);
    expect(definition.Sheets[0]?.FilterControls).toEqual([
      { Dropdown: { FilterControlId: 'filter-0-control', SourceFilterId: 'filter-0', Title: 'country', Type: 'MULTI_SELECT' } },
    ]);
    expect(analytics.uncontrolledFilters.get('sales')).toEqual(['revenue']);
  });

  it('has an analysis with the same definition as the dashboard, both owned by the principal', () => {
    // Prepare
    const { stack } = build();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const analysis = only(template, 'AWS::QuickSight::Analysis', { AnalysisId: 'sluice-sales' });
    const dashboard = only(template, 'AWS::QuickSight::Dashboard', { DashboardId: 'sluice-sales' });
    expect(analysis.Definition).toEqual(dashboard.Definition);
    expect(analysis).toMatchObject({ Name: 'Sales', Permissions: [{ Principal: PRINCIPAL, Actions: expect.arrayContaining(['quicksight:QueryAnalysis']) }] });
    expect(dashboard).toMatchObject({
      Name: 'Sales',
      Permissions: [{ Principal: PRINCIPAL, Actions: expect.arrayContaining(['quicksight:QueryDashboard', 'quicksight:UpdateDashboardPublishedVersion']) }],
      DashboardPublishOptions: { AdHocFilteringOption: { AvailabilityStatus: 'ENABLED' } },
    });
  });

  it('maps Glue column types to QuickSight input types', () => {
    // Prepare
    const types = ['string', 'varchar(10)', 'int', 'bigint', 'smallint', 'double', 'float', 'decimal(12,2)', 'boolean', 'date', 'timestamp', 'array<string>'];

    // Act
    const mapped = types.map(quicksightInputType);

    // Assess
    expect(mapped).toEqual(['STRING', 'STRING', 'INTEGER', 'INTEGER', 'INTEGER', 'DECIMAL', 'DECIMAL', 'DECIMAL', 'BIT', 'DATETIME', 'DATETIME', 'STRING']);
  });
});

describe('refusals at synth, with the YAML path', () => {
  const refused = (dashboard: NonNullable<ConfigInput['dashboards']>[string]): ConfigError => {
    try {
      build(analyticsConfig({ dashboards: { sales: dashboard } }));
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('the dashboard was not refused');
  };

  it('refuses a dashboard on a processed table the local catalog does not know, saying how to let it know', () => {
    // Prepare
    const dashboard = { table: 'processed.customers', charts: [{ kind: 'kpi' as const, measures: ['count(*)'] }] };

    // Act
    const err = refused(dashboard);

    // Assess
    expect(err.path).toBe('dashboards.sales.table');
    expect(err.message).toContain('QuickSight needs the columns of processed.customers, and preprocessing decides its columns from the data');
    expect(err.message).toContain('run "sluice run" once locally');
  });

  it('refuses an unknown column, an aggregate its type cannot take, and a where QuickSight cannot express', () => {
    // Prepare
    const cases = [
      { charts: [{ kind: 'bar' as const, x: 'contry', measures: ['count(*)'] }], path: 'dashboards.sales.charts[0].x', text: 'did you mean "country"' },
      { charts: [{ kind: 'kpi' as const, measures: ['sum(country)'] }], path: 'dashboards.sales.charts[0].measures[0]', text: 'needs a number' },
      {
        charts: [{ kind: 'kpi' as const, measures: ['count(*)'], where: { order_id: [1, 2] } }],
        path: 'dashboards.sales.charts[0].where.order_id',
        text: 'one value',
      },
    ];

    // Act
    const errors = cases.map((c) => refused({ table: 'final.orders', charts: c.charts }));

    // Assess
    expect(errors.map((e) => e.path)).toEqual(cases.map((c) => c.path));
    errors.forEach((e, i) => {
      expect(e.message).toContain(cases[i]?.text);
    });
  });

  it('refuses a dashboard on a final table whose columns are not known, saying to run locally first', () => {
    // Prepare
    const dashboard = { table: 'final.customers', charts: [{ kind: 'kpi' as const, measures: ['count(*)'] }] };

    // Act
    const err = refused(dashboard);

    // Assess
    expect(err.path).toBe('dashboards.sales.table');
    expect(err.message).toContain('run "sluice run" once locally');
  });
});

describe('finalTableSchemas', () => {
  it('derives columns from the job spec: mapping types, renames, drops, joins and simple aggregates', () => {
    // Prepare
    const cfg = config({
      jobs: {
        orders_clean: {
          source: 'processed.orders',
          mappings: [
            ['order_id', 'bigint', 'order_id', 'bigint'],
            ['amount', 'double', 'amount', 'decimal(12,2)'],
            ['qty', 'int', 'qty', 'int'],
            ['country', 'string', 'country', 'string'],
            ['customer', 'string', 'customer', 'string'],
          ],
          rename: { amount: 'revenue' },
          drop: ['customer'],
          output: { table: 'orders', partitionBy: ['country'], csv: true },
        },
        totals: {
          source: 'final.orders',
          join: { table: 'final.countries', on: ['country'], prefix: 'c_' },
          aggregate: { groupBy: ['c_region'], measures: { revenue: 'sum(revenue)', qty: 'sum(qty)', mean: 'avg(qty)', n: 'count(distinct order_id)' } },
          output: { table: 'totals' },
        },
      },
    });
    const known = new Map([
      [
        'final.countries',
        [
          { name: 'country', type: 'string' },
          { name: 'region', type: 'string' },
        ],
      ],
    ]);

    // Act
    const tables = finalTableSchemas(cfg, known);

    // Assess: final.countries is a dataset published locally; on AWS no job writes it, so it is no final table there.
    expect(tables).toEqual([
      {
        name: 'orders',
        columns: [
          { name: 'order_id', type: 'bigint' },
          { name: 'revenue', type: 'decimal(12,2)' },
          { name: 'qty', type: 'int' },
          { name: 'country', type: 'string' },
        ],
        partitionKeys: ['country'],
        csv: true,
      },
      {
        name: 'totals',
        columns: [
          { name: 'c_region', type: 'string' },
          { name: 'revenue', type: 'decimal(38,2)' },
          { name: 'qty', type: 'decimal(38,0)' },
          { name: 'mean', type: 'double' },
          { name: 'n', type: 'bigint' },
        ],
        partitionKeys: [],
        csv: false,
      },
    ]);
  });

  it('takes the local catalog over the spec, and the charted processed tables from it', () => {
    // Prepare
    const cfg = config({
      jobs: { orders_clean: { source: 'processed.orders', derive: { month: "strftime(order_date, '%Y-%m')" }, output: { table: 'orders' } } },
    });
    const known = new Map([
      [
        'final.orders',
        [
          { name: 'order_id', type: 'bigint' },
          { name: 'month', type: 'string', partitionKey: true },
        ],
      ],
      ['final.customers', [{ name: 'customer', type: 'string' }]],
      ['processed.orders', [{ name: 'order_id', type: 'bigint' }]],
    ]);

    const charted = config({ dashboards: { p: { table: 'processed.orders', charts: [{ kind: 'kpi', measures: ['count(*)'] }] } } });

    // Act
    const tables = finalTableSchemas(cfg, known, { requireColumns: true });
    const processed = processedTableSchemas(charted, known);

    // Assess
    expect(processed).toEqual([{ name: 'orders', columns: [{ name: 'order_id', type: 'bigint' }], partitionKeys: [], csv: false }]);
    expect(tables).toEqual([
      {
        name: 'orders',
        columns: [
          { name: 'order_id', type: 'bigint' },
          { name: 'month', type: 'string' },
        ],
        partitionKeys: ['month'],
        csv: false,
      },
    ]);
  });

  it('refuses a derived column when QuickSight needs the columns, naming the job step and the fix', () => {
    // Prepare
    const cfg = config({
      jobs: { orders_clean: { source: 'processed.orders', mappings: [['a', 'int', 'a', 'int']], derive: { b: 'a * 2' }, output: { table: 'orders' } } },
      aws: { quicksight: { principal: PRINCIPAL } },
    });

    // Act
    const act = () => finalTableSchemas(cfg);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/jobs\.orders_clean\.derive\.b: .*derived column "b".*run "sluice run" once locally/);
  });

  it('leaves the columns out without QuickSight, so the manifest route still works', () => {
    // Prepare
    const cfg = config({ jobs: { orders_clean: { source: 'processed.orders', derive: { b: 'a * 2' }, output: { table: 'orders', csv: true } } } });

    // Act
    const tables = finalTableSchemas(cfg);

    // Assess
    expect(tables).toEqual([{ name: 'orders', columns: [], partitionKeys: [], csv: true }]);
  });
});

describe('readLocalCatalogColumns', () => {
  it('reads the tables of the local catalog as Glue types, partition keys marked', async () => {
    // Prepare
    const dir = tempDir();
    const db = openStateDb(stateFileOf(dir));
    const catalog = new SqliteCatalog(db);
    await catalog.registerFile(
      fileRegistration({
        database: 'final',
        table: 'orders',
        fileKey: 'orders/year=2024/a.parquet',
        partitionValues: { year: '2024' },
        columns: [
          { name: 'order_id', type: 'BIGINT', nullable: true },
          { name: 'amount', type: 'DECIMAL(12,2)', nullable: true },
          { name: 'country', type: 'VARCHAR', nullable: true },
        ],
      }),
    );
    db.close();

    // Act
    const known = await readLocalCatalogColumns(dir);

    // Assess
    expect(known).toEqual(
      new Map([
        [
          'final.orders',
          [
            { name: 'order_id', type: 'bigint' },
            { name: 'amount', type: 'decimal(12,2)' },
            { name: 'country', type: 'string' },
            { name: 'year', type: 'bigint', partitionKey: true },
          ],
        ],
      ]),
    );
  });

  it('knows nothing of a project that never ran, and creates no state there', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    const known = await readLocalCatalogColumns(dir);

    // Assess
    expect(known.size).toBe(0);
    expect(await import('node:fs').then((fs) => fs.existsSync(stateFileOf(dir)))).toBe(false);
  });
});

describe('security checks', () => {
  it('passes cdk-nag AwsSolutions and CloudFormation validation with no open finding and no bucket wildcard', () => {
    // Prepare
    const app = new App({ outdir: tempDir('sluice-cdk-') });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    build(analyticsConfig(), { finalKey: true, app });

    // Act
    app.synth();

    // Assess
    const { open, acknowledged } = validationReport(app);
    expect(open).toEqual([]);
    expect(acknowledged.filter((f) => f.plugin === 'AwsSolutions')).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(app)).toEqual({ success: true, violations: [] });
  });
});
