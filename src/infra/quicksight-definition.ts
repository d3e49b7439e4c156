/**
 * A `dashboards:` entry of sluice.yaml as a QuickSight analysis/dashboard
 * definition, drawing what the local web app draws (src/views/dashboards.ts):
 *
 * - kpi → KPIVisual of the first measure; bar → BarChartVisual; line → LineChartVisual;
 *   area → LineChartVisual of type AREA; pie → PieChartVisual of the first measure;
 *   scatter → ScatterPlotVisual of the raw x/y values; table → TableVisual of the
 *   raw rows (all columns by default), `limit` rows a page.
 * - Measures: `sum/avg/min/max/median(x)` → that aggregation, `count(x)` →
 *   COUNT (non-null values, as SQL), `count_distinct(x)` → DISTINCT_COUNT,
 *   `count(*)` → the sum of a calculated field that is 1 on every row
 *   (QuickSight has no row count of its own).
 * - A date/timestamp x with `bucket` → that DateGranularity (without one, QuickSight's
 *   default, where the local app picks from the data's span); bar and pie show the
 *   `limit` largest categories (default 20 and 8), line and area run along x in order;
 *   `group` → the colour field (one series per value, the 8 largest), first measure only.
 * - `where` → one filter group per column, on that chart alone: a text column keeps the
 *   listed values (and nulls when `null` is listed); a number or boolean (QuickSight reads
 *   booleans as 1/0) equals one value; a date equals one day. QuickSight has no "one of
 *   several values" filter for numbers and dates: such a `where` is refused.
 * - The dashboard's `filters` → a multi-select dropdown over every chart, for text
 *   columns; other columns are left to QuickSight's ad hoc filtering (reported back).
 *
 * Every column is checked against the table's schema; a mistake is a
 * ConfigError at its YAML path, before anything is deployed.
 */
import type { CfnDashboard } from 'aws-cdk-lib/aws-quicksight';
import { type ChartConfig, type DashboardConfig, MEASURE_PATTERN } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { toDuckType, typeFamily } from '../core/types.js';
import { defaultTitle } from '../views/dashboards.js';
import type { FinalTableSchema } from './final-tables.js';

type Definition = CfnDashboard.DashboardVersionDefinitionProperty;
type Visual = CfnDashboard.VisualProperty;
type Measure = CfnDashboard.MeasureFieldProperty;
type Dimension = CfnDashboard.DimensionFieldProperty;
type FilterGroup = CfnDashboard.FilterGroupProperty;
type Filter = CfnDashboard.FilterProperty;
type Scalar = string | number | boolean | null;

/** The calculated field that is 1 on every row: `count(*)` is its sum. */
export const ROW_COUNT_FIELD = 'sluice_rows';

export const SHEET_ID = 'sheet-1';

const GRANULARITY: Record<NonNullable<ChartConfig['bucket']>, string> = {
  day: 'DAY',
  week: 'WEEK',
  month: 'MONTH',
  quarter: 'QUARTER',
  year: 'YEAR',
};

const AGGREGATION: Record<string, string> = {
  sum: 'SUM',
  avg: 'AVERAGE',
  min: 'MIN',
  max: 'MAX',
  median: 'MEDIAN',
  count: 'COUNT',
  count_distinct: 'DISTINCT_COUNT',
};

/** The local app's default number of categories, groups and rows. */
const DEFAULT_LIMIT = { bar: 20, pie: 8, table: 20 } as const;
const MAX_GROUPS = 8;

export interface DashboardDefinition {
  definition: Definition;
  /** Dashboard filter columns that did not become a control (not text), for the deploy report. */
  uncontrolledFilters: string[];
}

type Family = 'numeric' | 'text' | 'boolean' | 'date' | 'timestamp' | 'other';

function familyOf(glueType: string): Family {
  const duck = toDuckType(glueType);
  return duck ? typeFamily(duck) : 'other';
}

/**
 * The definition of dashboard `id` on `table`, whose dataset is declared as
 * `dataSetIdentifier` → `dataSetArn`. Refuses a column the table lacks, an
 * aggregate its type cannot take, and a `where` QuickSight cannot express.
 */
