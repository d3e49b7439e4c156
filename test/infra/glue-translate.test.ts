/**
 * The DuckDB → Spark SQL table. Spark cannot run here, so each row's examples
 * are checked twice: the translator must produce the recorded Spark SQL, and
 * DuckDB must give the recorded value on the sample rows, so the table states
 * (and keeps stating) what each Spark form has to mean.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/duckdb.js';
import { EQUIVALENTS, re2RewriteToJava, sparkIdentifier, sparkString, strftimeToSparkPattern, toSparkSql } from '../../src/infra/glue/translate.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.open({ tempDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-glue-translate-')) });
});

afterAll(() => {
  engine.close();
});

/** What DuckDB gives for `expr` over the sample, as text (the local engine's meaning). */
async function duckdbValue(expr: string, from: string | undefined): Promise<string | null> {
  return engine.withConnection(async (c) => {
    const r = await c.runAndReadAll(`SELECT CAST((\n${expr}\n) AS VARCHAR) AS v${from ? ` FROM ${from}` : ''}`);
    const rows = r.getRows();
    expect(rows).toHaveLength(1);
    const v = rows[0]?.[0];
    return v === null || v === undefined ? null : String(v);
  });
}

/** The ConfigError `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

const cases = EQUIVALENTS.flatMap((row) =>
  row.examples.map((example) => ({ name: `${row.duckdb[0]}: ${example.duckdb}`, aggregate: row.aggregate === true, ...example })),
);

describe('the table of equivalents', () => {
  it('gives every row at least one example, and every example is a distinct case', () => {
    // Assess
    for (const row of EQUIVALENTS) expect(row.examples.length, row.duckdb.join(', ')).toBeGreaterThan(0);
    expect(new Set(cases.map((c) => `${c.duckdb}|${c.from}`)).size).toBe(cases.length);
  });

  it.each(cases)('$name', async (example) => {
    // Act
    const spark = await toSparkSql(engine, example.duckdb, 'jobs.t.derive.x', example.aggregate ? 'aggregate' : 'expression');
    const value = await duckdbValue(example.duckdb, example.from);

    // Assess
    expect(spark).toBe(example.spark);
    expect(value).toBe(example.value);
  });
});

describe('toSparkSql', () => {
  it('translates the DESIGN example expressions', async () => {
    // Act
    const derive = await toSparkSql(engine, "strftime(order_date, '%Y-%m')", 'jobs.orders_clean.derive.order_month', 'expression');
    const filter = await toSparkSql(engine, 'revenue > 0', 'jobs.orders_clean.filter', 'condition');
    const sum = await toSparkSql(engine, 'sum(revenue)', 'jobs.revenue_by_country.aggregate.measures.revenue', 'aggregate');
    const count = await toSparkSql(engine, 'count(*)', 'jobs.revenue_by_country.aggregate.measures.orders', 'aggregate');

    // Assess
    expect([derive, filter, sum, count]).toEqual(["date_format(`order_date`, 'yyyy-MM')", '(`revenue` > 0)', 'sum(`revenue`)', 'count(*)']);
  });

  it('quotes identifiers and escapes texts, whatever they hold', async () => {
    // Act
    const spark = await toSparkSql(engine, `"we""ird\`col" || 'it''s a \\ path'`, 'jobs.t.derive.x', 'expression');

    // Assess
    expect(spark).toBe("concat(CAST(`we\"ird``col` AS STRING), 'it\\'s a \\\\ path')");
    expect(sparkIdentifier('a`b')).toBe('`a``b`');
    expect(sparkString("'\\")).toBe("'\\'\\\\'");
  });

  it('keeps nested expressions in their order of evaluation', async () => {
    // Act
    const spark = await toSparkSql(
      engine,
      "CASE WHEN coalesce(a, 0) + 1 > 2 * b THEN upper(trim(s)) ELSE lower(s) || '!' END",
      'jobs.t.derive.x',
      'expression',
    );

    // Assess
    expect(spark).toBe("CASE WHEN ((coalesce(`a`, 0) + 1) > (2 * `b`)) THEN upper(trim(`s`)) ELSE concat(lower(`s`), '!') END");
  });

  it('refuses a function the table lacks, naming the YAML path and the function', async () => {
    // Act
    const err = await refusal(toSparkSql(engine, 'levenshtein(a, b)', 'jobs.orders_clean.derive.distance', 'expression'));

    // Assess
    expect(err.path).toBe('jobs.orders_clean.derive.distance');
    expect(err.message).toContain(
      'sluice.yaml: jobs.orders_clean.derive.distance: "levenshtein(a, b)": the function levenshtein() has no Spark SQL equivalent',
    );
    expect(err.message).toContain('strftime');
  });

  it('suggests the nearest function it knows', async () => {
    // Act
    const err = await refusal(toSparkSql(engine, 'strftme(d, 1)', 'jobs.t.derive.x', 'expression'));

    // Assess
    expect(err.message).toContain('did you mean strftime()?');
  });

  it.each([
    ["strftime(d, '%Y-%W')", 'the strftime specifier %W'],
    ['strftime(d, fmt)', 'strftime()'],
    ["date_trunc('decade', d)", 'date_trunc()'],
    ["date_part('epoch', d)", 'date_part()'],
    ["date_diff('week', a, b)", 'date_diff()'],
    ['a // b', 'the // operator on operands that may not be integers'],
    ["regexp_replace(s, 'a', 'b')", "regexp_replace() without the flag 'g'"],
    ["regexp_matches(s, 'a', 'm')", "regexp_matches() with flags other than 'i' or 'c'"],
    ['s LIKE p', 'LIKE with a pattern that is not a constant'],
    ['substring(s, 0, 2)', 'substring()'],
    ['left(s, -2)', 'left()'],
    ['CAST(a AS HUGEINT)', 'a cast to HUGEINT'],
    ['CAST(a AS TIMESTAMPTZ)', 'a cast to TIMESTAMP WITH TIME ZONE'],
    ['t.a', 'the qualified name t.a'],
    ['(SELECT 1)', 'a subquery'],
    ['row_number() OVER ()', 'a window function'],
    ["'abc'[1]", 'the operator ARRAY_EXTRACT'],
    ['9007199254740993', 'a number of more than 15 significant digits'],
    ['a & b', 'the operator &'],
  ])('refuses %s, naming %s', async (expr, what) => {
    // Act
    const err = await refusal(toSparkSql(engine, expr, 'jobs.t.derive.x', 'expression'));

    // Assess
    expect(err.message).toContain(`jobs.t.derive.x: "${expr}": ${what}`);
  });

  it('refuses an aggregate in a row expression, and allows it in a measure', async () => {
    // Act
    const err = await refusal(toSparkSql(engine, 'sum(x) > 0', 'jobs.t.filter', 'condition'));
    const measure = await toSparkSql(engine, 'sum(x) / count(*)', 'jobs.t.aggregate.measures.m', 'aggregate');

    // Assess
    expect(err.message).toContain('jobs.t.filter: "sum(x) > 0": sum() is an aggregate');
    expect(measure).toBe(
      "CASE WHEN CAST(count(*) AS DOUBLE) = 0 THEN CAST(sum(`x`) AS DOUBLE) * CAST('Infinity' AS DOUBLE) ELSE CAST(sum(`x`) AS DOUBLE) / CAST(count(*) AS DOUBLE) END",
    );
  });

  it('refuses nested aggregates, ordered aggregates, median(DISTINCT) and DISTINCT on a row function', async () => {
    // Act
    const nested = await refusal(toSparkSql(engine, 'max(sum(x))', 'jobs.t.aggregate.measures.m', 'aggregate'));
    const ordered = await refusal(toSparkSql(engine, 'min(x ORDER BY y)', 'jobs.t.aggregate.measures.m', 'aggregate'));
    const median = await refusal(toSparkSql(engine, 'median(DISTINCT x)', 'jobs.t.aggregate.measures.m', 'aggregate'));

    // Assess
    expect(nested.message).toContain('sum() inside another aggregate');
    expect(ordered.message).toContain('min() with ORDER BY');
    expect(median.message).toContain('median(DISTINCT …)');
  });

  it('refuses what is not one expression, and what does not parse', async () => {
    // Act
    const statements = await refusal(toSparkSql(engine, '1) FROM t; SELECT (2', 'jobs.t.derive.x', 'expression'));
    const broken = await refusal(toSparkSql(engine, "upper('x'", 'jobs.t.derive.x', 'expression'));

    // Assess
    expect(statements.message).toContain('must be a single expression');
    expect(broken.message).toContain('is not a valid SQL expression');
  });

  it('names the file it was given', async () => {
    // Act
    const err = await refusal(toSparkSql(engine, 'levenshtein(a, b)', 'jobs.t.derive.x', 'expression', 'pipelines/sluice.yaml'));

    // Assess
    expect(err.file).toBe('pipelines/sluice.yaml');
    expect(err.message.startsWith('pipelines/sluice.yaml: jobs.t.derive.x: ')).toBe(true);
  });
});

describe('strftimeToSparkPattern', () => {
  it('quotes literal letters and quotes, and keeps punctuation', () => {
    // Assess
    expect(strftimeToSparkPattern('%Y-%m-%d %H:%M')).toEqual({ pattern: 'yyyy-MM-dd HH:mm' });
    expect(strftimeToSparkPattern("Q of %Y's")).toEqual({ pattern: "'Q of 'yyyy'''s'" });
    expect(strftimeToSparkPattern('%Y %z')).toEqual({ unsupported: '%z' });
  });
});

describe('re2RewriteToJava', () => {
  it('turns group references into $n and protects literal dollars and backslashes', () => {
    // Assess
    expect(re2RewriteToJava('\\1-\\0')).toBe('$1-$0');
    expect(re2RewriteToJava('$5')).toBe('\\$5');
    expect(re2RewriteToJava('a\\\\b')).toBe('a\\\\b');
  });
});
