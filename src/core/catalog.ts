/**
 * The data catalog's entities (the Glue Data Catalog's databases, tables,
 * partitions and schema versions) and the rules every catalog backend shares:
 * how a file meets its table's schema under the table's change policy, how a
 * table's schema follows from its files, how partition keys are typed. A
 * backend (SQLite here, the Glue Data Catalog on AWS) stores rows; these
 * functions decide what the rows become, so both backends agree.
 */
import { CatalogError } from './errors.js';
import { layoutWarning, TABLE_NAME } from './keys.js';
import { describeDiff, diffSchemas, emptyDiff, mergeSchemas, misfit, type SchemaDiff } from './schema.js';
import { type ColumnSchema, widenType } from './types.js';

export type CatalogDatabase = 'processed' | 'final';

/**
 * What a file that does not fit a table's schema does to it (Glue's
 * SchemaChangePolicy): `update` merges and versions the schema; `log` keeps
 * the schema and records the drift; `fail` refuses the file.
 */
export type SchemaChangePolicy = 'update' | 'log' | 'fail';

export interface CatalogTable {
  database: CatalogDatabase;
  name: string;
  location: string;
  format: string;
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  version: number;
  createdAt: number;
  updatedAt: number;
  stats: { rows: number; bytes: number; files: number };
}

export interface CatalogFile {
  fileKey: string;
  sha256: string;
  sourceRawKey: string;
  sourceSha256: string;
  rows: number;
  bytes: number;
  columns: ColumnSchema[];
  partitionValues: Record<string, string>;
  updatedAt: number;
}

/** A file as a stage hands it to the catalog (the catalog stamps the time). */
export type FileEntry = Omit<CatalogFile, 'updatedAt'>;

export interface CatalogVersion {
  version: number;
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  diff: SchemaDiff;
  createdAt: number;
}

export interface FileRegistration extends FileEntry {
  database: CatalogDatabase;
  table: string;
  location: string;
}

export interface TableChange {
  database: CatalogDatabase;
  table: string;
  version: number;
  /** Present when the schema changed (a new version was made). */
  diff?: SchemaDiff;
  /** The table ceased to exist (its last file left). */
  dropped?: boolean;
  /** `log`: the file was registered but the schema kept; what `update` would have changed. */
  drift?: SchemaDiff;
  /** `fail`: the file was not registered; what did not fit. The table is unchanged. */
  rejected?: SchemaDiff;
}

/** A table's schema as stored: its columns, partition keys and version. An empty schema means its files all left. */
export interface TableSchemaState {
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  version: number;
}

/**
 * What a table's schema is derived from: one entry per distinct pair of a
 * file's columns and partition values, in file order. `columnsKey`, when the
 * backend has it (the stored JSON), saves serialising the columns again.
 */
export interface SchemaSource {
  columns: ColumnSchema[];
  partitionValues: Record<string, string>;
  columnsKey?: string;
}

/** `final.orders` → ['final', 'orders']; refuses anything else. */
export function parseTableName(qualified: string): { database: CatalogDatabase; name: string } {
  const m = /^(processed|final)\.(.+)$/.exec(qualified);
  if (!m || !TABLE_NAME.test(m[2] as string)) throw new CatalogError(`"${qualified}" is not a table name; write processed.<table> or final.<table>`);
  return { database: m[1] as CatalogDatabase, name: m[2] as string };
}

/** `2024-03-05`, a real day (`2024-02-30` is not: JavaScript would roll it into March, DuckDB refuses it). */
function isCalendarDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const t = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === v;
}

/**
 * Partition keys typed from their folder values, unless the files declare the
 * column themselves (a job knows the type of the column it partitions by).
 */
export function partitionKeysOf(files: readonly { partitionValues: Record<string, string>; columns?: readonly ColumnSchema[] }[]): ColumnSchema[] {
  const keys: string[] = [];
  for (const f of files) for (const k of Object.keys(f.partitionValues)) if (!keys.includes(k)) keys.push(k);
  return keys.map((name) => {
    const values = files.map((f) => f.partitionValues[name]);
    const present = values.filter((v): v is string => v !== undefined);
    const declared = files.flatMap((f) => f.columns?.filter((c) => c.name === name) ?? []);
    if (declared.length) {
      const type = declared.map((c) => c.type).reduce((a, b) => widenType(a, b));
      return { name, type, nullable: present.length < values.length, ...(declared[0]?.comment ? { comment: declared[0].comment } : {}) };
    }
    const type = present.every((v) => /^-?\d{1,18}$/.test(v)) ? 'BIGINT' : present.every(isCalendarDate) ? 'DATE' : 'VARCHAR';
    return { name, type, nullable: present.length < values.length };
  });
}

/** A table whose files all left has an empty schema: the next file defines it afresh. */
function hasSchema(t: TableSchemaState): boolean {
  return t.columns.length > 0 || t.partitionKeys.length > 0;
}

/** The columns and partition keys of a stored table, or undefined when it has no schema (yet, or any more). */
export function schemaOf(t: TableSchemaState | undefined): ColumnSchema[] | undefined {
  return t && hasSchema(t) ? [...t.columns, ...t.partitionKeys] : undefined;
}

/** What registering one file does: register it (noting drift under `log`), or refuse it under `fail`. */
export type RegistrationPlan = { register: FileRegistration; drift?: SchemaDiff } | { rejected: SchemaDiff };

/**
 * How a file meets its table. A file whose columns in `fitByValue` were
 * checked value by value to convert exactly to the table's types (whole
 * numbers into a decimal column) is cataloged with the table's types for
 * them: readers cast to those types, and the file then fits under any policy.
 */
