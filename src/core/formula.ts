/**
 * Text a spreadsheet would run as a formula when it opens a CSV file: a cell
 * starting with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, "CSV
 * Injection"). Every CSV Sluice writes for people gives such cells a leading
 * apostrophe. A plain number (`-5`, `+3.5`, `-1e3`) is a number to every
 * spreadsheet, not a formula, and is left as it is: a rejected `-5` stays
 * `-5`, and numeric columns are never touched at all.
 *
 * The patterns are read both by JavaScript and by DuckDB's RE2, so they are
 * the one rule for CSV written here and by a `COPY` (`neutralisedFormula` in
 * engine/sql.ts).
 */
export const FORMULA_START = '^[=+\\-@\\t\\r]';
export const PLAIN_NUMBER = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$';

const formulaStart = new RegExp(FORMULA_START);
const plainNumber = new RegExp(PLAIN_NUMBER);

export function neutraliseFormula(text: string): string {
  return formulaStart.test(text) && !plainNumber.test(text) ? `'${text}` : text;
}
