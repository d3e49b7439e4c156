/**
 * Validation of user SQL expressions (rule checks, later job derives and
 * filters) before they run on the pipeline's engine, which can read files.
 * DuckDB parses `SELECT (<expr>) FROM t` into its JSON syntax tree (the text
 * is passed as a parameter, never pasted); the tree must be one expression
 * over known columns with no subqueries and no function that reaches outside
 * the row (files, network, settings, databases).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { didYouMean } from '../core/suggest.js';

const FORBIDDEN_FUNCTION =
  /^(read_|glob$|sniff_csv$|parquet_|query$|query_table$|getenv$|current_setting$|duckdb_|sqlite_|postgres_|mysql_|iceberg_|delta_|httpfs|load$|install$|attach$|detach$|copy|export|import|pragma|checkpoint|nextval$|setseed$|random$|uuid|gen_random_uuid$|make_timestamp_now|now$|current_)/i;

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export type Node = Record<string, unknown>;

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  visit(node as Node);
  for (const v of Object.values(node as Node)) walk(v, visit);
}

/** Aggregate functions, and functions whose result depends on the time, chance or state (not the row). */
async function functionKinds(c: DuckDBConnection): Promise<{ aggregates: Set<string>; unstable: Set<string> }> {
  const r = await c.runAndReadAll(
    `SELECT DISTINCT lower(function_name), function_type = 'aggregate', coalesce(stability, 'CONSISTENT') <> 'CONSISTENT' FROM duckdb_functions()`,
  );
  const aggregates = new Set<string>();
  const unstable = new Set<string>();
  for (const [name, aggregate, varies] of r.getRows()) {
    if (aggregate) aggregates.add(String(name));
    if (varies) unstable.add(String(name));
  }
  return { aggregates, unstable };
}

/**
 * An expression as it is placed in a query: on lines of its own, so a `--`
 * comment in it ends at its own line and cannot swallow the SQL around it.
 * Validation parses it the same way.
 */
export function embedExpression(expr: string): string {
  return `(\n${expr}\n)`;
}

/**
 * DuckDB's parse tree of one expression as a job embeds it (`SELECT (expr) FROM t`; the text is a
 * bound parameter, never pasted), refusing anything but a single expression.
 */
export async function parseSingleExpression(c: DuckDBConnection, expr: string): Promise<Node> {
  const prepared = await c.prepare('SELECT json_serialize_sql($1::VARCHAR) AS j');
  prepared.bindVarchar(1, `SELECT ${embedExpression(expr)} FROM t`);
  const raw = String((await prepared.runAndReadAll()).getRows()[0]?.[0] ?? '{}');
  const parsed = JSON.parse(raw) as { error?: boolean; error_message?: string; statements?: { node: Node }[] };
  if (parsed.error || !parsed.statements) {
    // The parser sees the expression inside `SELECT (…) FROM t`: an error at that FROM means the expression ended too early.
    const why = (parsed.error_message ?? 'it does not parse').replace(
      /syntax error at or near "FROM"|syntax error at end of input/,
      'it ends too early (is a parenthesis or quote left open?)',
    );
    throw new ExpressionError(`"${expr}" is not a valid SQL expression: ${why}`);
  }
  const node = parsed.statements[0]?.node;
  const list = node?.select_list as Node[] | undefined;
  const from = node?.from_table as Node | undefined;
  const shapeOk =
    parsed.statements.length === 1 &&
    node?.type === 'SELECT_NODE' &&
    list?.length === 1 &&
    from?.type === 'BASE_TABLE' &&
    from.table_name === 't' &&
    node.where_clause === null &&
    (node.group_expressions as unknown[]).length === 0 &&
    node.having === null &&
    node.qualify === null &&
    (node.modifiers as unknown[]).length === 0;
  if (!shapeOk) throw new ExpressionError(`"${expr}" must be a single expression (no statements, clauses or semicolons)`);
  return list?.[0] as Node;
}

/**
 * Throws ExpressionError with a fix-it message when `expr` is not a safe
 * expression over `columns`. A row expression (the default) may not use
 * aggregate functions; a measure (`aggregates: true`) may.
 */
export async function validateExpression(c: DuckDBConnection, expr: string, columns: readonly string[], opts: { aggregates?: boolean } = {}): Promise<void> {
  const list = [await parseSingleExpression(c, expr)];
  const known = new Set(columns);
  const kinds = await functionKinds(c);
  const aggregates = opts.aggregates ? new Set<string>() : kinds.aggregates;
  walk(list, (n) => {
    if (n.class === 'SUBQUERY') throw new ExpressionError(`"${expr}": subqueries are not allowed in an expression`);
    if (
      n.class === 'FUNCTION' &&
      typeof n.function_name === 'string' &&
      (FORBIDDEN_FUNCTION.test(n.function_name) || kinds.unstable.has(n.function_name.toLowerCase()))
    ) {
      throw new ExpressionError(
        `"${expr}": the function ${n.function_name}() is not allowed (expressions may not read files, settings or the network, or depend on the time or chance)`,
      );
    }
    if (n.class === 'WINDOW') throw new ExpressionError(`"${expr}": window functions are not allowed in a row expression`);
    if (n.class === 'FUNCTION' && typeof n.function_name === 'string' && aggregates.has(n.function_name.toLowerCase())) {
      throw new ExpressionError(
        `"${expr}": ${n.function_name}() is an aggregate; a row expression works on one row at a time (aggregates belong in aggregate.measures)`,
      );
    }
    if (n.class === 'COLUMN_REF') {
      const names = n.column_names as string[];
      const name = names[names.length - 1] as string;
      if (!known.has(name)) throw new ExpressionError(`"${expr}": unknown column "${name}"${didYouMean(name, columns)}`);
    }
  });
}
