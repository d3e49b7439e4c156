/**
 * Null tokens that are values: in a column of short letter codes (ISO
 * country, language or currency codes), a null token of the same shape is a
 * code like the others — `NA` is Namibia among `DE`, `FR`, `US`, and `na`
 * Nauru's language among `de`, `fr`. Decided on a sample of the column's
 * values; pure.
 */

/** Shapes of code columns: two or three capitals, or two or three small letters. */
const CODE_SHAPES: { pattern: RegExp; name: string }[] = [
  { pattern: /^[A-Z]{2}$/, name: '2-letter codes' },
  { pattern: /^[A-Z]{3}$/, name: '3-letter codes' },
  { pattern: /^[a-z]{2}$/, name: '2-letter lower-case codes' },
  { pattern: /^[a-z]{3}$/, name: '3-letter lower-case codes' },
];

/** Fewest values, and fewest different ones, that make a column of codes. */
const MIN_VALUES = 20;
const MIN_DISTINCT = 5;

export interface CodeTokens {
  /** Null tokens read as values in this column. */
  kept: string[];
  /** What the column's other values are (`2-letter codes`). */
  shape: string;
}

/**
 * The null tokens among `tokens` that are values in a column whose sampled
 * values (`values`, trimmed) are codes of one shape, or undefined when the
 * column is no such column or no token has its shape.
 */
export function codeTokens(values: readonly string[], tokens: readonly string[]): CodeTokens | undefined {
  const isToken = new Set(tokens);
  const others = values.filter((v) => v !== '' && !isToken.has(v));
  if (others.length < MIN_VALUES || new Set(others).size < MIN_DISTINCT) return undefined;
  const shape = CODE_SHAPES.find((s) => others.every((v) => s.pattern.test(v)));
  if (!shape) return undefined;
  const kept = tokens.filter((t) => shape.pattern.test(t));
  return kept.length ? { kept, shape: shape.name } : undefined;
}
