/**
 * Read-only SQL over catalog tables. Each query gets its own DuckDB instance
 * with views `processed.<t>` / `final.<t>` over the tables' files; file
 * access outside the zones is switched off and the configuration locked, so a
 * query can read catalog tables and nothing else. Only one SELECT (or WITH)
 * statement is accepted; results are capped and time-bounded.
 *
 * Given a TableSource, a session makes a table's view only when a query first
 * names it (DuckDB's own parse tree, `json_serialize_sql`, says which tables
 * a query names), so the files of a remote zone are copied for the tables a
 * query reads, not for the whole catalog. A query whose tables cannot be told
 * that way (catalog functions, `information_schema`) gets every table.
 */
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import { errorMessage, QueryError } from '../core/errors.js';
import type { ColumnSchema } from '../core/types.js';
import { convertsExactly, quoteIdentifier as q, quoteList, quoteQualified } from './sql.js';

export interface QueryTable {
  database: 'processed' | 'final';
  name: string;
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  /**
   * The table's files: local path, and for each partition column the name of
   * the `name=value` folder it comes from as written in the path (`Year` for
   * the column `year`).
   */
  files: { path: string; partitions: Record<string, string> }[];
  /**
   * The type each column has in the files (merged over them). A column no file
   * holds reads as NULL; one whose files hold a wider type than the table
   * shows (a schema kept under `schemaChange: log`) reads as NULL where a
   * value does not fit, never as a rounded or cut value.
   */
  fileTypes: Record<string, string>;
}

/** A catalog table by name. */
export interface TableName {
  database: 'processed' | 'final';
  name: string;
}

/** The tables a session may read, each made readable (its files local) when a query first names it. */
export interface TableSource {
  names: readonly TableName[];
  bind(names: readonly TableName[]): Promise<QueryTable[]>;
}

export interface QueryOptions {
  limit: number;
  /** Cap on the answer's size as JSON; rows past it are left out, as past `limit`. */
  maxBytes?: number;
  timeoutMs: number;
  /** Folders the views may read (the zones holding the tables' files). */
  allowedDirs: string[];
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** True when more rows existed than `limit`, or than fit in `maxBytes`. */
  truncated: boolean;
  /** Which cap cut the answer, when one did. */
  truncatedBy?: 'rows' | 'bytes';
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DECIMAL\(\d+,\d+\)|FLOAT|DOUBLE)$/;

/** Numbers as JSON numbers when that is exact; otherwise the exact text. */
function jsonValue(v: unknown, type: string): unknown {
  if (typeof v !== 'string' || !NUMERIC.test(type)) return v;
  const n = Number(v);
  if (!Number.isFinite(n)) return v;
  const scale = /,(\d+)\)$/.exec(type)?.[1];
  const exact = scale ? n.toFixed(Number(scale)) === v : String(n) === v;
  return exact ? n : v;
}

/** Columns a job's source carries so "first" and "last" mean the order of files and their rows. */
export const ORDINAL_COLUMNS = ['__sluice_file', '__sluice_row'] as const;

/**
 * A SELECT over a table's files with the table's columns and types. Files are
 * grouped by their partition folders (DuckDB reads Hive folders only when
 * every file in one scan has the same keys), one scan per group; a partition
 * column a group lacks reads as NULL. Folder values are read as text and cast
 * to the catalog's type, so `01` stays `01` in a text partition. With
 * `ordinal`, each row also carries its file's position in `files` and its row
 * number in that file.
 */
