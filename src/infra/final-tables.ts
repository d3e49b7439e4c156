/**
 * The final tables a deployment serves (Athena, QuickSight, the S3 manifest
 * route), with their columns typed as Glue/Hive types.
 *
 * Columns come from the local catalog when the project ran locally (what the
 * pipeline really wrote wins), else from the job spec where the spec
 * determines them: mapping targets carry their types; rename, drop, join,
 * filter, dedupe and sort only move columns; an aggregate's `count`, `min`,
 * `max`, `sum` and `avg` of a column have the types DuckDB gives them (the
 * engine that writes the Parquet and registers the Glue table). An expression
 * (`derive`, any other measure) has a type only the engine knows: when
 * QuickSight needs the columns, that is refused with the job and the step,
 * and the fix (run `sluice run` once locally so the catalog knows the
 * columns). A guessed `string` would be worse than a refusal: QuickSight and
 * Athena would read a number as text, or fail on the Parquet type.
 */
import { type JobConfig, jobInputs, type SluiceConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { toDuckType, toHiveType, typeFamily } from '../core/types.js';

export interface FinalTableSchema {
  /** The table's name in the final database (`orders` for `final.orders`). */
  name: string;
  /** Every column, partition columns included (Athena and QuickSight see them as ordinary columns), typed as Glue/Hive types. */
  columns: { name: string; type: string /* Glue/Hive type */ }[];
  /** The names of the columns that are Hive partition keys, in order (Glue: PartitionKeys; their types are in `columns`). */
  partitionKeys: string[];
  /** The job also writes CSV copies (`output.csv: true`): the S3 manifest route to QuickSight. */
  csv: boolean;
}

/** A column of a table in the local catalog, typed as a Glue/Hive type. */
export interface KnownColumn {
  name: string;
  type: string;
  /** A Hive partition key (a `key=value` folder), not a column inside the files. */
  partitionKey?: boolean;
}

/** Tables of the local catalog by qualified name (`final.orders`, `processed.orders`). */
export type KnownTables = Map<string, KnownColumn[]>;

export interface FinalTableOptions {
  /**
   * Refuse a table whose column types cannot be determined. Default: when
   * QuickSight is configured (its datasets need typed columns). Otherwise such
   * a table is returned without columns (its manifest needs only the name).
   */
  requireColumns?: boolean;
}

/** Why a column's type is not known, with the YAML path that set it. */
class UnknownType extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(what);
  }
}

/** A column during derivation: a DuckDB type, as the engine plans the job. */
interface Col {
  name: string;
  type: string;
}

/**
 * The final tables of `config`: every job's output table. On AWS nothing else
 * is in the final bucket (a dataset no job reads stays a processed table).
 */
