/** A catalog table's DDL: for Athena (external Parquet table, Hive types, column comments) or for DuckDB. */
import type { ColumnSchema } from '../core/types.js';
import { toHiveType } from '../core/types.js';
import { quoteIdentifier } from '../engine/sql.js';
import { requireTable } from './catalog.js';
import type { ReadContext } from './context.js';

export async function tableDdl(ctx: Pick<ReadContext, 'catalog'>, qualified: string, dialect: 'athena' | 'duckdb'): Promise<string> {
  const t = await requireTable(ctx.catalog, qualified);
  if (dialect === 'duckdb') {
    const cols = [...t.columns, ...t.partitionKeys].map((c) => `  ${quoteIdentifier(c.name)} ${c.type}`).join(',\n');
    return `CREATE TABLE ${quoteIdentifier(t.database)}.${quoteIdentifier(t.name)} (\n${cols}\n);\n`;
  }
  const bq = (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const comment = (c: ColumnSchema) => (c.comment ? ` COMMENT '${c.comment.replace(/[\\']/g, (ch) => `\\${ch}`)}'` : '');
  const cols = t.columns.map((c) => `  ${bq(c.name)} ${toHiveType(c.type)}${comment(c)}`).join(',\n');
  const parts = t.partitionKeys.length ? `\nPARTITIONED BY (\n${t.partitionKeys.map((c) => `  ${bq(c.name)} ${toHiveType(c.type)}`).join(',\n')}\n)` : '';
  const location = t.location.startsWith('s3://') ? t.location : `file://${t.location}`;
  return `CREATE EXTERNAL TABLE ${bq(t.database)}.${bq(t.name)} (\n${cols}\n)${parts}\nSTORED AS PARQUET\nLOCATION '${location.endsWith('/') ? location : `${location}/`}';\n`;
}
