import { toIdentifier } from './keys.js';

export interface HeaderMapping {
  original: string;
  name: string;
}

/**
 * Header names → unique snake_case identifiers. Empty names become
 * `column_<n>` (1-based position); repeats get `_2`, `_3`. Names that are SQL
 * keywords or start with a digit are kept: every identifier is quoted in SQL.
 */
export function normalizeHeaders(headers: readonly string[]): HeaderMapping[] {
  const used = new Set<string>();
  const taken = new Set(headers.map((h) => toIdentifier(h)).filter((h) => h !== ''));
  return headers.map((original, i) => {
    let base = toIdentifier(original);
    if (base === '') base = `column_${i + 1}`;
    let name = base;
    for (let n = 2; used.has(name) || (name !== base && taken.has(name)); n++) name = `${base}_${n}`;
    used.add(name);
    return { original, name };
  });
}