export function finalTableSchemas(config: SluiceConfig, known: KnownTables = new Map(), opts: FinalTableOptions = {}): FinalTableSchema[] {
  const requireColumns = opts.requireColumns ?? config.aws.quicksight !== undefined;
  const out: FinalTableSchema[] = [];
  const writers = new Map(Object.entries(config.jobs).map(([name, job]) => [`final.${job.output.table}`, name]));
  const derived = new Map<string, Col[]>();
  const columnsOf = (qualified: string, path: string, trail: readonly string[]): Col[] => {
    const k = known.get(qualified);
    if (k) return k.map((c) => ({ name: c.name, type: duckOf(c.type) }));
    const writer = writers.get(qualified);
    if (writer && !trail.includes(writer)) {
      const cached = derived.get(writer);
      if (cached) return cached;
      const cols = deriveJobColumns(writer, config.jobs[writer] as JobConfig, (q, p) => columnsOf(q, p, [...trail, writer]));
      derived.set(writer, cols);
      return cols;
    }
    throw new UnknownType(path, `the columns of ${qualified} are not known before it holds data`);
  };

  for (const [name, job] of Object.entries(config.jobs)) {
    const qualified = `final.${job.output.table}`;
    const k = known.get(qualified);
    let columns: FinalTableSchema['columns'] = [];
    try {
      columns = k ? k.map((c) => ({ name: c.name, type: c.type })) : columnsOf(qualified, 'source', []).map(hiveColumn);
    } catch (err) {
      if (!(err instanceof UnknownType)) throw err;
      if (requireColumns) {
        throw new ConfigError(
          'sluice.yaml',
          `jobs.${name}.${err.path}`,
          `${err.what}, so QuickSight cannot be given the columns of ${qualified}; run "sluice run" once locally (the local catalog then knows the columns), then deploy again`,
        );
      }
    }
    const partitionKeys = k ? k.filter((c) => c.partitionKey).map((c) => c.name) : [...job.output.partitionBy];
    out.push({ name: job.output.table, columns, partitionKeys, csv: job.output.csv });
  }

  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function duckOf(hiveType: string): string {
  return toDuckType(hiveType) ?? 'VARCHAR';
}

function hiveColumn(c: Col): { name: string; type: string } {
  return { name: c.name, type: toHiveType(c.type) };
}

/** The columns a job writes, step by step as `planJob` builds its query (without running it). */
function deriveJobColumns(jobName: string, job: JobConfig, columnsOf: (qualified: string, path: string) => Col[]): Col[] {
  const fail = (path: string, message: string) => new ConfigError('sluice.yaml', `jobs.${jobName}.${path}`, message);
  const need = (cols: readonly Col[], name: string, path: string): Col => {
    const c = cols.find((x) => x.name === name);
    if (!c)
      throw fail(
        path,
        `unknown column "${name}"${didYouMean(
          name,
          cols.map((x) => x.name),
        )}`,
      );
    return c;
  };
  const inputs = jobInputs(job);
  let cols: Col[] = job.mappings
    ? job.mappings.map(([, , target, targetType]) => ({ name: target, type: toDuckType(targetType) ?? 'VARCHAR' }))
    : columnsOf(inputs[0] as string, 'source');

  const rename = job.rename;
  if (rename) cols = cols.map((c) => ({ ...c, name: Object.hasOwn(rename, c.name) ? (rename[c.name] as string) : c.name }));
  if (job.drop?.length) {
    for (const [i, d] of job.drop.entries()) need(cols, d, `drop[${i}]`);
    cols = cols.filter((c) => !job.drop?.includes(c.name));
  }
  const joins = job.join === undefined ? [] : Array.isArray(job.join) ? job.join : [job.join];
  for (const [k, join] of joins.entries()) {
    const path = `join${Array.isArray(job.join) ? `[${k}]` : ''}`;
    const right = columnsOf(join.table, `${path}.table`);
    const rightKeys = new Set(Array.isArray(join.on) ? join.on : Object.values(join.on));
    const taken = join.columns ? join.columns.map((name, i) => need(right, name, `${path}.columns[${i}]`)) : right.filter((c) => !rightKeys.has(c.name));
    cols = [...cols, ...taken.map((c) => ({ name: `${join.prefix ?? ''}${c.name}`, type: c.type }))];
  }
  for (const name of Object.keys(job.derive ?? {})) {
    throw new UnknownType(`derive.${name}`, `the type of the derived column "${name}" is known only once the engine plans the job`);
  }
  if (job.aggregate) {
    const { groupBy, measures } = job.aggregate;
    const grouped = groupBy.map((g, i) => need(cols, g, `aggregate.groupBy[${i}]`));
    const measured = Object.entries(measures).map(([name, expr]) => {
      const type = measureType(expr, cols);
      if (!type) throw new UnknownType(`aggregate.measures.${name}`, `the type of the measure "${name}" (${expr}) is known only once the engine plans the job`);
      return { name, type };
    });
    cols = [...grouped, ...measured];
  }
  for (const [i, p] of job.output.partitionBy.entries()) need(cols, p, `output.partitionBy[${i}]`);
  return cols;
}

/** DuckDB's result type of `count(x)`, `sum(x)`, `avg(x)`, `min(x)`, `max(x)` over a plain column; undefined for anything else. */
function measureType(expr: string, cols: readonly Col[]): string | undefined {
  const m = /^\s*(count|sum|avg|min|max)\s*\(\s*(distinct\s+)?(\*|[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/i.exec(expr);
  if (!m) return undefined;
  const agg = (m[1] as string).toLowerCase();
  if (agg === 'count') return 'BIGINT';
  const col = cols.find((c) => c.name === m[3]);
  if (!col) return undefined;
  const t = col.type.toUpperCase();
  if (agg === 'min' || agg === 'max') return t;
  if (typeFamily(t) !== 'numeric') return undefined;
  if (agg === 'avg') return 'DOUBLE';
  // sum: integers widen to HUGEINT, decimals to 38 digits, floating point stays DOUBLE.
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t.replace(/\s+/g, ''));
  if (dec) return `DECIMAL(38,${dec[2]})`;
  if (t === 'DOUBLE' || t === 'FLOAT') return 'DOUBLE';
  return 'HUGEINT';
}

/**
 * The processed tables dashboards chart, with the columns the local catalog
 * knows (preprocessing decides them from the data, so nothing else can); a
 * table it does not know is returned without columns, and refused where a
 * dashboard needs them.
 */
export function processedTableSchemas(config: SluiceConfig, known: KnownTables = new Map()): FinalTableSchema[] {
  const charted = new Set(
    Object.values(config.dashboards)
      .map((d) => d.table)
      .filter((t) => t.startsWith('processed.')),
  );
  return [...charted].sort().map((qualified) => {
    const cols = known.get(qualified) ?? [];
    return {
      name: qualified.slice('processed.'.length),
      columns: cols.map((c) => ({ name: c.name, type: c.type })),
      partitionKeys: cols.filter((c) => c.partitionKey).map((c) => c.name),
      csv: false,
    };
  });
}
