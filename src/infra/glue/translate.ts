/**
 * Job expressions are written in DuckDB SQL (the local engine runs them); a
 * Glue job runs them on Spark. This module translates one expression from
 * DuckDB's own parse tree (`json_serialize_sql`, the text bound as a
 * parameter, never pasted) into Spark SQL, through EQUIVALENTS: one row per
 * DuckDB function or construct, each with the Spark form it becomes and
 * examples the tests translate and run on DuckDB, so the table records what
 * every form must mean. Anything the table lacks is refused with the YAML path
 * and the construct named, at deploy time rather than in a failed Glue run.
 *
 * The contract of a row: where DuckDB returns a value, Spark returns the same
 * value, unless the row's `note` says where they differ. Where DuckDB stops
 * with an error (an overflow, a text that is no number, the logarithm of 0)
 * Spark may give NULL instead. The generated scripts pin what this assumes:
 * `spark.sql.ansi.enabled=false` (Glue 4.0 and 5.0's default) and the UTC
 * session time zone (the local engine's). Spark forms are those of Spark 3.3
 * (Glue 4.0) and later.
 *
 * Where DuckDB's meaning depends on an operand's type (integer division,
 * rounding in a cast to an integer), the translator works out the type from
 * the expression when it can (constants, casts, functions of known result);
 * columns' types are not known at deploy time, so such a form over a column
 * either dispatches on Spark's `typeof` or is refused with a fix.
 */
