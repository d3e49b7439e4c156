/**
 * The PySpark script of the Glue job that runs each `jobs:` entry on AWS. It
 * means what the local engine runs (stages/transform/plan.ts and job.ts), step
 * for step and in the same order: mappings (Glue's ApplyMapping), rename, drop,
 * join, derive, filter, dedupe, aggregate, sort, then the output table in the
 * final zone, registered in the Glue Data Catalog as it is written.
 *
 * - incremental: the source is read with a `transformation_ctx`, so job
 *   bookmarks hand each run only the files that are new since the last
 *   committed run; their rows are added to the output. (Glue bookmarks track
 *   new objects: a processed file replaced under the same key is read again,
 *   and its earlier rows stay. Use mode: full where inputs are replaced.)
 * - full: every input is read whole (no bookmark), the output folder is
 *   purged and the catalog table deleted, then the sink writes the new files
 *   and creates the table again. The sink alone would keep partitions that no
 *   longer exist and, for an unpartitioned table, the old schema ("schema
 *   updates are not supported for non-partitioned tables"); deleting the table
 *   first leaves the catalog listing exactly the schema and partitions this run
 *   wrote.
 *
 * Scripts are deterministic (golden files test them) and every name or
 * expression from sluice.yaml is a JSON-escaped Python string literal;
 * expressions are DuckDB SQL translated to Spark SQL by ./translate.ts.
 */
import type { JobConfig, SluiceConfig } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { FORMULA_START, PLAIN_NUMBER } from '../../core/formula.js';
import { toDuckType, toHiveType } from '../../core/types.js';
import type { Engine } from '../../engine/duckdb.js';
import { CSV_FOLDER, csvKeyPrefix, manifestKey, quicksightManifest } from '../../stages/transform/job.js';
import { jobMode, joinsOf, parseSortKey, type SortKey } from '../../stages/transform/plan.js';
import { toSparkSql } from './translate.js';

export interface GlueScriptContext {
  /** Glue Data Catalog databases of the processed and final zones. */
  databases: { processed: string; final: string };
}

/**
 * The job argument naming the final bucket. Its name is CloudFormation's to
 * choose when sluice.yaml names none, and a script is an asset written before
 * that: the stack passes it as `--sluice_final_bucket` (default arguments).
 */
export const FINAL_BUCKET_ARGUMENT = 'sluice_final_bucket';
/** Where the final bucket's URL stands in text made here (the manifest), replaced by the job at run time. */
const FINAL_ROOT = 's3://{final_bucket}/';

/** A Python string literal: JSON's escaping is valid Python (and keeps any text inside the quotes). */
const py = (text: string): string => JSON.stringify(text);
const pyList = (items: readonly string[]): string => `[${items.map(py).join(', ')}]`;

/** The Python expression ordering by `key`: DuckDB puts NULLs last in both directions unless told, Spark first when ascending. */
function sortColumn(key: SortKey, flip = false): string {
  const desc = flip ? !key.desc : key.desc;
  const nulls = key.nulls ? (flip ? (key.nulls === 'first' ? 'last' : 'first') : key.nulls) : 'last';
  return `col(${py(key.column)}).${desc ? 'desc' : 'asc'}_nulls_${nulls}()`;
}

/** Lines of Python, indented in the function body. */
class Body {
  readonly lines: string[] = [];
  readonly helpers = new Set<keyof typeof HELPERS>();

  add(...lines: string[]): void {
    for (const line of lines) this.lines.push(line ? `    ${line}` : '');
  }

  use(...helpers: (keyof typeof HELPERS)[]): void {
    for (const h of helpers) this.helpers.add(h);
  }
}

