/**
 * Column types. Sluice's own logical types map to DuckDB types; user specs may
 * use Glue/Hive names (`string`, `bigint`, `decimal(12,2)`) or DuckDB names.
 */
export type LogicalType = 'integer' | 'decimal' | 'double' | 'boolean' | 'date' | 'timestamp' | 'text';

export interface ColumnSchema {
  name: string;
  /** DuckDB type name, e.g. BIGINT, DECIMAL(18,2), VARCHAR. */
  type: string;
  nullable: boolean;
  comment?: string;
}

const ALIASES: Record<string, string> = {
  string: 'VARCHAR',
  text: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  int: 'INTEGER',
  integer: 'INTEGER',
  int4: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  bigint: 'BIGINT',
  long: 'BIGINT',
  int8: 'BIGINT',
  hugeint: 'HUGEINT',
  double: 'DOUBLE',
  float8: 'DOUBLE',
  float: 'FLOAT',
  real: 'FLOAT',
  decimal: 'DECIMAL(18,3)',
  numeric: 'DECIMAL(18,3)',
  boolean: 'BOOLEAN',
  bool: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  datetime: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
};

/** Normalise a user-written type to a DuckDB type name, or undefined if unknown. */
export function toDuckType(userType: string): string | undefined {
  const t = userType.trim().toLowerCase().replace(/\s+/g, ' ');
  const dec = /^(decimal|numeric)\s*\(\s*(\d{1,2})\s*(?:,\s*(\d{1,2})\s*)?\)$/.exec(t);
  if (dec) {
    const p = Number(dec[2]);
    const s = Number(dec[3] ?? 0);
    if (p < 1 || p > 38 || s > p) return undefined;
    return `DECIMAL(${p},${s})`;
  }
  const v = /^(varchar|char)\s*\(\s*\d+\s*\)$/.exec(t);
  if (v) return 'VARCHAR';
  return ALIASES[t];
}

/** The Glue/Hive (Athena) name of a DuckDB type. */
export function toHiveType(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t.startsWith('DECIMAL')) return t.toLowerCase();
  const map: Record<string, string> = {
    VARCHAR: 'string',
    BIGINT: 'bigint',
    INTEGER: 'int',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
    HUGEINT: 'decimal(38,0)',
    DOUBLE: 'double',
    FLOAT: 'float',
    BOOLEAN: 'boolean',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    TIMESTAMP_S: 'timestamp',
  };
  return map[t] ?? 'string';
}

const INTEGER_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INTEGER: 3, BIGINT: 4, HUGEINT: 5 };

function decimalParts(t: string): { p: number; s: number } | undefined {
  const m = /^DECIMAL\((\d+),(\d+)\)$/.exec(t.replace(/\s+/g, ''));
  return m ? { p: Number(m[1]), s: Number(m[2]) } : undefined;
}

/**
 * The narrowest type both `a` and `b` fit into without losing values:
 * integers widen to larger integers, then decimals, then double; date widens to
 * timestamp; anything else meets at VARCHAR. Never narrows.
 */
export function widenType(a: string, b: string): string {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  if (x === y) return x;
  const ix = INTEGER_RANK[x];
  const iy = INTEGER_RANK[y];
  if (ix && iy) return ix >= iy ? x : y;
  const dx = decimalParts(x);
  const dy = decimalParts(y);
  const intDigits = (t: string): number | undefined => (INTEGER_RANK[t] ? (INTEGER_RANK[t] === 5 ? 38 : 19) : undefined);
  if ((dx || ix) && (dy || iy)) {
    const px = dx ?? { p: intDigits(x) ?? 19, s: 0 };
    const py = dy ?? { p: intDigits(y) ?? 19, s: 0 };
    const s = Math.max(px.s, py.s);
    const whole = Math.max(px.p - px.s, py.p - py.s);
    return whole + s <= 38 ? `DECIMAL(${whole + s},${s})` : 'DOUBLE';
  }
  const numeric = (t: string) => Boolean(INTEGER_RANK[t] || decimalParts(t) || t === 'DOUBLE' || t === 'FLOAT');
  if (numeric(x) && numeric(y)) return 'DOUBLE';
  const temporal = ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'];
  if (temporal.includes(x) && temporal.includes(y)) {
    return x.includes('ZONE') || y.includes('ZONE') ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP';
  }
  return 'VARCHAR';
}

export type TypeFamily = 'numeric' | 'text' | 'boolean' | 'date' | 'timestamp' | 'other';

/** The family of a DuckDB type: what kind of value it holds, whatever its width. */
export function typeFamily(duckType: string): TypeFamily {
  const t = duckType.toUpperCase().trim();
  if (INTEGER_RANK[t] || /^U(TINY|SMALL|BIG)?INT(EGER)?$/.test(t) || t === 'UINTEGER' || t.startsWith('DECIMAL') || t === 'DOUBLE' || t === 'FLOAT') {
    return 'numeric';
  }
  if (t === 'VARCHAR') return 'text';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return 'other';
}

/**
 * Whether a value of type `from` can become a `to` at all: anything becomes
 * text and text can be parsed into anything (values that do not parse become
 * NULL); numbers and booleans convert both ways; dates and timestamps convert
 * both ways. A date cannot become a number, nor a number a date.
 */
export function castPossible(from: string, to: string): boolean {
  const a = typeFamily(from);
  const b = typeFamily(to);
  if (a === b || a === 'text' || b === 'text') return true;
  const pair = new Set([a, b]);
  return (pair.has('numeric') && pair.has('boolean')) || (pair.has('date') && pair.has('timestamp'));
}
