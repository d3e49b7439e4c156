/**
 * The catalog as `sluice catalog` and the catalog pages show it: tables with
 * their partitions, sources and warnings, schema versions and diffs, and the
 * catalog's events.
 */
import { type CatalogTable, parseTableName, tableWarnings } from '../core/catalog.js';
import { NotFoundError } from '../core/errors.js';
import type { PipelineEvent, SchemaChanged, TableUpdated } from '../core/events.js';
import { describeDiff } from '../core/schema.js';
import type { Catalog } from '../stages/ports.js';
import type { ReadContext } from './context.js';

/** A table, or a NotFoundError naming the tables that do exist. */
export async function requireTable(catalog: Catalog, qualified: string): Promise<CatalogTable> {
  const { database, name } = parseTableName(qualified);
  const t = await catalog.getTable(database, name);
  if (!t) {
    const known = (await catalog.listTables()).map((x) => `${x.database}.${x.name}`);
    throw new NotFoundError(
      'table',
      qualified,
      `no table ${qualified} in the catalog${known.length ? ` (tables: ${known.join(', ')})` : ' (it is empty: ingest a file first)'}`,
    );
  }
  return t;
}

export function tableSummary(t: CatalogTable) {
  return {
    table: `${t.database}.${t.name}`,
    version: t.version,
    location: t.location,
    format: t.format,
    columns: t.columns,
    partitionKeys: t.partitionKeys,
    rows: t.stats.rows,
    bytes: t.stats.bytes,
    files: t.stats.files,
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}

export async function showTable(ctx: Pick<ReadContext, 'catalog' | 'config'>, qualified: string) {
  const t = await requireTable(ctx.catalog, qualified);
  const files = await ctx.catalog.files(t.database, t.name);
  const partitions = new Map<string, { values: Record<string, string | null>; files: number; rows: number; bytes: number }>();
  if (t.partitionKeys.length) {
    for (const f of files) {
      const values = Object.fromEntries(t.partitionKeys.map((k) => [k.name, f.partitionValues[k.name] ?? null]));
      const id = JSON.stringify(values);
      const p = partitions.get(id) ?? { values, files: 0, rows: 0, bytes: 0 };
      partitions.set(id, { ...p, files: p.files + 1, rows: p.rows + f.rows, bytes: p.bytes + f.bytes });
    }
  }
  // The default publish mirrors processed.<dataset> into final.<dataset>, so both follow the dataset's policy.
  const policy = ctx.config.datasets[t.name]?.schemaChange ?? 'update';
  return {
    ...tableSummary(t),
    warnings: tableWarnings(`${t.database}.${t.name}`, t, files, policy),
    partitions: [...partitions.values()].sort((a, b) => comparePartitions(a.values, b.values)),
    sources: files.map((f) => ({ file: f.fileKey, rawKey: f.sourceRawKey, rows: f.rows, bytes: f.bytes, partition: f.partitionValues })),
  };
}

/** By each partition value in turn, text order, a missing value last. */
function comparePartitions(a: Record<string, string | null>, b: Record<string, string | null>): number {
  for (const k of Object.keys(a)) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export type CatalogEventView = (TableUpdated | SchemaChanged) & { id: number; at: string };

/** The catalog's events (table.updated, schema.changed), newest first; for one table when named. */
export async function catalogEvents(ctx: Pick<ReadContext, 'catalog' | 'events'>, opts: { table?: string; limit?: number } = {}): Promise<CatalogEventView[]> {
  if (opts.table) await requireTable(ctx.catalog, opts.table);
  return (await ctx.events.recent(opts.limit ?? 100, { types: ['table.updated', 'schema.changed'], table: opts.table })).flatMap((e) =>
    isCatalogEvent(e.payload) ? [{ id: e.id, at: new Date(e.at).toISOString(), ...e.payload }] : [],
  );
}

function isCatalogEvent(e: PipelineEvent): e is TableUpdated | SchemaChanged {
  return e.type === 'table.updated' || e.type === 'schema.changed';
}

/** One line for a catalog event: what changed, and for a schema change whether the table took it. */
export function describeEvent(e: CatalogEventView): string {
  if (e.type === 'schema.changed') {
    const what = e.applied ? 'applied' : e.policy === 'fail' ? 'file refused' : 'kept out of the schema';
    return `${what} (${e.policy}): ${describeDiff(e.diff).join(', ')}${e.file ? ` from ${e.file}` : ''}`;
  }
  if (e.type === 'table.updated') return e.files.length ? `files: ${e.files.join(', ')}` : 'files removed';
  return '';
}

export async function tableVersions(ctx: Pick<ReadContext, 'catalog'>, qualified: string) {
  const t = await requireTable(ctx.catalog, qualified);
  return (await ctx.catalog.versions(t.database, t.name)).map((v) => ({ ...v, createdAt: new Date(v.createdAt).toISOString() }));
}

export async function diffVersions(ctx: Pick<ReadContext, 'catalog'>, qualified: string, v1: number, v2: number) {
  const versions = await tableVersions(ctx, qualified);
  const a = versions.find((v) => v.version === v1);
  const b = versions.find((v) => v.version === v2);
  const known = versions.map((v) => v.version).join(', ');
  if (!a) throw new NotFoundError('table version', `${qualified} ${v1}`, `${qualified} has no version ${v1} (versions: ${known})`);
  if (!b) throw new NotFoundError('table version', `${qualified} ${v2}`, `${qualified} has no version ${v2} (versions: ${known})`);
  const before = new Map([...a.columns, ...a.partitionKeys].map((c) => [c.name, c]));
  const after = new Map([...b.columns, ...b.partitionKeys].map((c) => [c.name, c]));
  return {
    table: qualified,
    from: v1,
    to: v2,
    added: [...after.values()].filter((c) => !before.has(c.name)),
    removed: [...before.values()].filter((c) => !after.has(c.name)),
    changed: [...after.values()]
      .filter((c) => before.has(c.name) && before.get(c.name)?.type !== c.type)
      .map((c) => ({ name: c.name, from: before.get(c.name)?.type, to: c.type })),
  };
}