import { ConfigError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import type { Engine } from '../../engine/duckdb.js';
import { ExpressionError, type Node, parseSingleExpression } from '../../engine/expressions.js';

export type ExpressionKind = 'expression' | 'condition' | 'aggregate';

/** What the translator knows of a value's type without the columns' types. */
type StaticType = 'integer' | 'decimal' | 'double' | 'text' | 'boolean' | 'date' | 'timestamp' | 'null' | 'unknown';

interface Emitted {
  sql: string;
  type: StaticType;
  /** A constant's value, for arguments that must be constants (formats, parts, flags, positions). */
  constant?: string | number | null;
}

/** One example of an equivalence: the DuckDB expression, its Spark SQL, and what DuckDB gives (as text) on the sample. */
export interface EquivalenceExample {
  duckdb: string;
  spark: string;
  /** A FROM clause giving the sample rows (one row for a scalar); default: no table. */
  from?: string;
  /** DuckDB's result cast to VARCHAR (null for NULL): what the Spark form must give too. */
  value: string | null;
}

export interface Equivalence {
  /** The DuckDB functions (as json_serialize_sql names them) or constructs this row covers. */
  duckdb: readonly string[];
  /** The Spark SQL form. */
  spark: string;
  /** Where Spark's answer differs from DuckDB's, when DuckDB does not fail. */
  note?: string;
  examples: readonly EquivalenceExample[];
}

interface Context {
  file: string;
  path: string;
  expr: string;
  kind: ExpressionKind;
  /** Inside an aggregate's arguments (aggregates cannot nest). */
  inAggregate: boolean;
}

// ---------------------------------------------------------------------------
// Spark SQL text
// ---------------------------------------------------------------------------

/** A Spark SQL identifier in backticks. */
export function sparkIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A Spark SQL string literal: Spark reads backslash escapes in literals, so backslashes and quotes are escaped. */
export function sparkString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT']);

/** DuckDB cast types and their Spark names. */
const SPARK_TYPES: Record<string, string> = {
  VARCHAR: 'STRING',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

function staticTypeOf(duckType: string): StaticType {
  if (INTEGER_TYPES.has(duckType)) return 'integer';
  if (duckType === 'DECIMAL') return 'decimal';
  if (duckType === 'DOUBLE' || duckType === 'FLOAT') return 'double';
  if (duckType === 'VARCHAR') return 'text';
  if (duckType === 'BOOLEAN') return 'boolean';
  if (duckType === 'DATE') return 'date';
  if (duckType === 'TIMESTAMP') return 'timestamp';
  return 'unknown';
}

// ---------------------------------------------------------------------------
// strftime formats → Spark datetime patterns
// ---------------------------------------------------------------------------

const STRFTIME_PATTERNS: Record<string, string> = {
  '%Y': 'yyyy',
  '%y': 'yy',
  '%m': 'MM',
  '%-m': 'M',
  '%d': 'dd',
  '%-d': 'd',
  '%H': 'HH',
  '%-H': 'H',
  '%I': 'hh',
  '%-I': 'h',
  '%M': 'mm',
  '%-M': 'm',
  '%S': 'ss',
  '%-S': 's',
  '%f': 'SSSSSS',
  '%p': 'a',
  '%b': 'MMM',
  '%h': 'MMM',
  '%B': 'MMMM',
  '%a': 'EEE',
  '%A': 'EEEE',
  '%j': 'DDD',
  '%-j': 'D',
};

/** A strftime format as a Spark (java.time) pattern; literal text is quoted unless it is plain punctuation. */
export function strftimeToSparkPattern(format: string): { pattern: string } | { unsupported: string } {
  let out = '';
  let literal = '';
  const flush = () => {
    if (!literal) return;
    out += /^[ \-/:.,_]+$/.test(literal) ? literal : `'${literal.replace(/'/g, "''")}'`;
    literal = '';
  };
  for (let i = 0; i < format.length; ) {
    if (format[i] !== '%') {
      literal += format[i];
      i++;
      continue;
    }
    const spec = format[i + 1] === '-' ? format.slice(i, i + 3) : format.slice(i, i + 2);
    if (spec === '%%') {
      literal += '%';
      i += 2;
      continue;
    }
    const pattern = STRFTIME_PATTERNS[spec];
    if (!pattern) return { unsupported: spec };
    flush();
    out += pattern;
    i += spec.length;
  }
  flush();
  return { pattern: out };
}

// ---------------------------------------------------------------------------
// Date parts
// ---------------------------------------------------------------------------

/** date_part names DuckDB accepts, and the Spark function giving the same number. */
const DATE_PARTS: Record<string, (x: string) => string> = {
  year: (x) => `year(${x})`,
  quarter: (x) => `quarter(${x})`,
  month: (x) => `month(${x})`,
  day: (x) => `dayofmonth(${x})`,
  hour: (x) => `hour(${x})`,
  minute: (x) => `minute(${x})`,
  second: (x) => `second(${x})`,
  // DuckDB: 0 = Sunday … 6 = Saturday; Spark's dayofweek: 1 = Sunday … 7.
  dow: (x) => `(dayofweek(${x}) - 1)`,
  // DuckDB: 1 = Monday … 7 = Sunday; Spark's weekday: 0 = Monday … 6.
  isodow: (x) => `(weekday(${x}) + 1)`,
  doy: (x) => `dayofyear(${x})`,
  // Both ISO 8601 weeks (Monday first, week 1 holds January 4th).
  week: (x) => `weekofyear(${x})`,
};
const DATE_PART_ALIASES: Record<string, string> = {
  years: 'year',
  quarters: 'quarter',
  months: 'month',
  days: 'day',
  dayofmonth: 'day',
  hours: 'hour',
  minutes: 'minute',
  seconds: 'second',
  dayofweek: 'dow',
  weekday: 'dow',
  dayofyear: 'doy',
  weeks: 'week',
  weekofyear: 'week',
};

const TRUNC_PARTS = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second']);

/** date_diff counts the boundaries of `part` crossed from a to b. */
const DATE_DIFFS: Record<string, (a: string, b: string) => string> = {
  day: (a, b) => `datediff(${b}, ${a})`,
  month: (a, b) => `((year(${b}) - year(${a})) * 12 + (month(${b}) - month(${a})))`,
  quarter: (a, b) => `((year(${b}) - year(${a})) * 4 + (quarter(${b}) - quarter(${a})))`,
  year: (a, b) => `(year(${b}) - year(${a}))`,
  hour: (a, b) => `(floor(unix_timestamp(${b}) / 3600) - floor(unix_timestamp(${a}) / 3600))`,
  minute: (a, b) => `(floor(unix_timestamp(${b}) / 60) - floor(unix_timestamp(${a}) / 60))`,
  second: (a, b) => `(unix_timestamp(${b}) - unix_timestamp(${a}))`,
};

function datePart(name: string): string | undefined {
  const n = name.toLowerCase();
  return DATE_PART_ALIASES[n] ?? (n in DATE_PARTS || TRUNC_PARTS.has(n) ? n : undefined);
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/** How a function row turns its translated arguments into Spark SQL. */
type FunctionForm = (args: Emitted[], t: Translator, node: Node) => Emitted;

interface Row extends Equivalence {
  aggregate?: boolean;
  /** Absent for constructs the translator handles itself (CASE, CAST, …). */
  form?: FunctionForm;
}

const call = (name: string, type: StaticType | ((args: Emitted[]) => StaticType)) => (args: Emitted[]) => ({
  sql: `${name}(${args.map((a) => a.sql).join(', ')})`,
  type: typeof type === 'function' ? type(args) : type,
});
/** An argument where Spark needs text: DuckDB casts numbers, dates and booleans to text implicitly, Spark is told to. */
const asText = (a: Emitted): string => (a.type === 'text' ? a.sql : `CAST(${a.sql} AS STRING)`);
const sameAsFirst = (args: Emitted[]) => args[0]?.type ?? 'unknown';
const numericResult = (args: Emitted[]): StaticType => {
  const types = args.map((a) => a.type);
  if (types.some((t) => t === 'unknown' || t === 'null')) return 'unknown';
  if (types.includes('double')) return 'double';
  if (types.includes('decimal')) return 'decimal';
  return types.every((t) => t === 'integer') ? 'integer' : 'unknown';
};
const binary = (op: string, type: (args: Emitted[]) => StaticType) => (args: Emitted[]) => ({
  sql: `(${args[0]?.sql} ${op} ${args[1]?.sql})`,
  type: type(args),
});
const aggregate = (name: string, type: StaticType | ((args: Emitted[]) => StaticType)) => (args: Emitted[], _t: Translator, node: Node) => ({
  sql: `${name}(${node.distinct ? 'DISTINCT ' : ''}${args.map((a) => a.sql).join(', ')})`,
  type: typeof type === 'function' ? type(args) : type,
});

/** The one table: every construct and function a job expression may use on Glue. */
export const EQUIVALENTS: readonly Row[] = [
  // --- constructs -------------------------------------------------------------------------------
  {
    duckdb: ['column reference'],
    spark: '`name` (backticks; a backtick in the name is doubled)',
    examples: [{ duckdb: 'amount', spark: '`amount`', from: '(SELECT 12.5 AS amount)', value: '12.5' }],
  },
  {
    duckdb: ['text constant'],
    spark: "'…' with backslashes and quotes escaped (Spark reads escapes in literals)",
    examples: [
      { duckdb: "'it''s'", spark: "'it\\'s'", value: "it's" },
      { duckdb: "'a\\b'", spark: "'a\\\\b'", value: 'a\\b' },
    ],
  },
  {
    duckdb: ['number constant'],
    spark: 'integers as written; decimals as decimal literals; exponent numbers as double literals (1000D)',
    note: 'numbers of more than 15 significant digits are refused (the parse tree carries them as JSON numbers)',
    examples: [
      { duckdb: '42', spark: '42', value: '42' },
      { duckdb: '-7', spark: '(-7)', value: '-7' },
      { duckdb: '1.50', spark: '1.50', value: '1.50' },
      { duckdb: '1e3', spark: '1000D', value: '1000.0' },
    ],
  },
  {
    duckdb: ['NULL', 'TRUE', 'FALSE'],
    spark: 'NULL, TRUE, FALSE',
    examples: [
      { duckdb: 'NULL', spark: 'NULL', value: null },
      { duckdb: 'TRUE', spark: 'TRUE', value: 'true' },
      { duckdb: 'FALSE', spark: 'FALSE', value: 'false' },
    ],
  },
  {
    duckdb: ['DATE literal', 'TIMESTAMP literal'],
    spark: "CAST('…' AS DATE), CAST('…' AS TIMESTAMP)",
    examples: [
      { duckdb: "DATE '2024-03-05'", spark: "CAST('2024-03-05' AS DATE)", value: '2024-03-05' },
      { duckdb: "TIMESTAMP '2024-03-05 10:11:12'", spark: "CAST('2024-03-05 10:11:12' AS TIMESTAMP)", value: '2024-03-05 10:11:12' },
    ],
  },
  {
    duckdb: ['CAST', 'TRY_CAST', '::'],
    spark:
      'CAST(x AS t) with t as Spark names it (VARCHAR → STRING, INTEGER → INT, DECIMAL(p,s), BIGINT, SMALLINT, TINYINT, DOUBLE, FLOAT, BOOLEAN, DATE, TIMESTAMP); ' +
      'to an integer type, DOUBLE values are rounded half to even (rint) and others half away from zero (round), as DuckDB does, where Spark would truncate',
    note:
      'a value that does not convert is NULL on Spark (as TRY_CAST); a DOUBLE becomes text in Java form on Spark (1.0E7 where DuckDB writes 10000000.0); ' +
      'a DOUBLE becomes a DECIMAL from its shortest decimal text on Spark (1.005 → 1.01) and from its binary value on DuckDB (1.005 → 1.00); ' +
      'a column of unknown type cast to an integer type dispatches on typeof(), so a BOOLEAN column there fails on Spark: write CASE WHEN b THEN 1 ELSE 0 END',
    examples: [
      { duckdb: 'CAST(n AS VARCHAR)', spark: 'CAST(`n` AS STRING)', from: '(SELECT 1.50 AS n)', value: '1.50' },
      { duckdb: "CAST('42' AS INTEGER)", spark: "CAST(round(CAST('42' AS DECIMAL(38,9))) AS INT)", value: '42' },
      { duckdb: "TRY_CAST('abc' AS BIGINT)", spark: "CAST(round(CAST('abc' AS DECIMAL(38,9))) AS BIGINT)", value: null },
      { duckdb: 'CAST(7 AS SMALLINT)', spark: 'CAST(7 AS SMALLINT)', value: '7' },
      { duckdb: "CAST('2.5' AS INTEGER)", spark: "CAST(round(CAST('2.5' AS DECIMAL(38,9))) AS INT)", value: '3' },
      { duckdb: 'CAST(2.5 AS INTEGER)', spark: 'CAST(round(2.5) AS INT)', value: '3' },
      { duckdb: 'CAST(CAST(2.5 AS DOUBLE) AS INTEGER)', spark: 'CAST(rint(CAST(2.5 AS DOUBLE)) AS INT)', value: '2' },
      {
        duckdb: 'CAST(x AS INTEGER)',
        spark:
          "CAST(CASE WHEN typeof(`x`) IN ('double', 'float') THEN rint(`x`) WHEN typeof(`x`) = 'string' THEN round(CAST(`x` AS DECIMAL(38,9))) ELSE round(`x`) END AS INT)",
        from: '(SELECT 1.7::DOUBLE AS x)',
        value: '2',
      },
      { duckdb: 'x::DECIMAL(12,2)', spark: 'CAST(`x` AS DECIMAL(12,2))', from: '(SELECT 3.14159 AS x)', value: '3.14' },
      { duckdb: 'CAST(d AS DATE)', spark: 'CAST(`d` AS DATE)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS d)", value: '2024-03-05' },
      { duckdb: 'CAST(s AS TIMESTAMP)', spark: 'CAST(`s` AS TIMESTAMP)', from: "(SELECT '2024-03-05 10:11:12' AS s)", value: '2024-03-05 10:11:12' },
      { duckdb: 'CAST(n AS DOUBLE)', spark: 'CAST(`n` AS DOUBLE)', from: '(SELECT 7 AS n)', value: '7.0' },
      { duckdb: 'CAST(s AS BOOLEAN)', spark: 'CAST(`s` AS BOOLEAN)', from: "(SELECT 'true' AS s)", value: 'true' },
    ],
  },
  {
    duckdb: ['+', '-', '*'],
    spark: '(a + b), (a - b), (a * b), (- a); DATE + integer adds days on both',
    note: "an integer overflow stops DuckDB and wraps around on Spark; a DATE minus a DATE is a number of days on DuckDB and an interval on Spark (which Parquet cannot hold): write date_diff('day', a, b)",
    examples: [
      { duckdb: 'a + b * 2', spark: '(`a` + (`b` * 2))', from: '(SELECT 1 AS a, 3 AS b)', value: '7' },
      { duckdb: 'a - 0.5', spark: '(`a` - 0.5)', from: '(SELECT 2 AS a)', value: '1.5' },
      { duckdb: '-a', spark: '(- `a`)', from: '(SELECT 2 AS a)', value: '-2' },
      { duckdb: 'd + 1', spark: '(`d` + 1)', from: "(SELECT DATE '2024-01-31' AS d)", value: '2024-02-01' },
    ],
  },
  {
    duckdb: ['/'],
    spark:
      "(CAST(a AS DOUBLE) / CAST(b AS DOUBLE)): DuckDB divides in DOUBLE whatever the operands. By zero DuckDB follows IEEE 754 (inf, -inf, nan) where Spark gives NULL, so unless b is a non-zero constant: CASE WHEN CAST(b AS DOUBLE) = 0 THEN CAST(a AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE … END",
    note: 'a divisor of -0.0 gives inf for a positive a on Spark and -inf on DuckDB',
    examples: [
      {
        duckdb: 'a / b',
        spark: "CASE WHEN CAST(`b` AS DOUBLE) = 0 THEN CAST(`a` AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE CAST(`a` AS DOUBLE) / CAST(`b` AS DOUBLE) END",
        from: '(SELECT 7 AS a, 2 AS b)',
        value: '3.5',
      },
      {
        duckdb: 'a / b',
        spark: "CASE WHEN CAST(`b` AS DOUBLE) = 0 THEN CAST(`a` AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE CAST(`a` AS DOUBLE) / CAST(`b` AS DOUBLE) END",
        from: '(SELECT -7 AS a, 0 AS b)',
        value: '-inf',
      },
      {
        duckdb: 'a / b',
        spark: "CASE WHEN CAST(`b` AS DOUBLE) = 0 THEN CAST(`a` AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE CAST(`a` AS DOUBLE) / CAST(`b` AS DOUBLE) END",
        from: '(SELECT 0.0 AS a, 0 AS b)',
        value: '-nan',
      },
      { duckdb: 'a / 4', spark: '(CAST(`a` AS DOUBLE) / CAST(4 AS DOUBLE))', from: '(SELECT 7 AS a)', value: '1.75' },
      {
        duckdb: 'a / 0',
        spark: "CASE WHEN CAST(0 AS DOUBLE) = 0 THEN CAST(`a` AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE CAST(`a` AS DOUBLE) / CAST(0 AS DOUBLE) END",
        from: '(SELECT 7 AS a)',
        value: 'inf',
      },
    ],
  },
  {
    duckdb: ['//'],
    spark: '(a div b), for operands known to be integers (integer constants, casts to an integer type, integer functions)',
    note: "DuckDB's // on a DOUBLE or DECIMAL is plain division, Spark's div truncates: over a column, cast it to an integer type first",
    examples: [
      { duckdb: 'length(s) // 2', spark: '(length(`s`) div 2)', from: "(SELECT 'abcde' AS s)", value: '2' },
      { duckdb: 'CAST(7 AS BIGINT) // 0', spark: '(CAST(7 AS BIGINT) div 0)', value: null },
      { duckdb: '-7 // 2', spark: '((-7) div 2)', value: '-3' },
    ],
  },
  {
    duckdb: ['%'],
    spark: '(a % b): the remainder takes the sign of a on both; by zero it is NULL on both',
    examples: [
      { duckdb: 'a % 3', spark: '(`a` % 3)', from: '(SELECT -7 AS a)', value: '-1' },
      { duckdb: 'a % 2', spark: '(`a` % 2)', from: '(SELECT 5.5 AS a)', value: '1.5' },
    ],
  },
  {
    duckdb: ['^', '**', 'pow', 'power'],
    spark: 'power(a, b) (DOUBLE on both)',
    examples: [
      { duckdb: 'a ^ 2', spark: 'power(`a`, 2)', from: '(SELECT 3 AS a)', value: '9.0' },
      { duckdb: 'power(2, 10)', spark: 'power(2, 10)', value: '1024.0' },
    ],
  },
  {
    duckdb: ['||'],
    spark: 'concat(a, b): NULL if either is NULL on both; operands not known to be text are cast to STRING, as DuckDB does',
    note: 'a DOUBLE operand is written in Java form on Spark (1.0E7 where DuckDB writes 10000000.0)',
    examples: [
      {
        duckdb: "a || '-' || b",
        spark: "concat(concat(CAST(`a` AS STRING), '-'), CAST(`b` AS STRING))",
        from: "(SELECT 'x' AS a, 'y' AS b)",
        value: 'x-y',
      },
      { duckdb: "a || 'x'", spark: "concat(CAST(`a` AS STRING), 'x')", from: '(SELECT NULL::VARCHAR AS a)', value: null },
      { duckdb: "'n' || 1", spark: "concat('n', CAST(1 AS STRING))", value: 'n1' },
    ],
  },
  {
    duckdb: ['=', '<>', '!=', '<', '>', '<=', '>='],
    spark: '(a = b), (a <> b), (a < b), (a > b), (a <= b), (a >= b)',
    examples: [
      { duckdb: 'revenue > 0', spark: '(`revenue` > 0)', from: '(SELECT 12.5 AS revenue)', value: 'true' },
      { duckdb: "country <> 'FR'", spark: "(`country` <> 'FR')", from: "(SELECT 'FR' AS country)", value: 'false' },
      { duckdb: 'a = b', spark: '(`a` = `b`)', from: '(SELECT 1 AS a, NULL::INTEGER AS b)', value: null },
      { duckdb: 'a <= 2', spark: '(`a` <= 2)', from: '(SELECT 2 AS a)', value: 'true' },
    ],
  },
  {
    duckdb: ['IS DISTINCT FROM', 'IS NOT DISTINCT FROM'],
    spark: '(NOT (a <=> b)), (a <=> b)',
    examples: [
      { duckdb: 'a IS DISTINCT FROM b', spark: '(NOT (`a` <=> `b`))', from: '(SELECT 1 AS a, NULL::INTEGER AS b)', value: 'true' },
      { duckdb: 'a IS NOT DISTINCT FROM b', spark: '(`a` <=> `b`)', from: '(SELECT NULL::INTEGER AS a, NULL::INTEGER AS b)', value: 'true' },
    ],
  },
  {
    duckdb: ['AND', 'OR', 'NOT'],
    spark: '(a AND b), (a OR b), (NOT a): three-valued on both',
    examples: [
      { duckdb: 'a > 0 AND b > 0', spark: '((`a` > 0) AND (`b` > 0))', from: '(SELECT 1 AS a, 2 AS b)', value: 'true' },
      { duckdb: 'a > 0 OR b > 0', spark: '((`a` > 0) OR (`b` > 0))', from: '(SELECT NULL::INTEGER AS a, 2 AS b)', value: 'true' },
      { duckdb: 'NOT paid', spark: '(NOT `paid`)', from: '(SELECT true AS paid)', value: 'false' },
      { duckdb: 'NOT a > 0', spark: '(`a` <= 0)', from: '(SELECT 1 AS a)', value: 'false' },
    ],
  },
  {
    duckdb: ['IS NULL', 'IS NOT NULL'],
    spark: '(a IS NULL), (a IS NOT NULL)',
    examples: [
      { duckdb: 'a IS NULL', spark: '(`a` IS NULL)', from: '(SELECT NULL::INTEGER AS a)', value: 'true' },
      { duckdb: 'a IS NOT NULL', spark: '(`a` IS NOT NULL)', from: '(SELECT NULL::INTEGER AS a)', value: 'false' },
    ],
  },
  {
    duckdb: ['IN', 'NOT IN'],
    spark: '(a IN (…)), (a NOT IN (…)): NULL when no item matches and one is NULL, on both',
    examples: [
      { duckdb: "country IN ('FR', 'DE')", spark: "(`country` IN ('FR', 'DE'))", from: "(SELECT 'DE' AS country)", value: 'true' },
      { duckdb: 'a NOT IN (1, 2)', spark: '(`a` NOT IN (1, 2))', from: '(SELECT 3 AS a)', value: 'true' },
      { duckdb: 'a IN (1, NULL)', spark: '(`a` IN (1, NULL))', from: '(SELECT 3 AS a)', value: null },
    ],
  },
  {
    duckdb: ['BETWEEN', 'NOT BETWEEN'],
    spark: '(a BETWEEN l AND u), inclusive on both; NOT BETWEEN as (NOT (…))',
    examples: [
      { duckdb: 'a BETWEEN 1 AND 3', spark: '(`a` BETWEEN 1 AND 3)', from: '(SELECT 3 AS a)', value: 'true' },
      { duckdb: 'a NOT BETWEEN 1 AND 3', spark: '(NOT (`a` BETWEEN 1 AND 3))', from: '(SELECT 4 AS a)', value: 'true' },
    ],
  },
  {
    duckdb: ['LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'],
    spark:
      "(a LIKE 'p'), (NOT (a LIKE 'p')), (lower(a) LIKE lower('p')); DuckDB's LIKE has no escape character, Spark's is the backslash, so backslashes in the pattern are doubled (the pattern must be a constant)",
    examples: [
      { duckdb: "name LIKE 'A%'", spark: "(`name` LIKE 'A%')", from: "(SELECT 'Alice' AS name)", value: 'true' },
      { duckdb: "name NOT LIKE '_b%'", spark: "(NOT (`name` LIKE '_b%'))", from: "(SELECT 'Alice' AS name)", value: 'true' },
      { duckdb: "name ILIKE 'a%'", spark: "(lower(`name`) LIKE lower('a%'))", from: "(SELECT 'Alice' AS name)", value: 'true' },
      { duckdb: "path LIKE 'a\\_%'", spark: "(`path` LIKE 'a\\\\\\\\_%')", from: "(SELECT 'a\\_b' AS path)", value: 'true' },
    ],
  },
  {
    duckdb: ['CASE'],
    spark: 'CASE WHEN … THEN … [ELSE …] END (a simple CASE x WHEN v becomes WHEN x = v)',
    examples: [
      {
        duckdb: "CASE WHEN a > 10 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END",
        spark: "CASE WHEN (`a` > 10) THEN 'big' WHEN (`a` > 0) THEN 'small' ELSE 'none' END",
        from: '(SELECT 5 AS a)',
        value: 'small',
      },
      { duckdb: "CASE a WHEN 1 THEN 'one' END", spark: "CASE WHEN (`a` = 1) THEN 'one' ELSE NULL END", from: '(SELECT 2 AS a)', value: null },
    ],
  },
  {
    duckdb: ['coalesce', 'ifnull'],
    spark: 'coalesce(a, b, …)',
    examples: [
      { duckdb: 'coalesce(a, b, 0)', spark: 'coalesce(`a`, `b`, 0)', from: '(SELECT NULL::INTEGER AS a, 5 AS b)', value: '5' },
      { duckdb: 'ifnull(a, 0)', spark: 'coalesce(`a`, 0)', from: '(SELECT NULL::INTEGER AS a)', value: '0' },
    ],
  },
  // --- dates and times -------------------------------------------------------------------------
  {
    duckdb: ['strftime'],
    spark:
      'date_format(x, pattern): %Y→yyyy %y→yy %m→MM %-m→M %d→dd %-d→d %H→HH %-H→H %I→hh %-I→h %M→mm %-M→m %S→ss %-S→s %f→SSSSSS %p→a %b→MMM %B→MMMM %a→EEE %A→EEEE %j→DDD %-j→D %%→%, other text quoted; the format must be a constant',
    note: 'other specifiers (%z, %Z, %U, %W, %w, %u, %c, %x, %X, %G, %V…) have no matching Spark pattern and are refused',
    form: (args, t) => {
      // DuckDB takes strftime(value, format) and strftime(format, value).
      const [value, format] = args[1]?.type === 'text' && typeof args[1].constant === 'string' ? [args[0], args[1]] : [args[1], args[0]];
      if (args.length !== 2 || !value || typeof format?.constant !== 'string')
        throw t.refuse('strftime()', "its format must be a text constant, e.g. strftime(order_date, '%Y-%m')");
      const converted = strftimeToSparkPattern(format.constant);
      if ('unsupported' in converted) {
        throw t.refuse(
          `the strftime specifier ${converted.unsupported}`,
          `Spark's date_format has no pattern for it; use ${Object.keys(STRFTIME_PATTERNS).join(' ')}`,
        );
      }
      return { sql: `date_format(${value.sql}, ${sparkString(converted.pattern)})`, type: 'text' };
    },
    examples: [
      {
        duckdb: "strftime(order_date, '%Y-%m')",
        spark: "date_format(`order_date`, 'yyyy-MM')",
        from: "(SELECT DATE '2024-03-05' AS order_date)",
        value: '2024-03',
      },
      {
        duckdb: "strftime(ts, '%d/%m/%y %H:%M:%S.%f')",
        spark: "date_format(`ts`, 'dd/MM/yy HH:mm:ss.SSSSSS')",
        from: "(SELECT TIMESTAMP '2024-03-05 14:07:09.123456' AS ts)",
        value: '05/03/24 14:07:09.123456',
      },
      {
        duckdb: "strftime(d, '%-m/%-d %I %p %b %B %a %A %j %-j')",
        spark: "date_format(`d`, 'M/d hh a MMM MMMM EEE EEEE DDD D')",
        from: "(SELECT DATE '2024-03-05' AS d)",
        value: '3/5 12 AM Mar March Tue Tuesday 065 65',
      },
      {
        duckdb: "strftime(d, 'Week of %Y, 100%%')",
        spark: "date_format(`d`, '\\'Week of \\'yyyy\\', 100%\\'')",
        from: "(SELECT DATE '2024-03-05' AS d)",
        value: 'Week of 2024, 100%',
      },
      { duckdb: "strftime('%Y', d)", spark: "date_format(`d`, 'yyyy')", from: "(SELECT DATE '2024-03-05' AS d)", value: '2024' },
    ],
  },
  {
    duckdb: ['date_trunc', 'datetrunc'],
    spark: "date_trunc('PART', x) for year, quarter, month, week (Monday), day, hour, minute, second: a TIMESTAMP on both",
    form: (args, t) => {
      const part = typeof args[0]?.constant === 'string' ? datePart(args[0].constant) : undefined;
      if (args.length !== 2 || !part || !TRUNC_PARTS.has(part)) {
        throw t.refuse('date_trunc()', `its part must be a text constant, one of ${[...TRUNC_PARTS].join(', ')}`);
      }
      return { sql: `date_trunc(${sparkString(part.toUpperCase())}, ${args[1]?.sql})`, type: 'timestamp' };
    },
    examples: [
      { duckdb: "date_trunc('month', d)", spark: "date_trunc('MONTH', `d`)", from: "(SELECT DATE '2024-03-05' AS d)", value: '2024-03-01 00:00:00' },
      { duckdb: "date_trunc('week', d)", spark: "date_trunc('WEEK', `d`)", from: "(SELECT DATE '2024-03-07' AS d)", value: '2024-03-04 00:00:00' },
      { duckdb: "date_trunc('quarter', d)", spark: "date_trunc('QUARTER', `d`)", from: "(SELECT DATE '2024-05-20' AS d)", value: '2024-04-01 00:00:00' },
      { duckdb: "date_trunc('year', d)", spark: "date_trunc('YEAR', `d`)", from: "(SELECT DATE '2024-05-20' AS d)", value: '2024-01-01 00:00:00' },
      {
        duckdb: "date_trunc('day', ts)",
        spark: "date_trunc('DAY', `ts`)",
        from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)",
        value: '2024-03-05 00:00:00',
      },
      {
        duckdb: "date_trunc('hour', ts)",
        spark: "date_trunc('HOUR', `ts`)",
        from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)",
        value: '2024-03-05 10:00:00',
      },
      {
        duckdb: "date_trunc('minute', ts)",
        spark: "date_trunc('MINUTE', `ts`)",
        from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)",
        value: '2024-03-05 10:11:00',
      },
      {
        duckdb: "date_trunc('second', ts)",
        spark: "date_trunc('SECOND', `ts`)",
        from: "(SELECT TIMESTAMP '2024-03-05 10:11:12.5' AS ts)",
        value: '2024-03-05 10:11:12',
      },
    ],
  },
  {
    duckdb: ['date_part', 'datepart', 'extract'],
    spark:
      'year, quarter, month, dayofmonth, hour, minute, second (whole seconds), dayofweek(x) - 1 for dow, weekday(x) + 1 for isodow, dayofyear for doy, weekofyear for week (ISO); the part must be a constant',
    note: 'date_part gives BIGINT on DuckDB and INT on Spark',
    form: (args, t) => {
      const part = typeof args[0]?.constant === 'string' ? datePart(args[0].constant) : undefined;
      const form = part ? DATE_PARTS[part] : undefined;
      if (args.length !== 2 || !form) throw t.refuse('date_part()', `its part must be a text constant, one of ${Object.keys(DATE_PARTS).join(', ')}`);
      return { sql: form(args[1]?.sql as string), type: 'integer' };
    },
    examples: [
      { duckdb: "date_part('year', d)", spark: 'year(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '2024' },
      { duckdb: 'extract(month FROM d)', spark: 'month(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '3' },
      { duckdb: "date_part('day', d)", spark: 'dayofmonth(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '5' },
      { duckdb: "date_part('quarter', d)", spark: 'quarter(`d`)', from: "(SELECT DATE '2024-05-05' AS d)", value: '2' },
      { duckdb: "date_part('hour', ts)", spark: 'hour(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12.75' AS ts)", value: '10' },
      { duckdb: "date_part('minute', ts)", spark: 'minute(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12.75' AS ts)", value: '11' },
      { duckdb: "date_part('second', ts)", spark: 'second(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12.75' AS ts)", value: '12' },
      { duckdb: "date_part('dow', d)", spark: '(dayofweek(`d`) - 1)', from: "(SELECT DATE '2024-03-10' AS d)", value: '0' },
      { duckdb: "date_part('isodow', d)", spark: '(weekday(`d`) + 1)', from: "(SELECT DATE '2024-03-10' AS d)", value: '7' },
      { duckdb: "date_part('doy', d)", spark: 'dayofyear(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '65' },
      { duckdb: "date_part('week', d)", spark: 'weekofyear(`d`)', from: "(SELECT DATE '2021-01-03' AS d)", value: '53' },
    ],
  },
  {
    duckdb: ['year', 'quarter', 'month', 'day', 'dayofmonth', 'hour', 'minute', 'second', 'dayofweek', 'isodow', 'dayofyear', 'week', 'weekofyear'],
    spark: 'the date_part forms above, by name',
    note: 'BIGINT on DuckDB, INT on Spark',
    form: (args, t, node) => {
      const name = String(node.function_name).toLowerCase();
      const form = DATE_PARTS[datePart(name) as string];
      if (args.length !== 1 || !form) throw t.refuse(`${name}()`, 'it takes one date or timestamp');
      return { sql: form(args[0]?.sql as string), type: 'integer' };
    },
    examples: [
      { duckdb: 'year(d)', spark: 'year(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '2024' },
      { duckdb: 'quarter(d)', spark: 'quarter(`d`)', from: "(SELECT DATE '2024-11-05' AS d)", value: '4' },
      { duckdb: 'month(d)', spark: 'month(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '3' },
      { duckdb: 'day(d)', spark: 'dayofmonth(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '5' },
      { duckdb: 'dayofmonth(d)', spark: 'dayofmonth(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '5' },
      { duckdb: 'hour(ts)', spark: 'hour(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)", value: '10' },
      { duckdb: 'minute(ts)', spark: 'minute(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)", value: '11' },
      { duckdb: 'second(ts)', spark: 'second(`ts`)', from: "(SELECT TIMESTAMP '2024-03-05 10:11:12' AS ts)", value: '12' },
      { duckdb: 'dayofweek(d)', spark: '(dayofweek(`d`) - 1)', from: "(SELECT DATE '2024-03-09' AS d)", value: '6' },
      { duckdb: 'isodow(d)', spark: '(weekday(`d`) + 1)', from: "(SELECT DATE '2024-03-04' AS d)", value: '1' },
      { duckdb: 'dayofyear(d)', spark: 'dayofyear(`d`)', from: "(SELECT DATE '2024-12-31' AS d)", value: '366' },
      { duckdb: 'week(d)', spark: 'weekofyear(`d`)', from: "(SELECT DATE '2024-01-01' AS d)", value: '1' },
      { duckdb: 'weekofyear(d)', spark: 'weekofyear(`d`)', from: "(SELECT DATE '2024-03-05' AS d)", value: '10' },
    ],
  },
  {
    duckdb: ['date_diff', 'datediff'],
    spark:
      "date_diff('part', a, b) counts part boundaries from a to b: datediff(b, a) for day (Spark's arguments run the other way), year/quarter/month from year(), quarter() and month(), hour/minute/second from unix_timestamp()",
    note: 'BIGINT on DuckDB, INT or BIGINT on Spark',
    form: (args, t) => {
      const part = typeof args[0]?.constant === 'string' ? datePart(args[0].constant) : undefined;
      const form = part ? DATE_DIFFS[part] : undefined;
      if (args.length !== 3 || !form) throw t.refuse('date_diff()', `its part must be a text constant, one of ${Object.keys(DATE_DIFFS).join(', ')}`);
      return { sql: form(args[1]?.sql as string, args[2]?.sql as string), type: 'integer' };
    },
    examples: [
      { duckdb: "date_diff('day', a, b)", spark: 'datediff(`b`, `a`)', from: "(SELECT DATE '2024-03-01' AS a, DATE '2024-03-05' AS b)", value: '4' },
      {
        duckdb: "date_diff('month', a, b)",
        spark: '((year(`b`) - year(`a`)) * 12 + (month(`b`) - month(`a`)))',
        from: "(SELECT DATE '2024-01-31' AS a, DATE '2024-02-01' AS b)",
        value: '1',
      },
      {
        duckdb: "date_diff('quarter', a, b)",
        spark: '((year(`b`) - year(`a`)) * 4 + (quarter(`b`) - quarter(`a`)))',
        from: "(SELECT DATE '2023-12-31' AS a, DATE '2024-04-01' AS b)",
        value: '2',
      },
      { duckdb: "datediff('year', a, b)", spark: '(year(`b`) - year(`a`))', from: "(SELECT DATE '2023-12-31' AS a, DATE '2024-01-01' AS b)", value: '1' },
      {
        duckdb: "date_diff('hour', a, b)",
        spark: '(floor(unix_timestamp(`b`) / 3600) - floor(unix_timestamp(`a`) / 3600))',
        from: "(SELECT TIMESTAMP '2024-03-01 10:59:00' AS a, TIMESTAMP '2024-03-01 11:00:00' AS b)",
        value: '1',
      },
      {
        duckdb: "date_diff('minute', a, b)",
        spark: '(floor(unix_timestamp(`b`) / 60) - floor(unix_timestamp(`a`) / 60))',
        from: "(SELECT TIMESTAMP '2024-03-01 10:59:59' AS a, TIMESTAMP '2024-03-01 11:00:00' AS b)",
        value: '1',
      },
      {
        duckdb: "date_diff('second', a, b)",
        spark: '(unix_timestamp(`b`) - unix_timestamp(`a`))',
        from: "(SELECT TIMESTAMP '2024-03-01 10:00:00' AS a, TIMESTAMP '2024-03-01 10:01:30' AS b)",
        value: '90',
      },
    ],
  },
  // --- text ------------------------------------------------------------------------------------
  {
    duckdb: ['lower', 'lcase', 'upper', 'ucase'],
    spark: 'lower(s), upper(s)',
    note: 'letters whose case maps to several letters differ (upper of ß: ẞ on DuckDB, SS on Spark)',
    form: (args, t, node) => {
      const name = String(node.function_name).toLowerCase();
      if (args.length !== 1) throw t.refuse(`${name}()`, 'it takes one text');
      return { sql: `${name.endsWith('lower') || name === 'lcase' ? 'lower' : 'upper'}(${args[0]?.sql})`, type: 'text' };
    },
    examples: [
      { duckdb: 'lower(s)', spark: 'lower(`s`)', from: "(SELECT 'ÄbC' AS s)", value: 'äbc' },
      { duckdb: 'upper(s)', spark: 'upper(`s`)', from: "(SELECT 'abc' AS s)", value: 'ABC' },
      { duckdb: 'lcase(s)', spark: 'lower(`s`)', from: "(SELECT 'ABC' AS s)", value: 'abc' },
      { duckdb: 'ucase(s)', spark: 'upper(`s`)', from: "(SELECT 'abc' AS s)", value: 'ABC' },
    ],
  },
  {
    duckdb: ['trim', 'ltrim', 'rtrim'],
    spark: 'trim(s), ltrim(s), rtrim(s) remove spaces (not tabs) on both; with characters: trim(BOTH|LEADING|TRAILING c FROM s)',
    form: (args, t, node) => {
      const name = String(node.function_name).toLowerCase();
      if (args.length === 1) return { sql: `${name}(${args[0]?.sql})`, type: 'text' };
      if (args.length !== 2) throw t.refuse(`${name}()`, 'it takes a text and optionally the characters to remove');
      const side = name === 'ltrim' ? 'LEADING' : name === 'rtrim' ? 'TRAILING' : 'BOTH';
      return { sql: `trim(${side} ${args[1]?.sql} FROM ${args[0]?.sql})`, type: 'text' };
    },
    examples: [
      { duckdb: 'trim(s)', spark: 'trim(`s`)', from: "(SELECT '  a b  ' AS s)", value: 'a b' },
      { duckdb: 'ltrim(s)', spark: 'ltrim(`s`)', from: "(SELECT '  a ' AS s)", value: 'a ' },
      { duckdb: 'rtrim(s)', spark: 'rtrim(`s`)', from: "(SELECT ' a  ' AS s)", value: ' a' },
      { duckdb: "trim(s, 'x')", spark: "trim(BOTH 'x' FROM `s`)", from: "(SELECT 'xxaxx' AS s)", value: 'a' },
      { duckdb: "ltrim(s, '0')", spark: "trim(LEADING '0' FROM `s`)", from: "(SELECT '007' AS s)", value: '7' },
      { duckdb: "rtrim(s, '.')", spark: "trim(TRAILING '.' FROM `s`)", from: "(SELECT 'end...' AS s)", value: 'end' },
    ],
  },
  {
    duckdb: ['length', 'char_length', 'character_length'],
    spark: 'length(s): characters (code points) on both',
    note: 'BIGINT on DuckDB, INT on Spark',
    form: call('length', 'integer'),
    examples: [
      { duckdb: 'length(s)', spark: 'length(`s`)', from: "(SELECT 'héllo' AS s)", value: '5' },
      { duckdb: 'char_length(s)', spark: 'length(`s`)', from: "(SELECT 'abc' AS s)", value: '3' },
    ],
  },
  {
    duckdb: ['substring', 'substr'],
    spark:
      'substring(s, start[, length]): 1-based on both, a negative start counts from the end on both; the start must be a non-zero integer constant (position 0 differs)',
    note: 'a negative length gives the characters before start on DuckDB and an empty text on Spark',
    form: (args, t, node) => {
      const start = args[1];
      if ((args.length !== 2 && args.length !== 3) || typeof start?.constant !== 'number' || !Number.isInteger(start.constant) || start.constant === 0) {
        throw t.refuse(
          `${String(node.function_name)}()`,
          'its start must be an integer constant other than 0 (positions start at 1; negative ones count from the end), e.g. substring(code, 1, 3)',
        );
      }
      return { sql: `substring(${args.map((a) => a.sql).join(', ')})`, type: 'text' };
    },
    examples: [
      { duckdb: 'substring(s, 2, 3)', spark: 'substring(`s`, 2, 3)', from: "(SELECT 'hello' AS s)", value: 'ell' },
      { duckdb: 'substr(s, 2)', spark: 'substring(`s`, 2)', from: "(SELECT 'hello' AS s)", value: 'ello' },
      { duckdb: 'substring(s, -3, 2)', spark: 'substring(`s`, (-3), 2)', from: "(SELECT 'hello' AS s)", value: 'll' },
      { duckdb: 'substring(s FROM 1 FOR 2)', spark: 'substring(`s`, 1, 2)', from: "(SELECT 'hello' AS s)", value: 'he' },
    ],
  },
  {
    duckdb: ['left', 'right'],
    spark: 'left(s, n), right(s, n); n must be an integer constant ≥ 0 (a negative n means all but n on DuckDB and an empty text on Spark)',
    form: (args, t, node) => {
      const name = String(node.function_name).toLowerCase();
      const n = args[1]?.constant;
      if (args.length !== 2 || typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        throw t.refuse(`${name}()`, 'its length must be an integer constant of 0 or more');
      }
      return { sql: `${name}(${args[0]?.sql}, ${args[1]?.sql})`, type: 'text' };
    },
    examples: [
      { duckdb: 'left(s, 2)', spark: 'left(`s`, 2)', from: "(SELECT 'hello' AS s)", value: 'he' },
      { duckdb: 'right(s, 2)', spark: 'right(`s`, 2)', from: "(SELECT 'hello' AS s)", value: 'lo' },
    ],
  },
  {
    duckdb: ['concat'],
    spark: "concat_ws('', a, b, …): DuckDB's concat skips NULLs (Spark's concat would give NULL); arguments not known to be text are cast to STRING",
    note: 'a DOUBLE argument is written in Java form on Spark (1.0E7 where DuckDB writes 10000000.0)',
    form: (args) => ({ sql: `concat_ws('', ${args.map(asText).join(', ')})`, type: 'text' }),
    examples: [
      {
        duckdb: "concat(a, '-', b)",
        spark: "concat_ws('', CAST(`a` AS STRING), '-', CAST(`b` AS STRING))",
        from: "(SELECT 'x' AS a, NULL::VARCHAR AS b)",
        value: 'x-',
      },
      { duckdb: "concat('n', 1)", spark: "concat_ws('', 'n', CAST(1 AS STRING))", value: 'n1' },
    ],
  },
  {
    duckdb: ['concat_ws'],
    spark: 'concat_ws(sep, a, b, …): skips NULLs on both; arguments not known to be text are cast to STRING',
    form: (args, t) => {
      if (args.length < 2) throw t.refuse('concat_ws()', 'it takes a separator and at least one value');
      return { sql: `concat_ws(${args.map(asText).join(', ')})`, type: 'text' };
    },
    examples: [
      {
        duckdb: "concat_ws('-', a, b, 'c')",
        spark: "concat_ws('-', CAST(`a` AS STRING), CAST(`b` AS STRING), 'c')",
        from: "(SELECT 'a' AS a, NULL::VARCHAR AS b)",
        value: 'a-c',
      },
    ],
  },
  {
    duckdb: ['replace'],
    spark: 'replace(s, from, to): every occurrence on both',
    form: call('replace', 'text'),
    examples: [{ duckdb: "replace(s, 'a', 'b')", spark: "replace(`s`, 'a', 'b')", from: "(SELECT 'banana' AS s)", value: 'bbnbnb' }],
  },
  {
    duckdb: ['contains'],
    spark: '(instr(s, t) > 0)',
    form: (args) => ({ sql: `(instr(${args[0]?.sql}, ${args[1]?.sql}) > 0)`, type: 'boolean' }),
    examples: [
      { duckdb: "contains(s, 'an')", spark: "(instr(`s`, 'an') > 0)", from: "(SELECT 'banana' AS s)", value: 'true' },
      { duckdb: "contains(s, '')", spark: "(instr(`s`, '') > 0)", from: "(SELECT 'banana' AS s)", value: 'true' },
    ],
  },
  {
    duckdb: ['starts_with', 'prefix'],
    spark: '(left(s, length(t)) = t)',
    form: (args) => ({ sql: `(left(${args[0]?.sql}, length(${args[1]?.sql})) = ${args[1]?.sql})`, type: 'boolean' }),
    examples: [
      { duckdb: "starts_with(s, 'ba')", spark: "(left(`s`, length('ba')) = 'ba')", from: "(SELECT 'banana' AS s)", value: 'true' },
      { duckdb: "prefix(s, 'na')", spark: "(left(`s`, length('na')) = 'na')", from: "(SELECT 'banana' AS s)", value: 'false' },
    ],
  },
  {
    duckdb: ['ends_with', 'suffix'],
    spark: '(right(s, length(t)) = t)',
    form: (args) => ({ sql: `(right(${args[0]?.sql}, length(${args[1]?.sql})) = ${args[1]?.sql})`, type: 'boolean' }),
    examples: [
      { duckdb: "ends_with(s, 'na')", spark: "(right(`s`, length('na')) = 'na')", from: "(SELECT 'banana' AS s)", value: 'true' },
      { duckdb: "suffix(s, 'ba')", spark: "(right(`s`, length('ba')) = 'ba')", from: "(SELECT 'banana' AS s)", value: 'false' },
    ],
  },
  {
    duckdb: ['position', 'strpos', 'instr'],
    spark: 'instr(s, t): 1-based, 0 when absent, on both',
    note: 'BIGINT on DuckDB, INT on Spark',
    form: call('instr', 'integer'),
    examples: [
      { duckdb: "position('na' IN s)", spark: "instr(`s`, 'na')", from: "(SELECT 'banana' AS s)", value: '3' },
      { duckdb: "strpos(s, 'x')", spark: "instr(`s`, 'x')", from: "(SELECT 'banana' AS s)", value: '0' },
    ],
  },
  {
    duckdb: ['lpad', 'rpad'],
    spark: 'lpad(s, n, p), rpad(s, n, p): longer texts are cut to n on both',
    form: (args, _t, node) => call(String(node.function_name).toLowerCase(), 'text')(args),
    examples: [
      { duckdb: "lpad(s, 5, '0')", spark: "lpad(`s`, 5, '0')", from: "(SELECT '42' AS s)", value: '00042' },
      { duckdb: "rpad(s, 3, '.')", spark: "rpad(`s`, 3, '.')", from: "(SELECT 'hello' AS s)", value: 'hel' },
    ],
  },
  {
    duckdb: ['reverse'],
    spark: 'reverse(s)',
    form: call('reverse', 'text'),
    examples: [{ duckdb: 'reverse(s)', spark: 'reverse(`s`)', from: "(SELECT 'abc' AS s)", value: 'cba' }],
  },
  {
    duckdb: ['repeat'],
    spark: 'repeat(s, n)',
    form: call('repeat', 'text'),
    examples: [{ duckdb: 'repeat(s, 3)', spark: 'repeat(`s`, 3)', from: "(SELECT 'ab' AS s)", value: 'ababab' }],
  },
  {
    duckdb: ['regexp_matches'],
    spark: "(s RLIKE p): a match anywhere on both; the flag 'i' becomes (?i) before a constant pattern",
    note: "DuckDB's patterns are RE2, Spark's are java.util.regex: the common syntax (classes, groups, anchors, quantifiers) means the same; possessive quantifiers and back-references exist only in Java",
    form: (args, t) => {
      const [s, p, flags] = args;
      if (!s || !p || args.length > 3) throw t.refuse('regexp_matches()', 'it takes a text, a pattern and optionally flags');
      const pattern = flags === undefined ? p.sql : withRegexFlags(p, flags, t, 'regexp_matches()');
      return { sql: `(${s.sql} RLIKE ${pattern})`, type: 'boolean' };
    },
    examples: [
      { duckdb: "regexp_matches(s, '[0-9]+')", spark: "(`s` RLIKE '[0-9]+')", from: "(SELECT 'abc123' AS s)", value: 'true' },
      { duckdb: "regexp_matches(s, '^b', 'i')", spark: "(`s` RLIKE '(?i)^b')", from: "(SELECT 'Banana' AS s)", value: 'true' },
    ],
  },
  {
    duckdb: ['regexp_replace'],
    spark:
      "regexp_replace(s, p, r) with the flag 'g' (Spark always replaces every match); in a constant replacement, \\1 becomes $1 and a literal $ becomes \\$",
    note: "without 'g' DuckDB replaces the first match only, which Spark cannot: add 'g', or anchor the pattern",
    form: (args, t) => {
      const [s, p, r, flags] = args;
      if (!s || !p || typeof r?.constant !== 'string' || typeof flags?.constant !== 'string' || !flags.constant.includes('g')) {
        throw t.refuse(
          "regexp_replace() without the flag 'g'",
          "Spark replaces every match and DuckDB without 'g' only the first; write regexp_replace(s, pattern, 'replacement', 'g') with a constant replacement",
        );
      }
      const rest = flags.constant.replace(/g/g, '');
      const pattern = rest ? withRegexFlags(p, { sql: sparkString(rest), type: 'text', constant: rest }, t, 'regexp_replace()') : p.sql;
      return { sql: `regexp_replace(${s.sql}, ${pattern}, ${sparkString(re2RewriteToJava(r.constant))})`, type: 'text' };
    },
    examples: [
      { duckdb: "regexp_replace(s, '[0-9]', '#', 'g')", spark: "regexp_replace(`s`, '[0-9]', '#')", from: "(SELECT 'a1b22' AS s)", value: 'a#b##' },
      { duckdb: "regexp_replace(s, '(b+)', '<\\1>$', 'g')", spark: "regexp_replace(`s`, '(b+)', '<$1>\\\\$')", from: "(SELECT 'abbc' AS s)", value: 'a<bb>$c' },
      { duckdb: "regexp_replace(s, 'A', '-', 'gi')", spark: "regexp_replace(`s`, '(?i)A', '-')", from: "(SELECT 'banana' AS s)", value: 'b-n-n-' },
    ],
  },
  {
    duckdb: ['regexp_extract'],
    spark: 'regexp_extract(s, p, group) (Spark defaults to group 1, DuckDB to 0: the group is always written); no match gives an empty text on both',
    form: (args, t) => {
      const [s, p, group] = args;
      if (!s || !p || args.length > 3 || (group && (typeof group.constant !== 'number' || !Number.isInteger(group.constant)))) {
        throw t.refuse('regexp_extract()', 'it takes a text, a pattern and optionally a group number (an integer constant)');
      }
      return { sql: `regexp_extract(${s.sql}, ${p.sql}, ${group?.sql ?? '0'})`, type: 'text' };
    },
    examples: [
      { duckdb: "regexp_extract(s, '[0-9]+')", spark: "regexp_extract(`s`, '[0-9]+', 0)", from: "(SELECT 'abc123' AS s)", value: '123' },
      { duckdb: "regexp_extract(s, '([a-z]+)([0-9]+)', 2)", spark: "regexp_extract(`s`, '([a-z]+)([0-9]+)', 2)", from: "(SELECT 'abc123' AS s)", value: '123' },
      { duckdb: "regexp_extract(s, '[0-9]+')", spark: "regexp_extract(`s`, '[0-9]+', 0)", from: "(SELECT 'abc' AS s)", value: '' },
    ],
  },
  // --- numbers ---------------------------------------------------------------------------------
  {
    duckdb: ['round'],
    spark: 'round(x[, n]): half away from zero on both',
    note: 'a DOUBLE is rounded from its shortest decimal text on Spark and from its binary value on DuckDB: round(1.005::DOUBLE, 2) is 1.01 on Spark and 1.0 on DuckDB',
    form: call('round', sameAsFirst),
    examples: [
      { duckdb: 'round(x)', spark: 'round(`x`)', from: '(SELECT -2.5 AS x)', value: '-3' },
      { duckdb: 'round(x, 2)', spark: 'round(`x`, 2)', from: '(SELECT 0.125 AS x)', value: '0.13' },
      { duckdb: 'round(x)', spark: 'round(`x`)', from: '(SELECT 2.5::DOUBLE AS x)', value: '3.0' },
    ],
  },
  {
    duckdb: ['floor', 'ceil', 'ceiling'],
    spark: 'floor(x), ceil(x)',
    note: 'a DOUBLE gives a DOUBLE on DuckDB and a BIGINT on Spark (the same whole number)',
    form: (args, _t, node) => call(String(node.function_name).toLowerCase() === 'floor' ? 'floor' : 'ceil', sameAsFirst)(args),
    examples: [
      { duckdb: 'floor(x)', spark: 'floor(`x`)', from: '(SELECT -2.5 AS x)', value: '-3' },
      { duckdb: 'ceil(x)', spark: 'ceil(`x`)', from: '(SELECT 2.1 AS x)', value: '3' },
      { duckdb: 'ceiling(x)', spark: 'ceil(`x`)', from: '(SELECT 2.1::DOUBLE AS x)', value: '3.0' },
    ],
  },
  {
    duckdb: ['abs'],
    spark: 'abs(x)',
    form: call('abs', sameAsFirst),
    examples: [{ duckdb: 'abs(x)', spark: 'abs(`x`)', from: '(SELECT -3 AS x)', value: '3' }],
  },
  {
    duckdb: ['sign'],
    spark: 'sign(x)',
    note: 'TINYINT on DuckDB, DOUBLE on Spark (the same -1, 0 or 1)',
    form: call('sign', 'unknown'),
    examples: [{ duckdb: 'sign(x)', spark: 'sign(`x`)', from: '(SELECT -2.5 AS x)', value: '-1' }],
  },
  {
    duckdb: ['sqrt', 'exp', 'ln', 'log10', 'log2'],
    spark: 'sqrt(x), exp(x), ln(x), log10(x), log2(x) (DOUBLE on both)',
    form: (args, _t, node) => call(String(node.function_name).toLowerCase(), 'double')(args),
    examples: [
      { duckdb: 'sqrt(x)', spark: 'sqrt(`x`)', from: '(SELECT 16 AS x)', value: '4.0' },
      { duckdb: 'exp(x)', spark: 'exp(`x`)', from: '(SELECT 0 AS x)', value: '1.0' },
      { duckdb: 'ln(x)', spark: 'ln(`x`)', from: '(SELECT 1 AS x)', value: '0.0' },
      { duckdb: 'log10(x)', spark: 'log10(`x`)', from: '(SELECT 1000 AS x)', value: '3.0' },
      { duckdb: 'log2(x)', spark: 'log2(`x`)', from: '(SELECT 8 AS x)', value: '3.0' },
    ],
  },
  {
    duckdb: ['log'],
    spark: "log10(x) for log(x) (DuckDB's one-argument log is base 10, Spark's is natural); log(b, x) for log(b, x)",
    form: (args) => ({ sql: args.length === 1 ? `log10(${args[0]?.sql})` : `log(${args.map((a) => a.sql).join(', ')})`, type: 'double' }),
    examples: [
      { duckdb: 'log(x)', spark: 'log10(`x`)', from: '(SELECT 100 AS x)', value: '2.0' },
      { duckdb: 'log(2, x)', spark: 'log(2, `x`)', from: '(SELECT 8 AS x)', value: '3.0' },
    ],
  },
  {
    duckdb: ['greatest', 'least'],
    spark: 'greatest(…), least(…): NULLs are skipped on both',
    form: (args, _t, node) => call(String(node.function_name).toLowerCase(), numericResult)(args),
    examples: [
      { duckdb: 'greatest(a, b, 3)', spark: 'greatest(`a`, `b`, 3)', from: '(SELECT 1 AS a, NULL::INTEGER AS b)', value: '3' },
      { duckdb: 'least(a, b)', spark: 'least(`a`, `b`)', from: '(SELECT 1 AS a, NULL::INTEGER AS b)', value: '1' },
    ],
  },
  {
    duckdb: ['nullif'],
    spark: 'nullif(a, b)',
    form: call('nullif', sameAsFirst),
    examples: [
      { duckdb: "nullif(s, '')", spark: "nullif(`s`, '')", from: "(SELECT '' AS s)", value: null },
      { duckdb: 'nullif(a, 0)', spark: 'nullif(`a`, 0)', from: '(SELECT 5 AS a)', value: '5' },
    ],
  },
  {
    duckdb: ['if'],
    spark: "CASE WHEN c THEN a ELSE b END (DuckDB's parser makes if() a CASE)",
    examples: [{ duckdb: "if(a > 0, 'pos', 'neg')", spark: "CASE WHEN (`a` > 0) THEN 'pos' ELSE 'neg' END", from: '(SELECT -1 AS a)', value: 'neg' }],
  },
  // --- aggregates (aggregate.measures only) --------------------------------------------------
  {
    duckdb: ['count_star'],
    spark: 'count(*) (with FILTER (WHERE …) on both)',
    aggregate: true,
    form: () => ({ sql: 'count(*)', type: 'integer' }),
    examples: [
      { duckdb: 'count(*)', spark: 'count(*)', from: '(VALUES (1), (NULL)) v(x)', value: '2' },
      { duckdb: 'count(*) FILTER (WHERE x > 0)', spark: 'count(*) FILTER (WHERE (`x` > 0))', from: '(VALUES (1), (-1), (NULL)) v(x)', value: '1' },
    ],
  },
  {
    duckdb: ['count'],
    spark: 'count(x), count(DISTINCT x): non-NULL values on both',
    aggregate: true,
    form: aggregate('count', 'integer'),
    examples: [
      { duckdb: 'count(x)', spark: 'count(`x`)', from: '(VALUES (1), (1), (NULL)) v(x)', value: '2' },
      { duckdb: 'count(DISTINCT x)', spark: 'count(DISTINCT `x`)', from: '(VALUES (1), (1), (NULL)) v(x)', value: '1' },
    ],
  },
  {
    duckdb: ['sum'],
    spark: 'sum(x), sum(DISTINCT x)',
    note: 'integers sum to HUGEINT on DuckDB and BIGINT on Spark, which wraps around past 2^63',
    aggregate: true,
    form: aggregate('sum', sameAsFirst),
    examples: [
      { duckdb: 'sum(revenue)', spark: 'sum(`revenue`)', from: '(VALUES (1.50), (2.25), (NULL)) v(revenue)', value: '3.75' },
      { duckdb: 'sum(DISTINCT x)', spark: 'sum(DISTINCT `x`)', from: '(VALUES (2), (2), (3)) v(x)', value: '5' },
      { duckdb: 'sum(x) FILTER (WHERE x > 2)', spark: 'sum(`x`) FILTER (WHERE (`x` > 2))', from: '(VALUES (2), (3), (4)) v(x)', value: '7' },
    ],
  },
  {
    duckdb: ['avg', 'mean'],
    spark: 'avg(x)',
    note: 'a DECIMAL averages to DOUBLE on DuckDB and to a wider DECIMAL on Spark',
    aggregate: true,
    form: aggregate('avg', 'unknown'),
    examples: [
      { duckdb: 'avg(x)', spark: 'avg(`x`)', from: '(VALUES (1), (2), (NULL)) v(x)', value: '1.5' },
      { duckdb: 'mean(x)', spark: 'avg(`x`)', from: '(VALUES (1), (4)) v(x)', value: '2.5' },
    ],
  },
  {
    duckdb: ['min', 'max'],
    spark: 'min(x), max(x)',
    aggregate: true,
    form: (args, t, node) => aggregate(String(node.function_name).toLowerCase(), sameAsFirst)(args, t, node),
    examples: [
      { duckdb: 'min(x)', spark: 'min(`x`)', from: "(VALUES ('b'), ('a'), (NULL)) v(x)", value: 'a' },
      { duckdb: 'max(x)', spark: 'max(`x`)', from: "(VALUES (DATE '2024-01-02'), (DATE '2024-03-01')) v(x)", value: '2024-03-01' },
    ],
  },
  {
    duckdb: ['median'],
    spark: 'percentile(x, 0.5): exact, the mean of the two middle values for an even count, on both',
    note: 'numbers only on Spark (DuckDB also takes dates and text); a DECIMAL gives a DOUBLE on Spark',
    aggregate: true,
    form: (args, t, node) => {
      if (node.distinct) throw t.refuse('median(DISTINCT …)', 'Spark has no distinct percentile; take the median of all values');
      return { sql: `percentile(${args[0]?.sql}, 0.5)`, type: 'double' };
    },
    examples: [
      { duckdb: 'median(x)', spark: 'percentile(`x`, 0.5)', from: '(VALUES (1), (2), (3), (10)) v(x)', value: '2.5' },
      { duckdb: 'median(x)', spark: 'percentile(`x`, 0.5)', from: '(VALUES (1), (2), (10), (NULL)) v(x)', value: '2.0' },
    ],
  },
  {
    duckdb: ['stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop'],
    spark: 'stddev_samp(x), stddev_pop(x), var_samp(x), var_pop(x) (stddev and variance are the sample forms on both)',
    aggregate: true,
    form: (args, t, node) => {
      const name = String(node.function_name).toLowerCase();
      const spark = name === 'stddev' ? 'stddev_samp' : name === 'variance' ? 'var_samp' : name;
      return aggregate(spark, 'double')(args, t, node);
    },
    examples: [
      { duckdb: 'stddev(x)', spark: 'stddev_samp(`x`)', from: '(VALUES (2), (4), (4), (4), (5), (5), (7), (9)) v(x)', value: '2.138089935299395' },
      { duckdb: 'stddev_pop(x)', spark: 'stddev_pop(`x`)', from: '(VALUES (2), (4), (4), (4), (5), (5), (7), (9)) v(x)', value: '2.0' },
      { duckdb: 'variance(x)', spark: 'var_samp(`x`)', from: '(VALUES (1), (3)) v(x)', value: '2.0' },
      { duckdb: 'var_pop(x)', spark: 'var_pop(`x`)', from: '(VALUES (1), (3)) v(x)', value: '1.0' },
    ],
  },
  {
    duckdb: ['bool_and', 'bool_or'],
    spark: 'bool_and(c), bool_or(c)',
    aggregate: true,
    form: (args, t, node) => aggregate(String(node.function_name).toLowerCase(), 'boolean')(args, t, node),
    examples: [
      { duckdb: 'bool_and(x > 0)', spark: 'bool_and((`x` > 0))', from: '(VALUES (1), (-1)) v(x)', value: 'false' },
      { duckdb: 'bool_or(x > 0)', spark: 'bool_or((`x` > 0))', from: '(VALUES (1), (-1)) v(x)', value: 'true' },
    ],
  },
  {
    duckdb: ['count_if', 'countif'],
    spark: 'count_if(c)',
    aggregate: true,
    form: aggregate('count_if', 'integer'),
    examples: [{ duckdb: 'count_if(x > 0)', spark: 'count_if((`x` > 0))', from: '(VALUES (1), (-1), (NULL)) v(x)', value: '1' }],
  },
];

const FUNCTIONS = new Map<string, Row>();
for (const row of EQUIVALENTS) if (row.form) for (const name of row.duckdb) FUNCTIONS.set(name, row);

/** Operators json_serialize_sql gives as functions, and their rows. */
const OPERATOR_FORMS: Record<string, FunctionForm> = {
  '+': (args) => (args.length === 1 ? (args[0] as Emitted) : binary('+', numericResult)(args)),
  '-': (args) => (args.length === 1 ? { sql: `(- ${args[0]?.sql})`, type: args[0]?.type ?? 'unknown' } : binary('-', numericResult)(args)),
  '*': binary('*', numericResult),
  '%': binary('%', numericResult),
  '/': (args) => {
    const a = `CAST(${args[0]?.sql} AS DOUBLE)`;
    const b = `CAST(${args[1]?.sql} AS DOUBLE)`;
    // DuckDB divides by zero as IEEE 754 does (inf, -inf, nan); Spark answers NULL, so zero is handled first.
    const nonZero = typeof args[1]?.constant === 'number' && args[1].constant !== 0;
    return { sql: nonZero ? `(${a} / ${b})` : `CASE WHEN ${b} = 0 THEN ${a} * CAST('Infinity' AS DOUBLE) ELSE ${a} / ${b} END`, type: 'double' };
  },
  '//': (args, t) => {
    if (!args.every((a) => a.type === 'integer')) {
      throw t.refuse(
        'the // operator on operands that may not be integers',
        "DuckDB's // divides DOUBLE and DECIMAL values exactly and truncates only integers; cast both sides to an integer type, e.g. CAST(a AS BIGINT) // CAST(b AS BIGINT)",
      );
    }
    return { sql: `(${args[0]?.sql} div ${args[1]?.sql})`, type: 'integer' };
  },
  '^': (args) => ({ sql: `power(${args[0]?.sql}, ${args[1]?.sql})`, type: 'double' }),
  '**': (args) => ({ sql: `power(${args[0]?.sql}, ${args[1]?.sql})`, type: 'double' }),
  pow: (args) => ({ sql: `power(${args[0]?.sql}, ${args[1]?.sql})`, type: 'double' }),
  power: (args) => ({ sql: `power(${args[0]?.sql}, ${args[1]?.sql})`, type: 'double' }),
  '||': (args) => ({ sql: `concat(${args.map(asText).join(', ')})`, type: 'text' }),
  '~~': (args, t) => ({ sql: `(${args[0]?.sql} LIKE ${likePattern(args[1], t, 'LIKE')})`, type: 'boolean' }),
  '!~~': (args, t) => ({ sql: `(NOT (${args[0]?.sql} LIKE ${likePattern(args[1], t, 'NOT LIKE')}))`, type: 'boolean' }),
  '~~*': (args, t) => ({ sql: `(lower(${args[0]?.sql}) LIKE lower(${likePattern(args[1], t, 'ILIKE')}))`, type: 'boolean' }),
  '!~~*': (args, t) => ({ sql: `(NOT (lower(${args[0]?.sql}) LIKE lower(${likePattern(args[1], t, 'NOT ILIKE')})))`, type: 'boolean' }),
};

const COMPARISONS: Record<string, string> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
  COMPARE_LESSTHAN: '<',
  COMPARE_GREATERTHAN: '>',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};

/** A LIKE pattern: a constant, its backslashes doubled (DuckDB's LIKE has no escape character, Spark's is the backslash). */
function likePattern(p: Emitted | undefined, t: Translator, op: string): string {
  if (typeof p?.constant !== 'string')
    throw t.refuse(`${op} with a pattern that is not a constant`, "write the pattern as a text constant, e.g. name LIKE 'A%'");
  return sparkString(p.constant.replace(/\\/g, '\\\\'));
}

/** DuckDB's regex flags on a constant pattern as Java inline flags: i (ignore case), c (case-sensitive, the default); others are refused. */
function withRegexFlags(p: Emitted, flags: Emitted, t: Translator, fn: string): string {
  if (typeof flags.constant !== 'string' || typeof p.constant !== 'string' || /[^ic]/.test(flags.constant)) {
    throw t.refuse(
      `${fn} with flags other than 'i' or 'c'`,
      'the pattern and flags must be text constants; the flags may be i (ignore case) and c (case-sensitive)',
    );
  }
  const ignoreCase = flags.constant.lastIndexOf('i') > flags.constant.lastIndexOf('c');
  return sparkString(ignoreCase ? `(?i)${p.constant}` : p.constant);
}

/** An RE2 rewrite string (\0-\9 groups, \\ a backslash, anything else literal) as a java.util.regex replacement. */
export function re2RewriteToJava(rewrite: string): string {
  let out = '';
  for (let i = 0; i < rewrite.length; i++) {
    const ch = rewrite[i] as string;
    const next = rewrite[i + 1];
    if (ch === '\\' && next !== undefined && /[0-9]/.test(next)) {
      out += `$${next}`;
      i++;
    } else if (ch === '\\' && next === '\\') {
      out += '\\\\';
      i++;
    } else if (ch === '$' || ch === '\\') {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The translator
// ---------------------------------------------------------------------------

class Translator {
  constructor(private readonly ctx: Context) {}

  /** A ConfigError naming the YAML path, the expression and the construct without a Spark equivalent. */
  refuse(what: string, fix: string): ConfigError {
    return new ConfigError(
      this.ctx.file,
      this.ctx.path,
      `"${this.ctx.expr}": ${what} has no Spark SQL equivalent that Sluice has tested, so this job cannot run as a Glue job; ${fix}`,
    );
  }

  node(n: Node): Emitted {
    switch (n.class) {
      case 'CONSTANT':
        return this.constant(n);
      case 'COLUMN_REF': {
        const names = n.column_names as string[];
        if (names.length !== 1) throw this.refuse(`the qualified name ${names.join('.')}`, 'name the column alone (a job expression sees one table)');
        return { sql: sparkIdentifier(names[0] as string), type: 'unknown' };
      }
      case 'CAST':
        return this.cast(n);
      case 'COMPARISON':
        return this.comparison(n);
      case 'CONJUNCTION': {
        const op = n.type === 'CONJUNCTION_AND' ? 'AND' : 'OR';
        const children = (n.children as Node[]).map((c) => this.node(c).sql);
        return { sql: `(${children.join(` ${op} `)})`, type: 'boolean' };
      }
      case 'OPERATOR':
        return this.operator(n);
      case 'BETWEEN':
        return {
          sql: `(${this.node(n.input as Node).sql} BETWEEN ${this.node(n.lower as Node).sql} AND ${this.node(n.upper as Node).sql})`,
          type: 'boolean',
        };
      case 'CASE':
        return this.caseExpression(n);
      case 'FUNCTION':
        return this.function(n);
      case 'SUBQUERY':
        throw this.refuse('a subquery', 'a job expression works on the row (join the other table with join:)');
      case 'WINDOW':
        throw this.refuse('a window function', 'use dedupe (orderBy) or aggregate instead');
      default:
        throw this.refuse(
          `the construct ${String(n.type ?? n.class)}`,
          'rewrite it with the operators and functions Sluice translates (see EQUIVALENTS in src/infra/glue/translate.ts)',
        );
    }
  }

  private constant(n: Node): Emitted {
    const v = n.value as { type: { id: string; type_info?: { width?: number; scale?: number } | null }; is_null: boolean; value?: unknown };
    if (v.is_null) return { sql: 'NULL', type: 'null', constant: null };
    const id = v.type.id;
    if (id === 'VARCHAR') return { sql: sparkString(String(v.value)), type: 'text', constant: String(v.value) };
    const tooLong = () =>
      this.refuse('a number of more than 15 significant digits', "write it as a text and cast it, e.g. CAST('12345678901234567' AS DECIMAL(18,0))");
    if (INTEGER_TYPES.has(id)) {
      if (typeof v.value !== 'number' || !Number.isSafeInteger(v.value)) throw tooLong();
      return { sql: v.value < 0 ? `(${v.value})` : String(v.value), type: 'integer', constant: v.value };
    }
    if (id === 'DECIMAL') {
      const scale = v.type.type_info?.scale ?? 0;
      if (typeof v.value !== 'number' || !Number.isSafeInteger(v.value)) throw tooLong();
      const digits = String(Math.abs(v.value)).padStart(scale + 1, '0');
      const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : `${digits}BD`;
      return { sql: v.value < 0 ? `(-${text})` : text, type: 'decimal', constant: v.value / 10 ** scale };
    }
    if (id === 'DOUBLE' || id === 'FLOAT') {
      if (typeof v.value !== 'number' || !Number.isFinite(v.value)) throw this.refuse(`the constant ${String(v.value)}`, 'write a finite number');
      const text = `${String(v.value).toUpperCase()}D`;
      return { sql: v.value < 0 ? `(${text})` : text, type: 'double', constant: v.value };
    }
    throw this.refuse(`a constant of type ${id}`, 'write numbers, texts, TRUE, FALSE, NULL, or a DATE or TIMESTAMP literal');
  }

  private cast(n: Node): Emitted {
    const target = n.cast_type as { id: string; type_info?: { width?: number; scale?: number } | null };
    const child = this.node(n.child as Node);
    // TRUE and FALSE reach the tree as CAST('t' AS BOOLEAN) and CAST('f' AS BOOLEAN).
    if (target.id === 'BOOLEAN' && (child.constant === 't' || child.constant === 'f') && child.type === 'text') {
      return { sql: child.constant === 't' ? 'TRUE' : 'FALSE', type: 'boolean' };
    }
    let sparkType = SPARK_TYPES[target.id];
    if (target.id === 'DECIMAL') sparkType = `DECIMAL(${target.type_info?.width ?? 18},${target.type_info?.scale ?? 3})`;
    if (!sparkType) {
      throw this.refuse(
        `a cast to ${target.id}`,
        'cast to VARCHAR, INTEGER, BIGINT, SMALLINT, TINYINT, DECIMAL(p,s), DOUBLE, FLOAT, BOOLEAN, DATE or TIMESTAMP',
      );
    }
    const type = staticTypeOf(target.id);
    if (type !== 'integer') return { sql: `CAST(${child.sql} AS ${sparkType})`, type };
    // DuckDB rounds into an integer type (DOUBLE half to even, DECIMAL and text half away from zero); Spark truncates.
    const x = child.sql;
    const rounded: Record<StaticType, string> = {
      integer: x,
      boolean: x,
      null: x,
      decimal: `round(${x})`,
      double: `rint(${x})`,
      text: `round(CAST(${x} AS DECIMAL(38,9)))`,
      date: x,
      timestamp: x,
      unknown: `CASE WHEN typeof(${x}) IN ('double', 'float') THEN rint(${x}) WHEN typeof(${x}) = 'string' THEN round(CAST(${x} AS DECIMAL(38,9))) ELSE round(${x}) END`,
    };
    return { sql: `CAST(${rounded[child.type]} AS ${sparkType})`, type };
  }

  private comparison(n: Node): Emitted {
    const left = this.node(n.left as Node).sql;
    const right = this.node(n.right as Node).sql;
    if (n.type === 'COMPARE_DISTINCT_FROM') return { sql: `(NOT (${left} <=> ${right}))`, type: 'boolean' };
    if (n.type === 'COMPARE_NOT_DISTINCT_FROM') return { sql: `(${left} <=> ${right})`, type: 'boolean' };
    const op = COMPARISONS[String(n.type)];
    if (!op) throw this.refuse(`the comparison ${String(n.type)}`, 'use =, <>, <, >, <=, >= or IS [NOT] DISTINCT FROM');
    return { sql: `(${left} ${op} ${right})`, type: 'boolean' };
  }

  private operator(n: Node): Emitted {
    const children = (n.children as Node[]).map((c) => this.node(c));
    const sql = children.map((c) => c.sql);
    switch (n.type) {
      case 'OPERATOR_NOT':
        return { sql: `(NOT ${sql[0]})`, type: 'boolean' };
      case 'OPERATOR_IS_NULL':
        return { sql: `(${sql[0]} IS NULL)`, type: 'boolean' };
      case 'OPERATOR_IS_NOT_NULL':
        return { sql: `(${sql[0]} IS NOT NULL)`, type: 'boolean' };
      case 'COMPARE_IN':
        return { sql: `(${sql[0]} IN (${sql.slice(1).join(', ')}))`, type: 'boolean' };
      case 'COMPARE_NOT_IN':
        return { sql: `(${sql[0]} NOT IN (${sql.slice(1).join(', ')}))`, type: 'boolean' };
      case 'OPERATOR_COALESCE':
        return { sql: `coalesce(${sql.join(', ')})`, type: children.find((c) => c.type !== 'null')?.type ?? 'unknown' };
      default:
        throw this.refuse(
          `the operator ${String(n.type)}`,
          'rewrite it with the operators and functions Sluice translates (see EQUIVALENTS in src/infra/glue/translate.ts)',
        );
    }
  }

  private caseExpression(n: Node): Emitted {
    const checks = (n.case_checks as { when_expr: Node; then_expr: Node }[]).map((c) => ({ when: this.node(c.when_expr), result: this.node(c.then_expr) }));
    const otherwise = this.node(n.else_expr as Node);
    const whens = checks.map((c) => `WHEN ${c.when.sql} THEN ${c.result.sql}`).join(' ');
    return { sql: `CASE ${whens} ELSE ${otherwise.sql} END`, type: checks[0]?.result.type ?? 'unknown' };
  }

  private function(n: Node): Emitted {
    const name = String(n.function_name).toLowerCase();
    const orders = (n.order_bys as { orders?: unknown[] } | undefined)?.orders ?? [];
    if (orders.length) throw this.refuse(`${name}() with ORDER BY`, 'aggregates in a measure take no ORDER BY');
    const operatorForm = OPERATOR_FORMS[name];
    const row = FUNCTIONS.get(name);
    if (!operatorForm && !row) {
      const known = [...FUNCTIONS.keys(), ...Object.keys(OPERATOR_FORMS), 'coalesce', 'ifnull', 'if'].filter(
        (k) => /^[a-z][a-z0-9_]*$/.test(k) && k !== 'count_star',
      );
      const near = /^[a-z_0-9]+$/.test(name) ? closest(name, known) : undefined;
      throw this.refuse(
        /^[a-z_0-9]+$/.test(name) ? `the function ${name}()` : `the operator ${name}`,
        `${near ? `did you mean ${near}()? ` : ''}use the functions Sluice translates: ${known.sort().join(', ')}`,
      );
    }
    const isAggregate = row?.aggregate === true;
    if (isAggregate && this.ctx.kind !== 'aggregate') {
      throw new ConfigError(
        this.ctx.file,
        this.ctx.path,
        `"${this.ctx.expr}": ${name}() is an aggregate; a row expression works on one row at a time (aggregates belong in aggregate.measures)`,
      );
    }
    if (isAggregate && this.ctx.inAggregate) throw this.refuse(`${name}() inside another aggregate`, 'aggregates cannot be nested');
    if (!isAggregate && (n.distinct || n.filter)) throw this.refuse(`${name}() with DISTINCT or FILTER`, 'only aggregates take DISTINCT or FILTER');
    const wasInAggregate = this.ctx.inAggregate;
    this.ctx.inAggregate = wasInAggregate || isAggregate;
    try {
      const args = (n.children as Node[]).map((c) => this.node(c));
      const form = (operatorForm ?? row?.form) as FunctionForm;
      const out = form(args, this, n);
      if (!n.filter) return out;
      return { sql: `${out.sql} FILTER (WHERE ${this.node(n.filter as Node).sql})`, type: out.type };
    } finally {
      this.ctx.inAggregate = wasInAggregate;
    }
  }
}

/** DuckDB's parse tree of one expression, parsed as the local engine parses it (engine/expressions.ts). */
async function parseExpression(engine: Engine, expr: string, file: string, path: string): Promise<Node> {
  try {
    return await engine.withConnection((c) => parseSingleExpression(c, expr));
  } catch (err) {
    if (err instanceof ExpressionError) throw new ConfigError(file, path, err.message, { cause: err });
    throw err;
  }
}

/**
 * Spark SQL for a job expression written in DuckDB SQL: a derive
 * (`expression`), a filter (`condition`) or a measure (`aggregate`, the only
 * kind that may use aggregate functions). Identifiers come out in backticks,
 * texts as escaped literals. Throws ConfigError at `yamlPath` (e.g.
 * `jobs.orders_clean.derive.order_month`) naming what has no Spark equivalent.
 */
export async function toSparkSql(engine: Engine, duckSql: string, yamlPath: string, kind: ExpressionKind, file = 'sluice.yaml'): Promise<string> {
  const tree = await parseExpression(engine, duckSql, file, yamlPath);
  return new Translator({ file, path: yamlPath, expr: duckSql, kind, inAggregate: false }).node(tree).sql;
}
