/**
 * Values that differ only by letter case or spacing (`US`, `us`, `Us`;
 * `New  York`, `New York`): kept as written, since that is what the file
 * says, but reported per category-like text column with the sluice.yaml key
 * that merges them (`datasets.<name>.columns.<col>.case`), and the SQL of
 * that option.
 */
import type { LetterCase } from '../../config/schema.js';
import type { TypeDecision } from '../../core/infer.js';
import { quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import { columnSpec, type PreprocessRun } from './run.js';
import type { Loaded } from './typing.js';

/** Runs of white space inside a value, Unicode spaces included (RE2's `\s` is ASCII only). */
const SPACE_RUN = '[\\s\\p{Zs}]+';

/**
 * A text column is category-like, and its variants are looked for, when it
 * has at most this many distinct values and each value occurs twice on
 * average (distinct values at most half the values): names, codes and free
 * text are not categories, and their case is theirs.
 */
export const MAX_CATEGORY_VALUES = 1000;

/** Groups of variants listed per column, and values per group. */
const EXAMPLE_GROUPS = 3;
const EXAMPLE_VALUES = 5;

export interface ColumnVariants {
  /** Groups of distinct values equal once lower-cased with runs of spaces as one space. */
  groups: number;
  /** The largest groups, each value as written, the most frequent first. */
  examples: string[][];
  hint: string;
}

/**
 * The SQL of a column's `case` option over the text expression `v`: runs of
 * white space become one space, then the letters change case. `title`
 * capitalises the first letter of each word (after a space or a hyphen) and
 * lower-cases the rest; DuckDB's upper() and lower() know every script's
 * letters (`élan` → `Élan`).
 */
export function letterCaseExpression(v: string, letterCase: LetterCase): string {
  const spaced = `regexp_replace(${v}, ${quoteString(SPACE_RUN)}, ' ', 'g')`;
  if (letterCase === 'upper') return `upper(${spaced})`;
  if (letterCase === 'lower') return `lower(${spaced})`;
  return `array_to_string(list_transform(string_split(lower(${spaced}), ' '), w -> array_to_string(list_transform(string_split(w, '-'), p -> upper(left(p, 1)) || substr(p, 2)), '-')), ' ')`;
}

/** The case that the most frequent spelling of a group already has, which the hint suggests. */
function caseOf(value: string): LetterCase {
  if (value === value.toUpperCase()) return 'upper';
  if (value === value.toLowerCase()) return 'lower';
  return 'title';
}

/**
 * Find the variants in the category-like text columns of the typed rows and
 * add them to the report's columns. The evidence the types were decided on
 * (the sample's, or every row's) picks the candidates, with no pass of its
 * own; then one grouped query over the candidates' values in every row
 * (unpivoted, so its size does not grow with the number of columns) applies
 * the rule exactly and finds the groups.
 */
export async function reportVariants(run: PreprocessRun, loaded: Pick<Loaded, 'decisions' | 'evidence'>): Promise<void> {
  const { decisions, evidence } = loaded;
  const { connection: c, headers, report, ds, dataset } = run;
  headers.forEach((h, i) => {
    const letterCase = columnSpec(ds, h.name, h.original)?.case;
    const col = report.columns[i];
    if (letterCase && col) col.case = letterCase;
  });
  const candidates = headers.filter((_, i) => {
    const ev = evidence[i];
    return (decisions[i] as TypeDecision).duckType === 'VARCHAR' && ev !== undefined && ev.distinct <= MAX_CATEGORY_VALUES && ev.distinct * 2 <= ev.nonNull;
  });
  if (candidates.length === 0) return;
  const names = candidates.map((h) => q(h.name)).join(', ');
  const found = await c.runAndReadAll(
    `WITH vals AS (
       SELECT col, v, count(*) AS n FROM (UNPIVOT (SELECT ${names} FROM ${q(run.tables.typed)}) ON ${names} INTO NAME col VALUE v) GROUP BY col, v
     ), categories AS (
       SELECT col FROM vals GROUP BY col HAVING count(*) <= ${MAX_CATEGORY_VALUES} AND count(*) * 2 <= sum(n)
     ), grouped AS (
       SELECT col, lower(regexp_replace(v, ${quoteString(SPACE_RUN)}, ' ', 'g')) AS k, list(v ORDER BY n DESC, v) AS vs, sum(n) AS total
       FROM vals WHERE col IN (SELECT col FROM categories) GROUP BY col, k HAVING count(*) > 1
     )
     SELECT col, count(*) AS groups, list(vs[1:${EXAMPLE_VALUES}] ORDER BY total DESC, k)[1:${EXAMPLE_GROUPS}] AS examples FROM grouped GROUP BY col`,
  );
  for (const [col, groups, examples] of found.getRowsJS()) {
    const entry = report.columns[headers.findIndex((h) => h.name === col)];
    if (!entry) continue;
    const lists = (examples as unknown[][]).map((g) => g.map(String));
    const suggested = caseOf(lists[0]?.[0] ?? '');
    entry.variants = {
      groups: Number(groups),
      examples: lists,
      hint: `values differ only by case or spacing; kept as written. Set datasets.${dataset}.columns.${entry.name}.case: ${suggested} to merge them`,
    };
  }
}
