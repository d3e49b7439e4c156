/**
 * The DuckDB work tables of one preprocess run: named per run, so runs
 * sharing a DuckDB instance never meet, and dropped together when the run
 * ends, however it ends.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q, quoteString } from '../../engine/sql.js';

export interface WorkTables {
  /** The file's cleaned text, kept when values failed to parse or the types were decided again. */
  clean: string;
  /** Typed columns plus flags marking the values that failed to parse. */
  base: string;
  /** A view over the base table with "__row", the record's position among the good rows. */
  typed: string;
  /** The typed rows after missing values were dropped or filled. */
  filled: string;
  /** Rows breaking a validation rule, with column, value and reason. */
  invalid: string;
  /** The rows the dedupe policy keeps. */
  kept: string;
  /** Rejected cells and rule violations for the rejects file. */
  rejected: string;
  /** Rows and rejected records mapped to the physical line they start on. */
  lines: string;
  /** Unreadable records: the checker's list, or the engine's own rejects. */
  rejects: string;
  /** The engine's rejects scan table. */
  scans: string;
}

/** Per-run names for temp tables, so runs sharing a DuckDB instance never meet. */
export function workTableNames(): WorkTables {
  const id = Math.random().toString(36).slice(2, 10);
  const name = (what: string) => `sluice_${what}_${id}`;
  return {
    clean: name('clean'),
    base: name('base'),
    typed: name('typed'),
    filled: name('filled'),
    invalid: name('invalid'),
    kept: name('kept'),
    rejected: name('rejected'),
    lines: name('lines'),
    rejects: name('rej'),
    scans: name('scan'),
  };
}

/** Drop the run's work tables and views in one round trip (a small file's run is dozens of statements; each costs). */
export async function dropWorkTables(c: DuckDBConnection, tables: WorkTables): Promise<void> {
  try {
    const list = Object.values(tables)
      .map((n) => quoteString(n))
      .join(', ');
    // duckdb_tables()/duckdb_views() answer much faster than information_schema, which joins every catalog.
    const existing = await c.runAndReadAll(
      `SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE table_name IN (${list}) UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE view_name IN (${list})`,
    );
    const drops = existing.getRows().map(([name, type]) => `DROP ${type === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${q(String(name))};`);
    if (drops.length) await c.run(drops.join('\n'));
  } catch {
    // Best effort: names are unique per run, so a leftover never meets another run.
  }
}