export function tableSelect(t: QueryTable, opts: { ordinal?: boolean } = {}): string {
  const cols = [...t.columns, ...t.partitionKeys];
  const ordinalNulls = opts.ordinal ? ', NULL::BIGINT AS "__sluice_file", NULL::BIGINT AS "__sluice_row"' : '';
  if (t.files.length === 0 || cols.length === 0) {
    const empty = cols.length ? cols.map((c) => `CAST(NULL AS ${c.type}) AS ${q(c.name)}`).join(', ') : 'NULL AS "empty"';
    return `SELECT ${empty}${ordinalNulls} WHERE false`;
  }
  const allPaths = t.files.map((f) => f.path);
  const groups = new Map<string, { folders: Record<string, string>; paths: string[] }>();
  for (const f of t.files) {
    const layout = JSON.stringify(Object.entries(f.partitions).sort());
    const group = groups.get(layout) ?? { folders: f.partitions, paths: [] };
    group.paths.push(f.path);
    groups.set(layout, group);
  }
  const partitionNames = new Set(t.partitionKeys.map((k) => k.name));
  const scans = [...groups.values()].map(({ folders, paths }) => {
    const select = cols.map((c) => {
      if (!partitionNames.has(c.name)) return `${columnRead(c, t.fileTypes[c.name])} AS ${q(c.name)}`;
      const folder = folders[c.name];
      return `${folder === undefined ? 'NULL' : `TRY_CAST(${q(folder)} AS ${c.type})`} AS ${q(c.name)}`;
    });
    if (opts.ordinal) select.push(`list_position(${quoteList(allPaths)}, filename)::BIGINT AS "__sluice_file"`, 'file_row_number::BIGINT AS "__sluice_row"');
    const hive = Object.keys(folders).length > 0;
    const options = [
      'union_by_name = true',
      `hive_partitioning = ${hive}`,
      ...(hive ? ['hive_types_autocast = false'] : []),
      ...(opts.ordinal ? ['filename = true', 'file_row_number = true'] : []),
    ];
    return `SELECT ${select.join(', ')} FROM read_parquet(${quoteList(paths)}, ${options.join(', ')})`;
  });
  return scans.join(' UNION ALL ');
}

function viewSql(t: QueryTable): string {
  return `CREATE VIEW ${quoteQualified(t.database, t.name)} AS ${tableSelect(t)}`;
}

function columnRead(c: ColumnSchema, fileType: string | undefined): string {
  const col = q(c.name);
  if (fileType === undefined) return `CAST(NULL AS ${c.type})`;
  if (fileType.toUpperCase() === c.type.toUpperCase()) return `CAST(${col} AS ${c.type})`;
  // A value that does not convert exactly (2.5 into BIGINT, 'abc' into BIGINT) reads as NULL, never rounded.
  return `CASE WHEN ${convertsExactly(col, fileType, c.type)} THEN TRY_CAST(${col} AS ${c.type}) END`;
}

/** Runs one read-only SELECT in an open read-only session. */
export type ReadOnlyRunner = (sql: string, limit?: number) => Promise<QueryResult>;

/**
 * A read-only session over the catalog tables: views first, then file access
 * outside the zones is switched off and the configuration locked. `fn` may run
 * several queries (a dashboard's charts) on the one instance.
 */