export function dashboardDefinition(
  id: string,
  d: DashboardConfig,
  table: FinalTableSchema,
  dataSet: { identifier: string; arn: string },
): DashboardDefinition {
  const base = `dashboards.${id}`;
  const names = table.columns.map((c) => c.name);
  const fail = (path: string, message: string) => new ConfigError('sluice.yaml', path, message);
  const column = (name: string | undefined, path: string): { name: string; family: Family } => {
    if (name === undefined) throw fail(path, 'name a column');
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw fail(path, `unknown column "${name}" in ${d.table}${didYouMean(name, names)}`);
    return { name, family: familyOf(c.type) };
  };
  const ref = (columnName: string) => ({ dataSetIdentifier: dataSet.identifier, columnName });
  let countsRows = false;

  const measureField = (text: string, fieldId: string, path: string): Measure => {
    const m = MEASURE_PATTERN.exec(text);
    if (!m) throw fail(path, `"${text}" is not a measure`);
    const agg = (m[1] as string).toLowerCase();
    if (m[2] === '*') {
      if (agg !== 'count') throw fail(path, `only count takes *, not ${agg}(*)`);
      countsRows = true;
      return { numericalMeasureField: { fieldId, column: ref(ROW_COUNT_FIELD), aggregationFunction: { simpleNumericalAggregation: 'SUM' } } };
    }
    const col = column(m[2], path);
    const fn = AGGREGATION[agg] as string;
    if (col.family === 'numeric' || col.family === 'boolean') {
      return { numericalMeasureField: { fieldId, column: ref(col.name), aggregationFunction: { simpleNumericalAggregation: fn } } };
    }
    const counting = agg === 'count' || agg === 'count_distinct';
    if (col.family === 'date' || col.family === 'timestamp') {
      if (!counting && agg !== 'min' && agg !== 'max')
        throw fail(path, `${agg}(${col.name}) needs a number, but ${col.name} is a ${col.family}; use min, max or count`);
      return { dateMeasureField: { fieldId, column: ref(col.name), aggregationFunction: fn } };
    }
    if (!counting) throw fail(path, `${agg}(${col.name}) needs a number, but ${col.name} is text; use count(${col.name}) or count_distinct(${col.name})`);
    return { categoricalMeasureField: { fieldId, column: ref(col.name), aggregationFunction: fn } };
  };

  const dimensionField = (c: { name: string; family: Family }, fieldId: string, bucket?: ChartConfig['bucket']): Dimension => {
    if (c.family === 'date' || c.family === 'timestamp') {
      return { dateDimensionField: { fieldId, column: ref(c.name), ...(bucket ? { dateGranularity: GRANULARITY[bucket] } : {}) } };
    }
    if (c.family === 'numeric' || c.family === 'boolean') return { numericalDimensionField: { fieldId, column: ref(c.name) } };
    return { categoricalDimensionField: { fieldId, column: ref(c.name) } };
  };

  const visuals: Visual[] = [];
  const filterGroups: FilterGroup[] = [];
  const layout: CfnDashboard.GridLayoutElementProperty[] = [];
  let row = 0;
  let col = 0;
  const place = (elementId: string, columnSpan: number, rowSpan: number) => {
    if (col + columnSpan > 36) {
      row += rowSpan;
      col = 0;
    }
    layout.push({ elementId, elementType: 'VISUAL', columnIndex: col, rowIndex: row, columnSpan, rowSpan });
    col += columnSpan;
  };

  for (const [i, c] of d.charts.entries()) {
    const path = `${base}.charts[${i}]`;
    const visualId = `chart-${i}`;
    const title = { visibility: 'VISIBLE', formatText: { plainText: c.title ?? defaultTitle(c) } };
    const measures = (list: readonly string[]) => list.map((m, k) => measureField(m, `${visualId}-m${k}`, `${path}.measures[${k}]`));

    if (c.kind === 'kpi') {
      const values = measures((c.measures ?? ['count(*)']).slice(0, 1));
      visuals.push({ kpiVisual: { visualId, title, chartConfiguration: { fieldWells: { values } } } });
      place(visualId, 12, 6);
    } else if (c.kind === 'table') {
      const shown = (c.columns ?? names).map((name, k) => column(name, `${path}.columns[${k}]`));
      visuals.push({
        tableVisual: {
          visualId,
          title,
          chartConfiguration: {
            fieldWells: { tableUnaggregatedFieldWells: { values: shown.map((s, k) => ({ fieldId: `${visualId}-c${k}`, column: ref(s.name) })) } },
            sortConfiguration: { paginationConfiguration: { pageNumber: 1, pageSize: c.limit ?? DEFAULT_LIMIT.table } },
          },
        },
      });
      place(visualId, 36, 12);
    } else if (c.kind === 'scatter') {
      const x = column(c.x, `${path}.x`);
      const y = column(c.y, `${path}.y`);
      for (const [axis, v] of [
        ['x', x],
        ['y', y],
      ] as const) {
        if (v.family !== 'numeric' && v.family !== 'boolean') throw fail(`${path}.${axis}`, `a scatter plots numbers, but ${v.name} is ${v.family}`);
      }
      visuals.push({
        scatterPlotVisual: {
          visualId,
          title,
          chartConfiguration: {
            fieldWells: {
              scatterPlotUnaggregatedFieldWells: {
                xAxis: [{ numericalDimensionField: { fieldId: `${visualId}-x`, column: ref(x.name) } }],
                yAxis: [{ numericalDimensionField: { fieldId: `${visualId}-y`, column: ref(y.name) } }],
              },
            },
          },
        },
      });
      place(visualId, 18, 12);
    } else {
      // bar, line, area, pie: categories along x, one series per measure or per group value.
      const x = column(c.x, `${path}.x`);
      const temporal = x.family === 'date' || x.family === 'timestamp';
      const group = c.group === undefined ? undefined : column(c.group, `${path}.group`);
      const allMeasures = c.measures ?? ['count(*)'];
      const values = measures(c.kind === 'pie' || group ? allMeasures.slice(0, 1) : allMeasures);
      const category = [dimensionField(x, `${visualId}-x`, c.bucket)];
      const colors = group ? [dimensionField(group, `${visualId}-g`)] : undefined;
      const ordered = temporal || c.kind === 'line' || c.kind === 'area';
      const limit = c.limit ?? (ordered ? undefined : c.kind === 'pie' ? DEFAULT_LIMIT.pie : DEFAULT_LIMIT.bar);
      const categorySort = [{ fieldSort: ordered ? { fieldId: `${visualId}-x`, direction: 'ASC' } : { fieldId: `${visualId}-m0`, direction: 'DESC' } }];
      const categoryLimit = limit === undefined ? undefined : { itemsLimit: limit, otherCategories: 'EXCLUDE' };
      const colorLimit = { itemsLimit: MAX_GROUPS, otherCategories: 'EXCLUDE' };
      if (c.kind === 'bar') {
        visuals.push({
          barChartVisual: {
            visualId,
            title,
            chartConfiguration: {
              orientation: 'VERTICAL',
              barsArrangement: 'CLUSTERED',
              fieldWells: { barChartAggregatedFieldWells: { category, values, ...(colors ? { colors } : {}) } },
              sortConfiguration: {
                categorySort,
                ...(categoryLimit ? { categoryItemsLimit: categoryLimit } : {}),
                ...(colors ? { colorItemsLimit: colorLimit } : {}),
              },
            },
          },
        });
      } else if (c.kind === 'pie') {
        visuals.push({
          pieChartVisual: {
            visualId,
            title,
            chartConfiguration: {
              fieldWells: { pieChartAggregatedFieldWells: { category, values } },
              sortConfiguration: { categorySort, ...(categoryLimit ? { categoryItemsLimit: categoryLimit } : {}) },
            },
          },
        });
      } else {
        visuals.push({
          lineChartVisual: {
            visualId,
            title,
            chartConfiguration: {
              type: c.kind === 'area' ? 'AREA' : 'LINE',
              fieldWells: { lineChartAggregatedFieldWells: { category, values, ...(colors ? { colors } : {}) } },
              sortConfiguration: {
                categorySort,
                ...(categoryLimit ? { categoryItemsLimitConfiguration: categoryLimit } : {}),
                ...(colors ? { colorItemsLimitConfiguration: colorLimit } : {}),
              },
            },
          },
        });
      }
      place(visualId, 18, 12);
    }

    for (const [k, [name, value]] of Object.entries(c.where ?? {}).entries()) {
      const wherePath = `${path}.where.${name}`;
      const filter = whereFilter(column(name, wherePath), Array.isArray(value) ? value : [value], `${visualId}-where-${k}`, ref, (m) => fail(wherePath, m));
      filterGroups.push({
        filterGroupId: `${visualId}-where-${k}`,
        crossDataset: 'SINGLE_DATASET',
        status: 'ENABLED',
        filters: [filter],
        scopeConfiguration: { selectedSheets: { sheetVisualScopingConfigurations: [{ sheetId: SHEET_ID, scope: 'SELECTED_VISUALS', visualIds: [visualId] }] } },
      });
    }
  }

  // The viewer's filters: a multi-select dropdown per text column, over every chart.
  const filterControls: CfnDashboard.FilterControlProperty[] = [];
  const uncontrolledFilters: string[] = [];
  for (const [k, name] of d.filters.entries()) {
    const c = column(name, `${base}.filters[${k}]`);
    if (c.family !== 'text') {
      uncontrolledFilters.push(name);
      continue;
    }
    const filterId = `filter-${k}`;
    filterGroups.push({
      filterGroupId: `${filterId}-group`,
      crossDataset: 'SINGLE_DATASET',
      status: 'ENABLED',
      filters: [
        {
          categoryFilter: {
            filterId,
            column: ref(c.name),
            configuration: { filterListConfiguration: { matchOperator: 'CONTAINS', selectAllOptions: 'FILTER_ALL_VALUES' } },
          },
        },
      ],
      scopeConfiguration: { selectedSheets: { sheetVisualScopingConfigurations: [{ sheetId: SHEET_ID, scope: 'ALL_VISUALS' }] } },
    });
    filterControls.push({ dropdown: { filterControlId: `${filterId}-control`, sourceFilterId: filterId, title: c.name, type: 'MULTI_SELECT' } });
  }

  const definition: Definition = {
    dataSetIdentifierDeclarations: [{ identifier: dataSet.identifier, dataSetArn: dataSet.arn }],
    ...(countsRows ? { calculatedFields: [{ dataSetIdentifier: dataSet.identifier, name: ROW_COUNT_FIELD, expression: '1' }] } : {}),
    ...(filterGroups.length ? { filterGroups } : {}),
    sheets: [
      {
        sheetId: SHEET_ID,
        name: d.title ?? id,
        title: d.title ?? id,
        visuals,
        ...(filterControls.length ? { filterControls } : {}),
        layouts: [{ configuration: { gridLayout: { elements: layout } } }],
      },
    ],
  };
  if (countsRows && names.includes(ROW_COUNT_FIELD)) {
    throw fail(
      `${base}.table`,
      `${d.table} has a column named ${ROW_COUNT_FIELD}, the name Sluice gives QuickSight's row count; rename that column in the job`,
    );
  }
  return { definition, uncontrolledFilters };
}