/** Python helpers a script defines when it needs them, in this order. */
const HELPERS = {
  col: `def col(name):
    """A column by its exact name: dots and backticks are part of a name, never paths."""
    return F.col("\`" + name.replace("\`", "\`\`") + "\`")`,
  derive: `def derive(df, name, expression):
    """A derived column; one named like an existing column (in any case) replaces it where it stands."""
    existing = next((c for c in df.columns if c.lower() == name.lower()), None)
    if existing is None:
        return df.withColumn(name, F.expr(expression))
    return df.select(*[F.expr(expression).alias(c) if c == existing else col(c) for c in df.columns])`,
  join: `def join(df, right, where, how, keys, columns, prefix):
    """The local engine's join: every left column, then the right table's columns (all but its keys
    unless listed) named prefix + name. Same-name keys of a right or full join take the value of
    whichever side has one. keys: (left column, right column) pairs."""
    right_keys = {r for _, r in keys}
    taken = columns if columns is not None else [c for c in right.columns if c not in right_keys]
    names = [c.lower() for c in df.columns]
    for c in taken:
        if (prefix + c).lower() in names or (prefix + c).lower().startswith("__sluice"):
            raise ValueError(where + ": " + c + " would be named " + prefix + c + ", which the job already has; set the join's prefix or list its columns")
        names.append((prefix + c).lower())
    key_names = ["__sluice_key_" + str(i) for i in range(len(keys))]
    right = right.select(*[col(r).alias(k) for (_, r), k in zip(keys, key_names)], *[col(c).alias(prefix + c) for c in taken])
    condition = [col(l) == col(k) for (l, _), k in zip(keys, key_names)]
    joined = df.join(right, on=condition, how=how)
    same = {l: k for (l, r), k in zip(keys, key_names) if l == r and how in ("right", "full")}
    left = [F.coalesce(col(c), col(same[c])).alias(c) if c in same else col(c) for c in df.columns]
    return joined.select(*left, *[col(prefix + c) for c in taken])`,
  replaceTable: `def replace_table(path, database, table):
    """full mode: the old files and the old table definition go, so the catalog lists exactly what this run writes."""
    glue_context.purge_s3_path(path, options={"retentionPeriod": 0})
    glue = boto3.client("glue")
    try:
        glue.delete_table(DatabaseName=database, Name=table)
    except glue.exceptions.EntityNotFoundException:
        pass`,
  writeTable: `def write_table(df, path, database, table, partition_keys, compression):
    """Parquet files under path, and the table (its schema and partitions) in the Data Catalog."""
    sink = glue_context.getSink(
        connection_type="s3",
        path=path,
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=partition_keys,
    )
    sink.setCatalogInfo(catalogDatabase=database, catalogTableName=table)
    sink.setFormat("parquet", useGlueParquetWriter=True, compression=compression)
    sink.writeFrame(DynamicFrame.fromDF(df, glue_context, "output"))`,
  writeCsv: `def write_csv(df, path, mode, manifest_bucket, manifest_key, manifest):
    """The CSV copy for people and QuickSight, as the local engine writes it: a header, RFC 4180 quotes,
    timestamps as text, and a leading apostrophe on text a spreadsheet would run as a formula."""
    columns = []
    for name, kind in df.dtypes:
        c = col(name)
        if kind == "string":
            c = F.when(c.rlike(FORMULA_START) & ~c.rlike(PLAIN_NUMBER), F.concat(F.lit("'"), c)).otherwise(c)
        elif kind == "timestamp":
            c = c.cast("string")
        columns.append(c.alias(name))
    df.select(*columns).write.mode(mode).option("header", True).option("escape", '"').csv(path)
    boto3.client("s3").put_object(Bucket=manifest_bucket, Key=manifest_key, Body=manifest.encode("utf-8"))`,
};

/** A Python expression: the URL of `key` in the final bucket. */
const atFinal = (key: string): string => `FINAL_ROOT + ${py(key)}`;

function sortKeys(entries: readonly string[], path: string, file: string): SortKey[] {
  return entries.map((text, i) => {
    const key = parseSortKey(text);
    if (!key) throw new ConfigError(file, `${path}[${i}]`, `write a column, optionally followed by asc or desc, not "${text}"`);
    return key;
  });
}

