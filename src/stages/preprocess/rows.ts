/**
 * Row-level SQL of the preprocess stage: validation rules (sluice.yaml
 * `datasets.<name>.rules`) and duplicate handling. Each rule becomes a query
 * listing the rows that break it, with the column, value and reason, so the
 * rows can be quarantined and the rest go on. keepValidRows runs them on the
 * filled rows.
 *
 * Identical rows are data until proven otherwise: under the default dedupe
 * policy `auto`, they are dropped only when a column identifies the rows apart
 * from them (an order id repeated only by the repeated rows: re-sends); in a
 * survey or panel file without an id, identical rows are distinct
 * observations and are kept, and the report says how to drop them.
 */
import type { DedupePolicy, Rule } from '../../config/schema.js';
import { ConfigError, InputError } from '../../core/errors.js';
import type { HeaderMapping } from '../../core/headers.js';
import type { TypeDecision } from '../../core/infer.js';
import { didYouMean } from '../../core/suggest.js';
import { typeFamily } from '../../core/types.js';
import { ExpressionError, embedExpression, validateExpression } from '../../engine/expressions.js';
import { quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import type { DuplicatesReport } from './report.js';
import { type PreprocessRun, scalar } from './run.js';

export interface Column {
  name: string;
  original: string;
}

/** Resolve a column as the user wrote it (normalised name or header as written). */
export function resolveColumn(columns: readonly Column[], written: string, where: string, key: string): Column {
  const found = columns.find((c) => c.name === written) ?? columns.find((c) => c.original === written);
  if (!found) {
    throw new InputError(
      `${key}: ${where} names column "${written}", which this file does not have${didYouMean(
        written,
        columns.map((c) => c.name),
      )}`,
      key,
    );
  }
  return found;
}

/** A SELECT of no (row, column, value, reason) rows: the shape of every violation and reject query. */
export const NO_VIOLATIONS = 'SELECT NULL::BIGINT AS row, NULL::VARCHAR AS "column", NULL::VARCHAR AS value, NULL::VARCHAR AS reason WHERE false';

function literal(v: string | number | boolean): string {
  return typeof v === 'string' ? quoteString(v) : String(v);
}

/**
 * SELECTs of (row, column, value, reason) for rows of `table` breaking a
 * rule; `unique` rules are left out (they apply after duplicates are dropped:
 * see uniqueViolations).
 */
export function ruleViolations(rules: readonly Rule[], columns: readonly Column[], table: string, dataset: string, key: string): string[] {
  const out: string[] = [];
  rules.forEach((rule, i) => {
    const where = `sluice.yaml datasets.${dataset}.rules[${i}]`;
    const col = rule.column !== undefined ? resolveColumn(columns, rule.column, where, key) : undefined;
    const c = col ? q(col.name) : 'NULL';
    const label = col ? quoteString(col.original) : 'NULL::VARCHAR';
    const select = (fails: string, reason: string) =>
      `SELECT "__row" AS row, ${label} AS "column", CAST(${c} AS VARCHAR) AS value, ${quoteString(reason)} AS reason FROM ${q(table)} WHERE ${fails}`;
    if (col && rule.required) out.push(select(`${c} IS NULL`, 'required value is missing'));
    if (col && rule.min !== undefined) out.push(select(`TRY_CAST(${c} AS DOUBLE) < ${literal(rule.min)}`, `below the minimum ${rule.min}`));
    if (col && rule.max !== undefined) out.push(select(`TRY_CAST(${c} AS DOUBLE) > ${literal(rule.max)}`, `above the maximum ${rule.max}`));
    if (col && rule.regex !== undefined) {
      out.push(select(`NOT regexp_full_match(CAST(${c} AS VARCHAR), ${quoteString(rule.regex)})`, `does not match the pattern ${rule.regex}`));
    }
    if (col && rule.allowed !== undefined) {
      const allowed = rule.allowed.map((v) => quoteString(String(v))).join(', ');
      out.push(select(`CAST(${c} AS VARCHAR) NOT IN (${allowed})`, `not one of the allowed values (${rule.allowed.join(', ')})`));
    }
    // A check passes unless it is false, as a SQL CHECK constraint does.
    if (rule.check !== undefined) out.push(select(`${embedExpression(rule.check)} = false`, `fails the check ${rule.check}`));
  });
  return out;
}

/** SELECTs of rows of `table` whose value repeats an earlier row's value in a column with a `unique` rule. */
export function uniqueViolations(rules: readonly Rule[], columns: readonly Column[], table: string, dataset: string, key: string): string[] {
  return rules.flatMap((rule, i) => {
    if (!rule.unique || rule.column === undefined) return [];
    const col = resolveColumn(columns, rule.column, `sluice.yaml datasets.${dataset}.rules[${i}]`, key);
    const c = q(col.name);
    return [
      `SELECT "__row" AS row, ${quoteString(col.original)} AS "column", CAST(${c} AS VARCHAR) AS value, 'repeats a value of a unique column' AS reason
       FROM ${q(table)} WHERE ${c} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ${c} ORDER BY "__row") > 1`,
    ];
  });
}

/** A SELECT of the rows of `source` kept by the dedupe policy (with "__row"). */
export function dedupeSelect(policy: Exclude<DedupePolicy, 'auto'>, columns: readonly Column[], source: string, dataset: string, key: string): string {
  if (policy === 'none') return source;
  if (policy === 'exact') {
    const all = columns.map((c) => q(c.name)).join(', ');
    return `SELECT * FROM (${source}) QUALIFY row_number() OVER (PARTITION BY ${all} ORDER BY "__row") = 1`;
  }
  const keys = policy.keys.map((k, i) => q(resolveColumn(columns, k, `sluice.yaml dedupe.keys[${i}] (dataset ${dataset})`, key).name)).join(', ');
  return `SELECT * FROM (${source}) QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY "__row" ${policy.keep === 'last' ? 'DESC' : 'ASC'}) = 1`;
}

/** The rows that go on once the rules and the dedupe policy have been applied to the filled rows. */
export interface ValidRows {
  /** A SELECT of the rows to write, in file order, without "__row". */
  select: string;
  /** Rows breaking a rule, unique rules included. */
  invalidRows: number;
  /** SELECTs of (row, column, value, reason) for the rejects file. */
  rejects: string[];
  /** What the dedupe policy did, given the rows it dropped (written to the report once they are counted). */
  duplicates: (dropped: number) => DuplicatesReport;
}

/**
 * Columns a key can be found among, in file order: more would make the key
 * search (a distinct count per column) slow on wide files, and identifiers
 * come first in nearly every file.
 */
export const KEY_CANDIDATES = 64;

/**
 * Whether a column of this type can identify rows: whole numbers, text, dates
 * and timestamps. Not booleans, and not decimals or doubles: a measurement
 * that happens to differ on every row is no identifier.
 */
export function canBeKey(duckType: string): boolean {
  const family = typeFamily(duckType);
  if (family === 'text' || family === 'date' || family === 'timestamp') return true;
  return family === 'numeric' && /^U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?$/.test(duckType.toUpperCase().trim());
}

/** Identical rows among the valid rows, and the column (if any) that identifies the rows apart from them. */
export interface IdenticalRows {
  identical: number;
  key?: string;
}

/**
 * Count the rows of `source` identical in every column to an earlier row
 * (one grouped pass), and when there are any, look for a key: a column of a
 * type that can identify rows (canBeKey), without NULLs, with as many distinct
 * values as there are distinct rows, so that only the identical rows repeat
 * its values. At least two distinct rows are needed: when every row is the
 * same, no column shows that it identifies anything.
 */
export async function findIdenticalRows(run: PreprocessRun, decisions: readonly TypeDecision[], source: string): Promise<IdenticalRows> {
  const { connection: c, headers } = run;
  const candidates = headers.filter((_, i) => canBeKey((decisions[i] as TypeDecision).duckType)).slice(0, KEY_CANDIDATES);
  const keyCounts = (group: readonly HeaderMapping[]) => group.map((h) => `count(DISTINCT ${q(h.name)}), count(${q(h.name)})`);
  // Distinct rows are counted by a 64-bit hash of the whole row (a grouped count over every column costs twice as
  // much). A collision could only make two different rows count as one: then no column matches the distinct count
  // and every row is kept, never one dropped. The first candidate, the id in most files, is checked in the same pass.
  const counts = await c.runAndReadAll(
    `SELECT ${['count(*)', `count(DISTINCT hash(${headers.map((h) => q(h.name)).join(', ')}))`, ...keyCounts(candidates.slice(0, 1))].join(', ')} FROM (${source})`,
  );
  const [rows, distinct, ...first] = (counts.getRows()[0] ?? []).map(Number) as [number, number, ...number[]];
  const identical = rows - distinct;
  if (identical === 0 || distinct < 2 || candidates.length === 0) return { identical };
  const matches = (row: number[], k: number) => row[2 * k] === distinct && row[2 * k + 1] === rows;
  if (matches(first, 0)) return { identical, key: (candidates[0] as HeaderMapping).name };
  const rest = candidates.slice(1);
  if (rest.length === 0) return { identical };
  const r = await c.runAndReadAll(`SELECT ${keyCounts(rest).join(', ')} FROM (${source})`);
  const row = (r.getRows()[0] ?? []).map(Number);
  const key = rest.find((_, k) => matches(row, k));
  return key ? { identical, key: key.name } : { identical };
}

/** The report's account of duplicates under each policy (`auto`'s comes from findIdenticalRows). */
function describeDuplicates(policy: DedupePolicy, found: IdenticalRows | undefined, dropped: number, dataset: string): DuplicatesReport {
  if (policy === 'auto') {
    const identical = found?.identical ?? 0;
    if (identical === 0) return { policy, identical, dropped, decision: 'no identical rows' };
    if (found?.key) {
      return {
        policy,
        identical,
        dropped,
        key: found.key,
        decision: `dropped ${identical} exact duplicate rows: column "${found.key}" is unique apart from them (re-sends)`,
      };
    }
    return {
      policy,
      identical,
      dropped,
      decision: `kept ${identical} identical rows (no column identifies a row; set datasets.${dataset}.dedupe: exact to drop them)`,
    };
  }
  if (policy === 'none') return { policy, dropped, decision: 'kept every row (dedupe: none)' };
  if (policy === 'exact') return { policy, identical: dropped, dropped, decision: `dropped ${dropped} exact duplicate rows (dedupe: exact)` };
  return {
    policy: 'keys',
    dropped,
    decision: `dropped ${dropped} rows repeating a key (dedupe.keys: ${policy.keys.join(', ')}; the ${policy.keep} kept)`,
  };
}

/** Validation rules, then duplicates, then unique rules (a duplicate row is not a uniqueness violation). */
export async function keepValidRows(run: PreprocessRun, decisions: readonly TypeDecision[]): Promise<ValidRows> {
  const { connection: c, headers, tables, dataset, key } = run;
  const rules = run.ds?.rules ?? [];
  for (const rule of rules) {
    if (rule.check === undefined) continue;
    try {
      await validateExpression(
        c,
        rule.check,
        headers.map((h) => h.name),
      );
    } catch (err) {
      if (err instanceof ExpressionError) throw new ConfigError('sluice.yaml', `datasets.${dataset}.rules[${rules.indexOf(rule)}].check`, err.message);
      throw err;
    }
  }
  const violations = ruleViolations(rules, headers, tables.filled, dataset, key);
  // Without rules there is nothing invalid: the table (and the statements reading it) are left out.
  if (rules.length) {
    await c.run(`CREATE TABLE ${q(tables.invalid)} AS ${violations.length ? violations.join(' UNION ALL ') : NO_VIOLATIONS}`);
  }
  const valid = violations.length
    ? `SELECT * FROM ${q(tables.filled)} WHERE "__row" NOT IN (SELECT row FROM ${q(tables.invalid)})`
    : `SELECT * FROM ${q(tables.filled)}`;
  const policy = run.ds?.dedupe ?? run.defaults.dedupe;
  const found = policy === 'auto' ? await findIdenticalRows(run, decisions, valid) : undefined;
  // A key found by auto shows the identical rows to be re-sends: they are dropped as `exact` does. (Partitioning on
  // the key alone would give the same rows, but DuckDB's window over one key ran twice as long as over every column.)
  const dedupe = policy !== 'auto' ? policy : found?.key ? 'exact' : 'none';
  const uniqueRules = rules.some((r) => r.unique);
  // The kept rows are read twice only when unique rules look at them; otherwise a view streams them into the Parquet writer.
  await c.run(`CREATE ${uniqueRules ? 'TABLE' : 'VIEW'} ${q(tables.kept)} AS ${dedupeSelect(dedupe, headers, valid, dataset, key)}`);
  const unique = uniqueViolations(rules, headers, tables.kept, dataset, key);
  if (unique.length) await c.run(`INSERT INTO ${q(tables.invalid)} ${unique.join(' UNION ALL ')}`);
  const invalidRows = rules.length ? await scalar(c, `SELECT count(DISTINCT row) FROM ${q(tables.invalid)}`) : 0;
  return {
    select: `SELECT * EXCLUDE ("__row") FROM ${q(tables.kept)} ${uniqueRules ? `WHERE "__row" NOT IN (SELECT row FROM ${q(tables.invalid)})` : ''} ORDER BY "__row"`,
    invalidRows,
    rejects: invalidRows > 0 ? [`SELECT * FROM ${q(tables.invalid)}`] : [],
    duplicates: (dropped) => describeDuplicates(policy, found, dropped, dataset),
  };
}
