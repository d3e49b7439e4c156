/**
 * A transform job as one SQL query, built step by step in the order Glue jobs
 * apply them: mappings → rename → drop → join → derive → filter → dedupe →
 * aggregate → sort. After each step the engine describes the result, so an
 * unknown column, an impossible cast or an expression that does not bind is
 * reported with the YAML path of the step that caused it, before anything is
 * written. Every identifier is quoted; user expressions are checked by
 * validateExpression before they are placed in the query.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { JobConfig } from '../../config/schema.js';
import { ConfigError, errorMessage, SluiceError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { type ColumnSchema, castPossible, toDuckType, typeFamily } from '../../core/types.js';
import { ExpressionError, embedExpression, validateExpression } from '../../engine/expressions.js';
import { ORDINAL_COLUMNS } from '../../engine/query.js';
import { quoteIdentifier as q } from '../../engine/sql.js';

export interface JobPlan {
  /** The whole query: the job's output rows, ordered. */
  sql: string;
  /** Output columns with their types (what the Parquet files hold). */
  columns: ColumnSchema[];
  partitionBy: string[];
  /** Mapped columns whose type changes: for counting values that did not convert. */
  casts: { source: string; target: string; type: string }[];
  /** A query counting, per cast, the non-null source values that became NULL. */
  castCheckSql?: string;
}

/** Views over the job's inputs in the engine connection (the source with its ordinal columns). */
export interface JobSources {
  source: string;
  /** The joined tables' views, in the order of `join`; undefined when a table is not in the catalog yet. */
  joins: (string | undefined)[];
}

const ORDINALS = new Set<string>(ORDINAL_COLUMNS);
const ORDINAL_LIST = ORDINAL_COLUMNS.map((c) => q(c)).join(', ');

export function joinsOf(job: JobConfig): NonNullable<Exclude<JobConfig['join'], unknown[]>>[] {
  return job.join === undefined ? [] : Array.isArray(job.join) ? job.join : [job.join];
}

/** The mode a job runs in: as configured, else full when it joins, aggregates or dedupes. */
export function jobMode(job: JobConfig): 'incremental' | 'full' {
  return job.mode ?? (job.join !== undefined || job.aggregate !== undefined || job.dedupe !== undefined ? 'full' : 'incremental');
}

export interface SortKey {
  column: string;
  desc: boolean;
  nulls?: 'first' | 'last';
}

/** A `sort` or `dedupe.orderBy` entry: `column [asc|desc] [nulls first|last]`. */
export function parseSortKey(text: string): SortKey | undefined {
  const m = /^\s*(.+?)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(text);
  if (!m?.[1]) return undefined;
  return { column: m[1], desc: m[2]?.toLowerCase() === 'desc', ...(m[3] ? { nulls: m[3].toLowerCase() as 'first' | 'last' } : {}) };
}

function orderSql(keys: SortKey[], flip = false): string {
  return keys
    .map((k) => {
      const desc = flip ? !k.desc : k.desc;
      const nulls = k.nulls ? (flip ? (k.nulls === 'first' ? 'last' : 'first') : k.nulls) : undefined;
      return `${q(k.column)} ${desc ? 'DESC' : 'ASC'}${nulls ? ` NULLS ${nulls.toUpperCase()}` : ''}`;
    })
    .join(', ');
}

/**
 * A source file gone since the job's views were made (a run replaced its
 * table's files meanwhile). No mistake in sluice.yaml: the run is retried on
 * the table's files as they are then, so no step may report it as one.
 */
class SourceChangedError extends SluiceError {
  constructor(cause: unknown) {
    super(`a source file changed while the job was planned: ${errorMessage(cause).split('\n')[0]}`, { cause });
    this.name = 'SourceChangedError';
  }
}

class Builder {
  private readonly ctes: string[] = [];
  columns: ColumnSchema[] = [];

  constructor(
    private readonly c: DuckDBConnection,
    readonly jobName: string,
  ) {}

  /** A ConfigError at `jobs.<job>.<path>`. */
  error(path: string, message: string): ConfigError {
    return new ConfigError('sluice.yaml', `jobs.${this.jobName}${path ? `.${path}` : ''}`, message);
  }

  get current(): string {
    return `s${this.ctes.length - 1}`;
  }

  /** Names the user can refer to (the ordinal columns are the job's own). */
  get names(): string[] {
    return this.columns.map((c) => c.name).filter((n) => !ORDINALS.has(n));
  }

  typeOf(name: string): string | undefined {
    return this.columns.find((c) => c.name === name)?.type;
  }

  require(name: string, path: string, where?: string): void {
    if (ORDINALS.has(name) || !this.columns.some((c) => c.name === name)) {
      throw this.error(path, `unknown column "${name}"${where ? ` in ${where}` : ''}${didYouMean(name, this.names)}`);
    }
  }

