/** Quoting for DuckDB SQL. Every identifier and literal that came from a file or a user passes through here. */

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