export async function withReadOnlyQueries<T>(tables: QueryTable[] | TableSource, opts: QueryOptions, fn: (run: ReadOnlyRunner) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const c = await instance.connect();
  const bound = new Set<string>();
  const source: TableSource = Array.isArray(tables) ? { names: tables, bind: async () => [] } : tables;
  const bind = async (ts: readonly QueryTable[]) => {
    for (const t of ts) {
      await c.run(viewSql(t));
      bound.add(nameKey(t));
    }
  };
  try {
    await c.run('LOAD icu');
    await c.run(`SET TimeZone = 'UTC'`);
    await c.run('CREATE SCHEMA processed');
    await c.run('CREATE SCHEMA final');
    if (Array.isArray(tables)) await bind(tables);
    await c.run(`SET allowed_directories = ${quoteList(opts.allowedDirs.map((d) => (d.endsWith('/') ? d : `${d}/`)))}`);
    await c.run('SET enable_external_access = false');
    await c.run('SET lock_configuration = true');

    return await fn(async (sql, limit = opts.limit) => {
      let statements: Awaited<ReturnType<typeof c.extractStatements>>;
      try {
        statements = await c.extractStatements(sql);
      } catch (err) {
        throw new QueryError(`the query does not parse: ${firstLine(errorMessage(err))}`, { cause: err });
      }
      if (statements.count !== 1) throw new QueryError(`give exactly one statement (got ${statements.count}); sluice query runs a single SELECT`);
      const named = await namedTables(c, sql, source.names);
      const unbound = named.filter((t) => !bound.has(nameKey(t)));
      if (unbound.length) await bind(await source.bind(unbound));
      let prepared: Awaited<ReturnType<typeof statements.prepare>>;
      try {
        prepared = await statements.prepare(0);
      } catch (err) {
        throw new QueryError(explain(errorMessage(err)), { cause: err });
      }
      if (prepared.statementType !== StatementType.SELECT) {
        throw new QueryError('only SELECT (or WITH … SELECT) queries are allowed; sluice query is read-only');
      }
      const timer = setTimeout(() => c.interrupt(), opts.timeoutMs);
      try {
        // Streamed chunk by chunk and stopped at the caps: an answer never holds more than they allow in memory.
        const result = await prepared.stream();
        const types = result.columnTypes().map((t) => t.toString());
        const columns = result.columnNames().map((name, i) => ({ name, type: types[i] ?? '' }));
        const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
        const rows: unknown[][] = [];
        let bytes = JSON.stringify(columns).length;
        let truncatedBy: 'rows' | 'bytes' | undefined;
        outer: for await (const chunk of result.yieldRowsJson()) {
          for (const r of chunk) {
            if (rows.length === limit) {
              truncatedBy = 'rows';
              break outer;
            }
            const row = r.map((v, i) => jsonValue(v, types[i] ?? ''));
            bytes += JSON.stringify(row).length + 1;
            if (bytes > maxBytes) {
              truncatedBy = 'bytes';
              break outer;
            }
            rows.push(row);
          }
        }
        return { columns, rows, truncated: truncatedBy !== undefined, ...(truncatedBy ? { truncatedBy } : {}) };
      } catch (err) {
        const message = errorMessage(err);
        if (/interrupt/i.test(message))
          throw new QueryError(`the query ran longer than ${opts.timeoutMs} ms and was stopped; narrow it or raise --timeout`, { cause: err });
        throw new QueryError(explain(message), { cause: err });
      } finally {
        clearTimeout(timer);
      }
    });
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

const nameKey = (t: TableName) => `${t.database}.${t.name.toLowerCase()}`;

/** Table functions that read no table: a query calling only these still names all it reads. */
const TABLELESS_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/**
 * The catalog tables a SELECT names, from DuckDB's parse tree (names are
 * matched as DuckDB matches them, ignoring case). Every table when the tree
 * cannot say: a statement DuckDB cannot serialize, a table function that may
 * read tables by name (`query_table`, `duckdb_views()`), or a system schema.
 */
async function namedTables(c: DuckDBConnection, sql: string, names: readonly TableName[]): Promise<readonly TableName[]> {
  let tree: unknown;
  try {
    const reader = await c.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
    tree = JSON.parse(String(reader.getRows()[0]?.[0]));
  } catch {
    return names;
  }
  if ((tree as { error?: unknown }).error) return names;
  const wanted = new Set<string>();
  let everything = false;
  const walk = (node: unknown): void => {
    // Arrays are walked as objects: their values are their elements.
    if (typeof node !== 'object' || node === null) return;
    const n = node as { type?: unknown; schema_name?: unknown; table_name?: unknown; function?: { function_name?: unknown } };
    if (n.type === 'BASE_TABLE') {
      const schema = String(n.schema_name ?? '').toLowerCase();
      if (schema === 'processed' || schema === 'final') wanted.add(`${schema}.${String(n.table_name).toLowerCase()}`);
      else if (schema !== '') everything = true;
    } else if (n.type === 'TABLE_FUNCTION' && !TABLELESS_FUNCTIONS.has(String(n.function?.function_name).toLowerCase())) {
      everything = true;
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(tree);
  return everything ? names : names.filter((t) => wanted.has(nameKey(t)));
}

export async function runReadOnlyQuery(tables: QueryTable[] | TableSource, sql: string, opts: QueryOptions): Promise<QueryResult> {
  return withReadOnlyQueries(tables, opts, (run) => run(sql));
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function explain(message: string): string {
  if (/file system operations are disabled|Permission Error|disabled by configuration/i.test(message)) {
    return 'reading files, attaching databases or reaching the network is not allowed in sluice query; query catalog tables such as final.<table>';
  }
  return firstLine(message);
}