  /**
   * A column name the job is about to create: not reserved, and not one that
   * already exists (DuckDB compares names without regard to case, so `Amount`
   * and `amount` are one name) unless `replacing` it.
   */
  newName(name: string, path: string, taken: readonly string[], what: string): void {
    if (name.toLowerCase().startsWith('__sluice'))
      throw this.error(path, `names starting with "__sluice" are reserved for Sluice's own columns; pick another name`);
    const clash = taken.find((t) => t.toLowerCase() === name.toLowerCase());
    if (clash) throw this.error(path, `${what} "${name}" clashes with the column "${clash}" (names are compared without regard to case); pick another name`);
  }

  /** Each of `names` must be a column; `path[i]` names the entry at fault. */
  requireAll(names: readonly string[], path: string): void {
    for (const [i, name] of names.entries()) this.require(name, `${path}[${i}]`);
  }

  sqlThrough(extra?: string): string {
    const body = extra ?? `SELECT * FROM ${this.current}`;
    return this.ctes.length ? `WITH ${this.ctes.map((cte, i) => `s${i} AS (${cte})`).join(',\n')}\n${body}` : body;
  }

  async describe(sql: string): Promise<ColumnSchema[]> {
    const r = await this.c.runAndReadAll(`DESCRIBE ${sql}`).catch((err: unknown) => {
      throw errorMessage(err).startsWith('IO Error') ? new SourceChangedError(err) : err;
    });
    return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type), nullable: true }));
  }

  /** Add a step; the engine binds it now, so a mistake is reported at `path`. */
  async step(sql: string, path: string): Promise<void> {
    this.ctes.push(sql);
    try {
      this.columns = await this.describe(this.sqlThrough());
    } catch (err) {
      this.ctes.pop();
      if (err instanceof SourceChangedError) throw err;
      throw this.error(
        path,
        `does not work on ${this.names.length ? `the columns ${this.names.join(', ')}` : 'this table'}: ${errorMessage(err).split('\n')[0]}`,
      );
    }
  }

  async expression(expr: string, path: string, columns: readonly string[], opts: { aggregates?: boolean } = {}): Promise<void> {
    try {
      await validateExpression(this.c, expr, columns, opts);
    } catch (err) {
      if (err instanceof ExpressionError) throw this.error(path, err.message);
      throw err;
    }
  }

  sortKeys(entries: readonly string[], path: string): SortKey[] {
    return entries.map((text, i) => {
      const key = parseSortKey(text);
      if (!key) throw this.error(`${path}[${i}]`, `write a column, optionally followed by asc or desc, not "${text}"`);
      this.require(key.column, `${path}[${i}]`);
      return key;
    });
  }
}

