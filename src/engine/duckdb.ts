/**
 * The one place that opens DuckDB. A process holds one in-memory instance for
 * pipeline work (spilling to a temp folder) with Sluice's parsing macros
 * installed; each task takes its own connection and releases it in `finally`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSchema } from '../core/types.js';
import { parsingMacros } from './macros.js';
import { quoteIdentifier, quoteString } from './sql.js';

export interface EngineOptions {
  /** Where DuckDB spills when a query outgrows memory. */
  tempDir: string;
  /**
   * DuckDB's memory cap, e.g. '384MB' (SLUICE_MEMORY_LIMIT overrides). DuckDB's own default is 80% of RAM;
   * a lower cap makes large files spill to the temp folder instead of growing the process.
   */
  memoryLimit?: string;
  threads?: number;
}

const MB = 1024 * 1024;

/** Parquet key-value metadata written by preprocess: `[{ name, comment }]` for the catalog's column comments. */
export const COLUMN_COMMENTS_KEY = 'sluice.columns';

function toBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB)?$/i.exec(limit.trim());
  if (!m) return 512 * MB;
  const unit = { KB: 1024, MB, GB: 1024 * MB, TB: 1024 * 1024 * MB }[(m[2] ?? 'MB').toUpperCase() as 'KB'] ?? MB;
  return Number(m[1]) * unit;
}

export class Engine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private memoryLimit: number,
    private readonly threads: number,
  ) {}

  static async open(opts: EngineOptions): Promise<Engine> {
    mkdirSync(opts.tempDir, { recursive: true });
    // A scratch database file rather than ':memory:': work tables then live in blocks the buffer manager can
    // evict to disk, so a large file is processed within the memory cap. It belongs to this process alone.
    const scratch = path.join(opts.tempDir, 'work.duckdb');
    rmSync(scratch, { force: true });
    rmSync(`${scratch}.wal`, { force: true });
    // 384 MB keeps a whole process (Node, DuckDB's own buffers outside the cap, the Parquet writer) under 1 GB on a 1 GB file.
    const memoryLimit = opts.memoryLimit ?? process.env.SLUICE_MEMORY_LIMIT ?? '384MB';
    const instance = await DuckDBInstance.create(scratch, {
      temp_directory: opts.tempDir,
      memory_limit: memoryLimit,
      threads: String(opts.threads ?? 2),
      preserve_insertion_order: 'true',
    });
    const engine = new Engine(instance, toBytes(memoryLimit), opts.threads ?? 2);
    await engine.withConnection(async (c) => {
      await c.run(`LOAD icu`);
      await c.run(`SET GLOBAL TimeZone = 'UTC'`);
      for (const m of parsingMacros()) await c.run(m);
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

  /**
   * Make room for a table `columns` wide: a scan pins one 256 KB block per
   * column per thread, so a 2,000-column table needs about 1 GB however few
   * its rows. The cap is raised, never lowered, for the life of the process.
   */
  async ensureMemoryForColumns(columns: number): Promise<void> {
    const needed = columns * this.threads * 256 * 1024 * 1.5 + 256 * MB;
    if (needed <= this.memoryLimit) return;
    this.memoryLimit = Math.ceil(needed / MB) * MB;
    await this.withConnection((c) => c.run(`SET GLOBAL memory_limit = '${this.memoryLimit / MB}MB'`));
  }

  /** Columns of a Parquet file as DuckDB types, with the comments preprocess left in its metadata. */
  async parquetSchema(c: DuckDBConnection, file: string): Promise<ColumnSchema[]> {
    // hive_partitioning off: a file under `year=2024/` holds no year column, whatever its path says.
    const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file)}, hive_partitioning = false)`);
    const meta = await c.runAndReadAll(
      `SELECT decode(value) AS v FROM parquet_kv_metadata(${quoteString(file)}) WHERE decode(key) = ${quoteString(COLUMN_COMMENTS_KEY)}`,
    );
    const comments = new Map<string, string>();
    try {
      const entries = JSON.parse(String(meta.getRows()[0]?.[0] ?? '[]')) as { name?: unknown; comment?: unknown }[];
      for (const e of entries) if (typeof e.name === 'string' && typeof e.comment === 'string' && e.comment) comments.set(e.name, e.comment);
    } catch {
      // Metadata written by another tool: no comments.
    }
    return r.getRowObjectsJS().map((row) => {
      const name = String(row.column_name);
      const comment = comments.get(name);
      return { name, type: String(row.column_type), nullable: String(row.null) !== 'NO', ...(comment ? { comment } : {}) };
    });
  }

  async parquetRowCount(c: DuckDBConnection, file: string): Promise<number> {
    const r = await c.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${quoteString(file)}, hive_partitioning = false)`);
    return Number(r.getRowObjectsJS()[0]?.n ?? 0);
  }

  close(): void {
    this.instance.closeSync();
  }
}

export { quoteIdentifier, quoteString };