/** A chart's fixed filter on one column, as the local app applies it: the column is one of the values (nulls when null is listed). */
function whereFilter(
  c: { name: string; family: Family },
  values: Scalar[],
  filterId: string,
  ref: (name: string) => CfnDashboard.ColumnIdentifierProperty,
  fail: (message: string) => ConfigError,
): Filter {
  const present = values.filter((v): v is string | number | boolean => v !== null);
  const hasNull = present.length < values.length;
  const nullOption = hasNull ? (present.length ? 'ALL_VALUES' : 'NULLS_ONLY') : 'NON_NULLS_ONLY';
  if (c.family === 'text') {
    return {
      categoryFilter: {
        filterId,
        column: ref(c.name),
        configuration: {
          filterListConfiguration: { matchOperator: 'CONTAINS', nullOption, ...(present.length ? { categoryValues: present.map(String) } : {}) },
        },
      },
    };
  }
  if (present.length > 1 || (hasNull && present.length)) {
    throw fail(`QuickSight filters a ${c.family} column by one value; list one value here, or filter the rows in the job that writes the table`);
  }
  const v = present[0];
  if (c.family === 'numeric' || c.family === 'boolean') {
    const n = typeof v === 'boolean' ? Number(v) : v === undefined ? undefined : c.family === 'boolean' ? booleanNumber(String(v)) : Number(v);
    if (n !== undefined && !Number.isFinite(n)) throw fail(`"${v}" is not a ${c.family === 'boolean' ? 'boolean' : 'number'}`);
    return { numericEqualityFilter: { filterId, column: ref(c.name), matchOperator: 'EQUALS', nullOption, ...(n === undefined ? {} : { value: n }) } };
  }
  if (c.family === 'date' || c.family === 'timestamp') {
    if (v === undefined) throw fail(`QuickSight cannot keep only the empty values of a ${c.family} column; filter them in the job instead`);
    const text = String(v);
    const time = Date.parse(c.family === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(time)) throw fail(`"${text}" is not a ${c.family}; write it as 2024-03-31${c.family === 'timestamp' ? 'T12:00:00Z' : ''}`);
    return {
      timeEqualityFilter: { filterId, column: ref(c.name), value: new Date(time).toISOString(), ...(c.family === 'date' ? { timeGranularity: 'DAY' } : {}) },
    };
  }
  throw fail(`QuickSight cannot filter a column of this type by value; filter the rows in the job instead`);
}

/** A boolean written as text in sluice.yaml (`"true"`), as QuickSight's 1/0. */
function booleanNumber(text: string): number {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === '1' ? 1 : t === 'false' || t === '0' ? 0 : Number.NaN;
}
