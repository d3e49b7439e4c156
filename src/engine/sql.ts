/** Quoting for DuckDB SQL. Every identifier and literal that came from a file or a user passes through here. */
import { FORMULA_START, PLAIN_NUMBER } from '../core/formula.js';

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new Error('a NUL character cannot appear in a SQL string');
  return `'${value.replace(/'/g, "''")}'`;
}

export function quoteList(values: readonly string[]): string {
  return `[${values.map(quoteString).join(', ')}]`;
}

/** `processed.orders` style two-part names, each part quoted. */
export function quoteQualified(...parts: string[]): string {
  return parts.map(quoteIdentifier).join('.');
}

/**
 * SQL that is true when `value`, of type `from`, converts to type `to` and
 * back to `from` unchanged (a NULL converts to NULL): `3.0` fits BIGINT, `2.5`
 * does not (it would round), nor do `'abc'` and `'007'`. The comparison is made
 * in `from`, after an explicit cast back: comparing a VARCHAR with a BIGINT
 * directly makes DuckDB cast the text to a number, which throws on `'abc'`.
 */
export function convertsExactly(value: string, from: string, to: string): string {
  return `(${value} IS NULL OR coalesce(TRY_CAST(TRY_CAST(${value} AS ${to}) AS ${from}) = ${value}, false))`;
}

/** A text expression with the apostrophe a formula-looking cell gets in a CSV for people (core/formula.ts). */
export function neutralisedFormula(text: string): string {
  return `CASE WHEN regexp_matches(${text}, ${quoteString(FORMULA_START)}) AND NOT regexp_matches(${text}, ${quoteString(PLAIN_NUMBER)}) THEN '''' || ${text} ELSE ${text} END`;
}
