/**
 * The one place that opens DuckDB. A process holds one in-memory instance for
 * pipeline work (spilling to a temp folder) with Sluice's parsing macros
 * installed; each task takes its own connection and releases it in `finally`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSchema } from '../core/types.js';
import { PARSING_MACROS } from './macros.js';
import { quoteIdentifier, quoteString } from './sql.js';

export interface EngineOptions {
  /** Where DuckDB spills when a query outgrows memory. */
  tempDir: string;
  /**
   * DuckDB's memory cap, e.g. '512MB' (SLUICE_MEMORY_LIMIT overrides). DuckDB's own default is 80% of RAM;
   * a lower cap makes large files spill to the temp folder, keeping the process well under 1 GB.
   */
  memoryLimit?: string;
  threads?: number;
}

export class Engine {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(opts: EngineOptions): Promise<Engine> {
    mkdirSync(opts.tempDir, { recursive: true });
    // A scratch database file rather than ':memory:': work tables then live in blocks the buffer manager can
    // evict to disk, so a large file is processed within the memory cap. It belongs to this process alone.
    const scratch = path.join(opts.tempDir, 'work.duckdb');
    rmSync(scratch, { force: true });
    rmSync(`${scratch}.wal`, { force: true });
    const instance = await DuckDBInstance.create(scratch, {
      temp_directory: opts.tempDir,
      memory_limit: opts.memoryLimit ?? process.env.SLUICE_MEMORY_LIMIT ?? '512MB',
      threads: String(opts.threads ?? 2),
      preserve_insertion_order: 'true',
    });
    const engine = new Engine(instance);
    await engine.withConnection(async (c) => {
      await c.run(`LOAD icu`);
      await c.run(`SET GLOBAL TimeZone = 'UTC'`);
      for (const m of PARSING_MACROS) await c.run(m);
    });
    return engine;
  }

  async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = await this.instance.connect();
    try {
      return await fn(c);
    } finally {
      c.closeSync();
    }
  }

  /** Columns of a Parquet file as DuckDB types. */
  async parquetSchema(c: DuckDBConnection, file: string): Promise<ColumnSchema[]> {
    const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file)})`);
    return r.getRowObjectsJS().map((row) => ({
      name: String(row.column_name),
      type: String(row.column_type),
      nullable: String(row.null) !== 'NO',
    }));
  }

  async parquetRowCount(c: DuckDBConnection, file: string): Promise<number> {
    const r = await c.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${quoteString(file)})`);
    return Number(r.getRowObjectsJS()[0]?.n ?? 0);
  }

  close(): void {
    this.instance.closeSync();
  }
}

export { quoteIdentifier, quoteString };