export async function planJob(c: DuckDBConnection, jobName: string, job: JobConfig, sources: JobSources): Promise<JobPlan> {
  const b = new Builder(c, jobName);
  await b.step(`SELECT * FROM ${q(sources.source)}`, 'source');

  // 1. mappings (Glue's ApplyMapping): only mapped columns are kept.
  const casts: JobPlan['casts'] = [];
  if (job.mappings) {
    const targets = new Set<string>();
    const selects = job.mappings.map(([source, sourceType, target, targetType], i) => {
      const path = `mappings[${i}]`;
      b.require(source, `${path}[0]`, job.source);
      const actual = b.typeOf(source) as string;
      const declared = toDuckType(sourceType) as string;
      const to = toDuckType(targetType) as string;
      if (typeFamily(declared) !== typeFamily(actual)) {
        throw b.error(
          `${path}[1]`,
          `${source} is ${actual} in ${job.source}, not ${sourceType}; write the source type as it is in the catalog (sluice catalog show ${job.source})`,
        );
      }
      if (!castPossible(actual, to)) {
        throw b.error(
          `${path}[3]`,
          `${source} (${actual}) cannot become ${targetType}: a ${typeFamily(actual)} value has no ${typeFamily(to)} meaning; map it to string, or derive the value you need with an expression`,
        );
      }
      b.newName(target, `${path}[2]`, [...targets], 'the target');
      targets.add(target);
      if (to === actual.toUpperCase()) return `${q(source)} AS ${q(target)}`;
      casts.push({ source, target, type: to });
      return `TRY_CAST(${q(source)} AS ${to}) AS ${q(target)}`;
    });
    await b.step(`SELECT ${[...selects, ORDINAL_LIST].join(', ')} FROM ${b.current}`, 'mappings');
  }
  const castCheckSql = casts.length
    ? `${b.sqlThrough(
        `SELECT ${casts.map((x) => `count(*) FILTER (WHERE s0.${q(x.source)} IS NOT NULL AND TRY_CAST(s0.${q(x.source)} AS ${x.type}) IS NULL)`).join(', ')} FROM s0`,
      )}`
    : undefined;

  // 2. rename, 3. drop.
  if (job.rename && Object.keys(job.rename).length) {
    const pairs = Object.entries(job.rename);
    const from = new Set(pairs.map(([f]) => f));
    const targets: string[] = [];
    for (const [old, to] of pairs) {
      b.require(old, `rename.${old}`);
      // Names that stay, and targets already given, are taken; a column being renamed away frees its name.
      b.newName(to, `rename.${old}`, [...b.names.filter((n) => !from.has(n)), ...targets], 'the new name');
      targets.push(to);
    }
    await b.step(`SELECT * RENAME (${pairs.map(([old, to]) => `${q(old)} AS ${q(to)}`).join(', ')}) FROM ${b.current}`, 'rename');
  }
  if (job.drop?.length) {
    const drop = [...new Set(job.drop)];
    b.requireAll(job.drop, 'drop');
    if (drop.length >= b.names.length) throw b.error('drop', 'this would drop every column');
    await b.step(`SELECT * EXCLUDE (${drop.map((n) => q(n)).join(', ')}) FROM ${b.current}`, 'drop');
  }

  // 4. joins.
  for (const [k, join] of joinsOf(job).entries()) {
    const path = `join${Array.isArray(job.join) ? `[${k}]` : ''}`;
    const right = sources.joins[k];
    if (!right) throw b.error(`${path}.table`, `${join.table} is not in the catalog yet; ingest its data first`);
    const rightCols = (await b.describe(`SELECT * FROM ${q(right)}`)).map((col) => col.name);
    const pairs = Array.isArray(join.on) ? join.on.map((key) => [key, key] as const) : Object.entries(join.on);
    for (const [left, r] of pairs) {
      b.require(left, `${path}.on`);
      if (!rightCols.includes(r)) throw b.error(`${path}.on`, `unknown column "${r}" in ${join.table}${didYouMean(r, rightCols)}`);
    }
    const rightKeys = new Set(pairs.map(([, r]) => r));
    const taken = (join.columns ?? rightCols.filter((col) => !rightKeys.has(col))).map((col, i) => {
      if (!rightCols.includes(col)) throw b.error(`${path}.columns[${i}]`, `unknown column "${col}" in ${join.table}${didYouMean(col, rightCols)}`);
      return { col, as: `${join.prefix ?? ''}${col}` };
    });
    const where = join.prefix ? `${path}.prefix` : join.columns ? `${path}.columns` : path;
    for (const [i, t] of taken.entries()) {
      // DuckDB compares names without regard to case: `Amount` and `amount` clash.
      const names = [...b.names, ...taken.slice(0, i).map((x) => x.as)];
      if (t.as.toLowerCase().startsWith('__sluice') || names.some((n) => n.toLowerCase() === t.as.toLowerCase())) {
        throw b.error(
          where,
          `${join.table}.${t.col} would be named "${t.as}", which the job already has; set join.prefix (e.g. prefix: ${join.table.split('.')[1]}_) or list the columns to take`,
        );
      }
    }
    const joinCte = q(right);
    const sameNameKeys = pairs.filter(([l, r]) => l === r).map(([l]) => l);
    const keep =
      (join.kind === 'right' || join.kind === 'full') && sameNameKeys.length
        ? `l.* REPLACE (${sameNameKeys.map((key) => `coalesce(l.${q(key)}, r.${q(key)}) AS ${q(key)}`).join(', ')})`
        : 'l.*';
    const on = pairs.map(([l, r]) => `l.${q(l)} = r.${q(r)}`).join(' AND ');
    await b.step(
      `SELECT ${[keep, ...taken.map((t) => `r.${q(t.col)} AS ${q(t.as)}`)].join(', ')} FROM ${b.current} l ${join.kind.toUpperCase()} JOIN ${joinCte} r ON ${on}`,
      path,
    );
  }

  // 5. derive (each may use the ones before it), 6. filter.
  for (const [name, expr] of Object.entries(job.derive ?? {})) {
    await b.expression(expr, `derive.${name}`, b.names);
    // A derive named like an existing column (in any case) replaces it.
    const existing = b.names.find((n) => n.toLowerCase() === name.toLowerCase());
    if (!existing) b.newName(name, `derive.${name}`, [], 'the derived column');
    await b.step(
      existing
        ? `SELECT * REPLACE (${embedExpression(expr)} AS ${q(existing)}) FROM ${b.current}`
        : `SELECT *, ${embedExpression(expr)} AS ${q(name)} FROM ${b.current}`,
      `derive.${name}`,
    );
  }
  if (job.filter) {
    await b.expression(job.filter, 'filter', b.names);
    const cols = await b.describe(b.sqlThrough(`SELECT ${embedExpression(job.filter)} AS f FROM ${b.current}`)).catch((err) => {
      if (err instanceof SourceChangedError) throw err;
      throw b.error('filter', `does not work on the columns ${b.names.join(', ')}: ${errorMessage(err).split('\n')[0]}`);
    });
    if (cols[0]?.type !== 'BOOLEAN') throw b.error('filter', `"${job.filter}" must be a condition (true or false), but it gives ${cols[0]?.type}`);
    await b.step(`SELECT * FROM ${b.current} WHERE ${embedExpression(job.filter)}`, 'filter');
  }

  // 7. dedupe: one row per key, the first or last in the given order (default: file and row order).
  if (job.dedupe) {
    b.requireAll(job.dedupe.keys, 'dedupe.keys');
    const order = job.dedupe.orderBy ? b.sortKeys(job.dedupe.orderBy, 'dedupe.orderBy') : ORDINAL_COLUMNS.map((column) => ({ column, desc: false }));
    await b.step(
      `SELECT * EXCLUDE ("__sluice_rn") FROM (SELECT *, row_number() OVER (PARTITION BY ${job.dedupe.keys.map((k) => q(k)).join(', ')} ORDER BY ${orderSql(order, job.dedupe.keep === 'last')}) AS "__sluice_rn" FROM ${b.current}) WHERE "__sluice_rn" = 1`,
      'dedupe',
    );
  }

  // 8. aggregate.
  let ordered = true;
  if (job.aggregate) {
    const { groupBy, measures } = job.aggregate;
    b.requireAll(groupBy, 'aggregate.groupBy');
    const named: string[] = [...groupBy];
    for (const [name, expr] of Object.entries(measures)) {
      await b.expression(expr, `aggregate.measures.${name}`, b.names, { aggregates: true });
      b.newName(name, `aggregate.measures.${name}`, named, 'the measure');
      named.push(name);
    }
    const grouped = groupBy.length ? ` GROUP BY ${groupBy.map((g) => q(g)).join(', ')}` : '';
    const measureSql = (name: string, expr: string) => `${embedExpression(expr)} AS ${q(name)}`;
    const select = [...groupBy.map((g) => q(g)), ...Object.entries(measures).map(([name, expr]) => measureSql(name, expr))];
    try {
      await b.step(`SELECT ${select.join(', ')} FROM ${b.current}${grouped}`, 'aggregate');
    } catch (err) {
      if (err instanceof SourceChangedError) throw err;
      // Name the measure at fault: usually a column used outside an aggregate.
      for (const [name, expr] of Object.entries(measures)) {
        const alone = b.sqlThrough(`SELECT ${[...groupBy.map((g) => q(g)), measureSql(name, expr)].join(', ')} FROM ${b.current}${grouped}`);
        const failure = await b.describe(alone).then(
          () => undefined,
          (e: unknown) => {
            if (e instanceof SourceChangedError) throw e;
            return errorMessage(e).split('\n')[0] as string;
          },
        );
        if (!failure) continue;
        const column = /column "([^"]+)" must appear in the GROUP BY clause/.exec(failure)?.[1];
        throw b.error(
          `aggregate.measures.${name}`,
          column
            ? `"${expr}" uses ${column} outside an aggregate; wrap it in one (e.g. sum(${column}), max(${column})) or add it to groupBy`
            : `"${expr}" does not work here: ${failure}`,
        );
      }
      throw err;
    }
    ordered = false;
  }

  // 9. sort (default: the input order, or the groups for an aggregate), then the output columns without the ordinals.
  const sort = job.sort?.length
    ? orderSql(b.sortKeys(job.sort, 'sort'))
    : ordered
      ? ORDINAL_LIST
      : job.aggregate?.groupBy.length
        ? job.aggregate.groupBy.map((g) => q(g)).join(', ')
        : '';
  const outputNames = b.names;
  const partitionBy = job.output.partitionBy;
  b.requireAll(partitionBy, 'output.partitionBy');
  if (partitionBy.length && partitionBy.length >= outputNames.length) throw b.error('output.partitionBy', 'partition by fewer columns than the output has');
  // DuckDB writes a HUGEINT (a sum of integers) to Parquet as DOUBLE, losing digits past 2^53 and disagreeing with
  // the catalog's decimal(38,0) that Athena and Glue read: the output holds it as DECIMAL(38,0), exact, instead.
  const output = outputNames.map((n) => (/^U?HUGEINT$/.test(b.typeOf(n) ?? '') ? `CAST(${q(n)} AS DECIMAL(38,0)) AS ${q(n)}` : q(n)));
  const sql = b.sqlThrough(`SELECT ${output.join(', ')} FROM ${b.current}${sort ? ` ORDER BY ${sort}` : ''}`);
  const columns = (await b.describe(sql)).map((col) => ({ ...col, comment: `job ${jobName}` }));
  return { sql, columns, partitionBy, casts, ...(castCheckSql ? { castCheckSql } : {}) };
}