export function planRegistration(
  existing: TableSchemaState | undefined,
  registration: FileRegistration,
  policy: SchemaChangePolicy,
  fitByValue: readonly string[] = [],
): RegistrationPlan {
  const table = schemaOf(existing);
  if (!table) return { register: registration };
  const types = new Map(table.map((c) => [c.name, c.type]));
  const register =
    fitByValue.length === 0
      ? registration
      : { ...registration, columns: registration.columns.map((c) => (fitByValue.includes(c.name) ? { ...c, type: types.get(c.name) ?? c.type } : c)) };
  const fit = misfit(table, [...register.columns, ...partitionKeysOf([register])]);
  if (emptyDiff(fit)) return { register };
  if (policy === 'fail') return { rejected: fit };
  return policy === 'log' ? { register, drift: fit } : { register };
}

/**
 * A table's schema after its files changed. `schema` is present when a new
 * version must be stored (`create` for the first); absent, the table keeps its
 * version. A table whose last file left gets an empty schema in a new version
 * and keeps its history.
 */
export interface TableDerivation {
  version: number;
  schema?: { columns: ColumnSchema[]; partitionKeys: ColumnSchema[] };
  diff?: SchemaDiff;
  create?: boolean;
  dropped?: boolean;
}

export function deriveTable(existing: TableSchemaState | undefined, files: readonly SchemaSource[], policy: SchemaChangePolicy): TableDerivation {
  if (files.length === 0) {
    if (!existing) return { version: 0 };
    const version = existing.version + 1;
    return { version, schema: { columns: [], partitionKeys: [] }, diff: diffSchemas(existing.columns, []), dropped: true };
  }
  const partitionKeys = partitionKeysOf(files);
  const partitionNames = new Set(partitionKeys.map((p) => p.name));
  const columns = mergeDistinct(files).filter((c) => !partitionNames.has(c.name));
  if (!existing) return { version: 1, create: true, schema: { columns, partitionKeys }, diff: diffSchemas([], [...columns, ...partitionKeys]) };
  // Under log and fail the schema is the contract: it stays as it is (columns no file holds read as NULL);
  // tableWarnings reports what the files hold beyond it.
  if (policy !== 'update' && hasSchema(existing)) return { version: existing.version };
  const diff = diffSchemas([...existing.columns, ...existing.partitionKeys], [...columns, ...partitionKeys]);
  const nullabilityChanged =
    JSON.stringify(existing.columns) !== JSON.stringify(columns) || JSON.stringify(existing.partitionKeys) !== JSON.stringify(partitionKeys);
  if (emptyDiff(diff) && !nullabilityChanged) return { version: existing.version };
  return { version: existing.version + 1, schema: { columns, partitionKeys }, diff };
}

/** The change a table's derivation makes, as every write method of a backend reports it. */
export function tableChangeOf(database: CatalogDatabase, table: string, next: TableDerivation): TableChange {
  return { database, table, version: next.version, ...(next.diff ? { diff: next.diff } : {}), ...(next.dropped ? { dropped: true } : {}) };
}

/**
 * The schema sources of stored files, whose columns and partition values a
 * backend keeps as JSON: each distinct pair once, in the order first given,
 * each distinct column list parsed once (a table's files mostly share one).
 */
export function schemaSourcesOf(files: readonly { columns: string; partitionValues: string }[]): SchemaSource[] {
  const seen = new Set<string>();
  const parsed = new Map<string, ColumnSchema[]>();
  const sources: SchemaSource[] = [];
  for (const f of files) {
    const pair = JSON.stringify([f.columns, f.partitionValues]);
    if (seen.has(pair)) continue;
    seen.add(pair);
    let columns = parsed.get(f.columns);
    if (!columns) {
      columns = JSON.parse(f.columns) as ColumnSchema[];
      parsed.set(f.columns, columns);
    }
    sources.push({ columns, partitionValues: JSON.parse(f.partitionValues), columnsKey: f.columns });
  }
  return sources;
}

/**
 * mergeSchemas over the files' column lists, each distinct list once in the
 * order it first appears: merging a list again changes nothing (types are
 * already widened to it, and its missing columns already made nullable).
 */
function mergeDistinct(files: readonly SchemaSource[]): ColumnSchema[] {
  const seen = new Set<string>();
  const distinct: ColumnSchema[][] = [];
  for (const f of files) {
    const key = f.columnsKey ?? JSON.stringify(f.columns);
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(f.columns);
  }
  return mergeSchemas(distinct);
}

/**
 * What a reader should know about a table: files at inconsistent folder
 * depths, and (under `log`) columns and types in its files that its schema
 * does not show.
 */
export function tableWarnings(
  qualified: string,
  table: TableSchemaState,
  files: readonly Pick<CatalogFile, 'fileKey' | 'columns' | 'partitionValues'>[],
  policy: SchemaChangePolicy,
): string[] {
  const out: string[] = [];
  const layout = layoutWarning(
    qualified,
    files.map((f) => f.fileKey),
  );
  if (layout) out.push(layout);
  const schema = schemaOf(table);
  const drift = files.length && schema ? misfit(schema, [...mergeSchemas(files.map((f) => f.columns)), ...partitionKeysOf(files)]) : undefined;
  if (policy === 'log' && drift && !emptyDiff(drift)) {
    out.push(
      `the files hold columns or types the schema does not show (schemaChange: log): ${describeDiff(drift).join(', ')}; set schemaChange to update and run \`sluice catalog crawl --full\` to take them in`,
    );
  }
  return out;
}