async function jobScript(engine: Engine, name: string, job: JobConfig, ctx: GlueScriptContext, file: string): Promise<string> {
  const mode = jobMode(job);
  const at = (key: string) => `jobs.${name}.${key}`;
  const body = new Body();
  body.use('col');
  const source = (table: string) => {
    const [zone, t] = table.split('.') as ['processed' | 'final', string];
    return { database: ctx.databases[zone], table: t };
  };

  // source
  const src = source(job.source);
  body.add(
    `# source: ${job.source}${mode === 'incremental' ? ', the files new since the last committed run (job bookmark "source")' : ', every file'}`,
    `frame = glue_context.create_dynamic_frame.from_catalog(database=${py(src.database)}, table_name=${py(src.table)}${mode === 'incremental' ? ', transformation_ctx="source"' : ''})`,
  );

  // Nothing to read: an incremental run has nothing new; a full run's output is emptied, as the local engine withdraws it.
  const outputPath = atFinal(`${job.output.table}/`);
  const csvPath = atFinal(csvKeyPrefix(job.output.table));
  body.add('if frame.toDF().rdd.isEmpty():');
  if (mode === 'incremental') {
    body.add('    return  # nothing new since the last run');
  } else {
    body.add('    # no input: the output is emptied, as locally');
    for (const p of [outputPath, ...(job.output.csv ? [csvPath] : [])]) body.add(`    glue_context.purge_s3_path(${p}, options={"retentionPeriod": 0})`);
    body.add('    return');
  }

  // mappings
  if (job.mappings) {
    const tuples = job.mappings.map(([from, fromType, to, toType], i) => {
      if (from.includes('`'))
        throw new ConfigError(
          file,
          at(`mappings[${i}][0]`),
          `Glue's ApplyMapping cannot name a column with a backtick in it ("${from}"); rename the column upstream`,
        );
      const path = from.includes('.') ? `\`${from}\`` : from;
      const glueType = (t: string) => toHiveType(toDuckType(t) as string);
      return `(${py(path)}, ${py(glueType(fromType))}, ${py(to)}, ${py(glueType(toType))})`;
    });
    body.add(
      '# mappings: ApplyMapping keeps only the mapped columns, converting each to its target type',
      'frame = ApplyMapping.apply(',
      '    frame=frame,',
      '    mappings=[',
      ...tuples.map((t) => `        ${t},`),
      '    ],',
      '    transformation_ctx="mappings",',
      ')',
    );
  }
  body.add('df = frame.toDF()');

  // rename, drop
  if (job.rename && Object.keys(job.rename).length) {
    body.add(
      '# rename: all at once, so names may be swapped',
      `renames = {${Object.entries(job.rename)
        .map(([from, to]) => `${py(from)}: ${py(to)}`)
        .join(', ')}}`,
      'df = df.select(*[col(c).alias(renames.get(c, c)) for c in df.columns])',
    );
  }
  if (job.drop?.length) {
    body.add('# drop', `dropped = ${pyList([...new Set(job.drop)])}`, 'df = df.select(*[col(c) for c in df.columns if c not in dropped])');
  }

  // join
  for (const [k, join] of joinsOf(job).entries()) {
    const path = `join${Array.isArray(job.join) ? `[${k}]` : ''}`;
    const right = source(join.table);
    const pairs = Array.isArray(join.on) ? join.on.map((key) => [key, key] as const) : Object.entries(join.on);
    body.use('join');
    body.add(
      `# ${path}: ${join.kind} join ${join.table} on ${path}.on`,
      `right = glue_context.create_dynamic_frame.from_catalog(database=${py(right.database)}, table_name=${py(right.table)}).toDF()`,
      `df = join(df, right, ${py(at(path))}, ${py(join.kind)}, [${pairs.map(([l, r]) => `(${py(l)}, ${py(r)})`).join(', ')}], ${join.columns ? pyList(join.columns) : 'None'}, ${py(join.prefix ?? '')})`,
    );
  }

  // derive, filter
  for (const [column, expr] of Object.entries(job.derive ?? {})) {
    const spark = await toSparkSql(engine, expr, at(`derive.${column}`), 'expression', file);
    body.use('derive');
    body.add(`# derive.${column}`, `df = derive(df, ${py(column)}, ${py(spark)})`);
  }
  if (job.filter) {
    const spark = await toSparkSql(engine, job.filter, at('filter'), 'condition', file);
    body.add('# filter: the rows where it is not true go', `df = df.filter(F.expr(${py(spark)}))`);
  }

  // dedupe
  if (job.dedupe) {
    if (!job.dedupe.orderBy?.length) {
      throw new ConfigError(
        file,
        at('dedupe.orderBy'),
        `a Glue job keeps the ${job.dedupe.keep} row of each key only in an order you name: Spark reads a table's files in parallel and keeps no file or row order; ` +
          'name the columns that decide which row comes first, e.g. orderBy: ["updated_at desc"]',
      );
    }
    const order = sortKeys(job.dedupe.orderBy, at('dedupe.orderBy'), file);
    const flip = job.dedupe.keep === 'last';
    body.add(
      `# dedupe: one row per dedupe.keys, the ${job.dedupe.keep} in dedupe.orderBy order`,
      `window = Window.partitionBy(${job.dedupe.keys.map((key) => `col(${py(key)})`).join(', ')}).orderBy(${order.map((key) => sortColumn(key, flip)).join(', ')})`,
      'df = df.withColumn("__sluice_rn", F.row_number().over(window)).filter(F.col("__sluice_rn") == 1).drop("__sluice_rn")',
    );
  }

  // aggregate
  if (job.aggregate) {
    const measures: string[] = [];
    for (const [measure, expr] of Object.entries(job.aggregate.measures)) {
      const spark = await toSparkSql(engine, expr, at(`aggregate.measures.${measure}`), 'aggregate', file);
      measures.push(`F.expr(${py(spark)}).alias(${py(measure)})`);
    }
    body.add(
      `# aggregate: ${job.aggregate.groupBy.length ? 'one row per aggregate.groupBy' : 'one row'}, measures ${Object.keys(job.aggregate.measures).join(', ')}`,
      `df = df.groupBy(${job.aggregate.groupBy.map((g) => `col(${py(g)})`).join(', ')}).agg(${measures.join(', ')})`,
    );
  }

  // sort
  if (job.sort?.length) {
    const keys = sortKeys(job.sort, at('sort'), file);
    const partitions = job.output.partitionBy.map((p) => `col(${py(p)}).asc_nulls_last()`);
    body.add(
      `# sort${partitions.length ? ' (within each output.partitionBy folder)' : ''}`,
      `df = df.orderBy(${[...partitions, ...keys.map((key) => sortColumn(key))].join(', ')})`,
    );
  } else {
    body.add('# sort: none given; Spark writes rows in the order it computes them');
  }

  // output
  const out = job.output;
  body.use('writeTable');
  if (out.csv) body.add('df = df.cache()  # written twice: Parquet, then CSV');
  body.add(`# output: final.${out.table}, Parquet (${out.compression})${out.partitionBy.length ? ' in output.partitionBy folders' : ''}`);
  if (out.targetFileSize) body.add('# output.targetFileSize is a local setting: Spark sizes files by its partitions');
  if (mode === 'full') body.use('replaceTable');
  if (mode === 'full') body.add(`replace_table(${outputPath}, ${py(ctx.databases.final)}, ${py(out.table)})`);
  body.add(`write_table(df, ${outputPath}, ${py(ctx.databases.final)}, ${py(out.table)}, ${pyList(out.partitionBy)}, ${py(out.compression)})`);
  if (out.csv) {
    const manifest = `${JSON.stringify(quicksightManifest(`${FINAL_ROOT}${csvKeyPrefix(out.table)}`), null, 2)}\n`;
    body.use('writeCsv');
    body.add(
      `# output.csv: a CSV copy in ${CSV_FOLDER}/ and its QuickSight manifest`,
      `write_csv(df, ${csvPath}, ${py(mode === 'full' ? 'overwrite' : 'append')}, FINAL_BUCKET, ${py(manifestKey(out.table))}, ${py(manifest)}.replace(${py(FINAL_ROOT)}, FINAL_ROOT))`,
    );
  }

  const helpers = (Object.keys(HELPERS) as (keyof typeof HELPERS)[]).filter((h) => body.helpers.has(h));
  const imports = [
    'import sys',
    '',
    ...(helpers.includes('replaceTable') || helpers.includes('writeCsv') ? ['import boto3'] : []),
    'from awsglue.context import GlueContext',
    'from awsglue.dynamicframe import DynamicFrame',
    'from awsglue.job import Job',
    ...(job.mappings ? ['from awsglue.transforms import ApplyMapping'] : []),
    'from awsglue.utils import getResolvedOptions',
    'from pyspark.context import SparkContext',
    'from pyspark.sql import functions as F',
    ...(job.dedupe ? ['from pyspark.sql.window import Window'] : []),
  ];
  const header = [
    `# Glue job for jobs.${name} in sluice.yaml, written by \`sluice deploy aws\` (which writes it again: do not edit).`,
    '# It runs the steps the local engine runs, in the same order (src/stages/transform/plan.ts); names and expressions',
    '# from sluice.yaml appear only in string literals, expressions translated from DuckDB SQL (src/infra/glue/translate.ts).',
    mode === 'incremental'
      ? '# Mode incremental: job bookmarks give each run the source files new since the last committed run; their rows are added.'
      : '# Mode full: each run reads every input, and replaces the output files and the catalog table.',
  ];
  const constants = helpers.includes('writeCsv') ? [`FORMULA_START = ${py(FORMULA_START)}`, `PLAIN_NUMBER = ${py(PLAIN_NUMBER)}`] : [];
  return [
    ...header,
    ...imports,
    '',
    `args = getResolvedOptions(sys.argv, ["JOB_NAME", ${py(FINAL_BUCKET_ARGUMENT)}])`,
    `FINAL_BUCKET = args[${py(FINAL_BUCKET_ARGUMENT)}]  # the final zone's bucket, from the job's default arguments`,
    'FINAL_ROOT = "s3://" + FINAL_BUCKET + "/"',
    'glue_context = GlueContext(SparkContext.getOrCreate())',
    'spark = glue_context.spark_session',
    '# The translated expressions mean what DuckDB means under these settings: NULL (not an error) where a value',
    "# does not convert, and UTC, the local engine's time zone.",
    'spark.conf.set("spark.sql.ansi.enabled", "false")',
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    'job = Job(glue_context)',
    'job.init(args["JOB_NAME"], args)',
    ...(constants.length ? ['', ...constants] : []),
    ...helpers.flatMap((h) => ['', '', HELPERS[h]]),
    '',
    '',
    'def run():',
    ...body.lines,
    '',
    '',
    'run()',
    'job.commit()',
    '',
  ].join('\n');
}

/**
 * The PySpark script of each job in `config`, by job name. Throws
 * ConfigError, naming the YAML path, for what a Glue job cannot run the way
 * the local engine does (an expression without a Spark equivalent, a dedupe
 * without orderBy).
 */
export async function glueJobScripts(engine: Engine, config: SluiceConfig, ctx: GlueScriptContext, file = 'sluice.yaml'): Promise<Map<string, string>> {
  const scripts = new Map<string, string>();
  for (const [name, job] of Object.entries(config.jobs)) scripts.set(name, await jobScript(engine, name, job, ctx, file));
  return scripts;
}
