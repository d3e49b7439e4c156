/** Table schemas: merging file schemas into a table schema, and diffs between versions. */
import { type ColumnSchema, widenType } from './types.js';

export interface SchemaDiff {
  added: ColumnSchema[];
  removed: ColumnSchema[];
  widened: { name: string; from: string; to: string }[];
  /** Type changes that are not widenings (only when comparing arbitrary versions). */
  changed: { name: string; from: string; to: string }[];
}

export function emptyDiff(d: SchemaDiff): boolean {
  return d.added.length + d.removed.length + d.widened.length + d.changed.length === 0;
}

/**
 * Merge file schemas in order: a column keeps its first position; a column
 * missing from any file is nullable; types widen, never narrow.
 */
export function mergeSchemas(schemas: readonly (readonly ColumnSchema[])[]): ColumnSchema[] {
  const out = new Map<string, ColumnSchema>();
  schemas.forEach((schema, i) => {
    const names = new Set(schema.map((c) => c.name));
    for (const [name, col] of out) if (!names.has(name)) out.set(name, { ...col, nullable: true });
    for (const col of schema) {
      const prev = out.get(col.name);
      if (!prev) out.set(col.name, { ...col, nullable: col.nullable || i > 0 });
      else out.set(col.name, { ...prev, type: widenType(prev.type, col.type), nullable: prev.nullable || col.nullable });
    }
  });
  return [...out.values()];
}

export function diffSchemas(before: readonly ColumnSchema[], after: readonly ColumnSchema[]): SchemaDiff {
  const b = new Map(before.map((c) => [c.name, c]));
  const a = new Map(after.map((c) => [c.name, c]));
  const diff: SchemaDiff = { added: [], removed: [], widened: [], changed: [] };
  for (const col of after) {
    const prev = b.get(col.name);
    if (!prev) diff.added.push(col);
    else if (prev.type !== col.type) {
      const entry = { name: col.name, from: prev.type, to: col.type };
      if (widenType(prev.type, col.type) === col.type.toUpperCase()) diff.widened.push(entry);
      else diff.changed.push(entry);
    }
  }
  for (const col of before) if (!a.has(col.name)) diff.removed.push(col);
  return diff;
}

/** Column names and types only: nullability is not a change of shape. */
function shapeOf(columns: readonly ColumnSchema[]): ColumnSchema[] {
  return columns.map((c) => ({ ...c, nullable: true }));
}

/**
 * What adding a file would change in a table's schema: columns it adds and
 * types it widens (or changes to text). Columns the file lacks change nothing
 * (its rows read them as NULL), so `removed` is always empty. An empty diff
 * means the file fits the table as it is.
 */
export function misfit(table: readonly ColumnSchema[], file: readonly ColumnSchema[]): SchemaDiff {
  const merged = mergeSchemas([shapeOf(table), shapeOf(file)]);
  return { ...diffSchemas(shapeOf(table), merged), removed: [] };
}

/** One line per change, for messages: `+ region VARCHAR`, `~ qty BIGINT → DOUBLE`, `- note VARCHAR`. */
export function describeDiff(d: SchemaDiff): string[] {
  return [
    ...d.added.map((c) => `+ ${c.name} ${c.type}`),
    ...d.widened.map((c) => `~ ${c.name} ${c.from} → ${c.to}`),
    ...d.changed.map((c) => `~ ${c.name} ${c.from} → ${c.to}`),
    ...d.removed.map((c) => `- ${c.name} ${c.type}`),
  ];
}
