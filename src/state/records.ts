/** Smaller state tables: raw objects seen, per-file reports, job bookmarks, the event log. */
import type { PipelineEvent } from '../core/events.js';
import type { Db } from './database.js';

export class RawObjects {
  constructor(private readonly db: Db) {}

  /** The hash recorded for a key if its change tag is unchanged (saves re-reading the file). */
  knownHash(key: string, tag: string): string | undefined {
    const row = this.db.prepare('SELECT sha256 FROM raw_objects WHERE key = ? AND tag = ?').get(key, tag) as { sha256: string } | undefined;
    return row?.sha256;
  }

  record(key: string, tag: string, sha256: string, size: number): void {
    this.db.prepare('INSERT OR REPLACE INTO raw_objects (key, tag, sha256, size, seen_at) VALUES (?, ?, ?, ?, ?)').run(key, tag, sha256, size, Date.now());
  }

  all(): { key: string; sha256: string; size: number; seenAt: number }[] {
    return (
      this.db.prepare('SELECT key, sha256, size, seen_at FROM raw_objects ORDER BY key').all() as {
        key: string;
        sha256: string;
        size: number;
        seen_at: number;
      }[]
    ).map((r) => ({ key: r.key, sha256: r.sha256, size: r.size, seenAt: r.seen_at }));
  }

  get(key: string): { sha256: string; size: number } | undefined {
    return this.db.prepare('SELECT sha256, size FROM raw_objects WHERE key = ?').get(key) as { sha256: string; size: number } | undefined;
  }
}

export class Reports {
  constructor(private readonly db: Db) {}

  save(rawKey: string, sha256: string, report: unknown): void {
    this.db
      .prepare('INSERT OR REPLACE INTO reports (raw_key, sha256, report, created_at) VALUES (?, ?, ?, ?)')
      .run(rawKey, sha256, JSON.stringify(report), Date.now());
  }

  get(rawKey: string): { sha256: string; report: unknown } | undefined {
    const row = this.db.prepare('SELECT sha256, report FROM reports WHERE raw_key = ?').get(rawKey) as { sha256: string; report: string } | undefined;
    return row && { sha256: row.sha256, report: JSON.parse(row.report) };
  }
}

export interface Bookmark {
  inputKey: string;
  inputHash: string;
  outputKey: string;
  /** Every object the input produced (a job's Parquet and CSV files); `[outputKey]` for the default publish. */
  outputs: string[];
  updatedAt: number;
}

interface BookmarkRow {
  input_key: string;
  input_hash: string;
  output_key: string;
  outputs: string;
  updated_at: number;
}

function toBookmark(r: BookmarkRow): Bookmark {
  const outputs = JSON.parse(r.outputs) as string[];
  return {
    inputKey: r.input_key,
    inputHash: r.input_hash,
    outputKey: r.output_key,
    outputs: outputs.length ? outputs : [r.output_key],
    updatedAt: r.updated_at,
  };
}

export class Bookmarks {
  constructor(private readonly db: Db) {}

  get(job: string, inputKey: string): Bookmark | undefined {
    const row = this.db.prepare('SELECT * FROM bookmarks WHERE job = ? AND input_key = ?').get(job, inputKey) as BookmarkRow | undefined;
    return row && toBookmark(row);
  }

  set(job: string, b: Omit<Bookmark, 'updatedAt' | 'outputs'> & { outputs?: string[] }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO bookmarks (job, input_key, input_hash, output_key, outputs, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(job, b.inputKey, b.inputHash, b.outputKey, JSON.stringify(b.outputs ?? []), Date.now());
  }

  remove(job: string, inputKey: string): void {
    this.db.prepare('DELETE FROM bookmarks WHERE job = ? AND input_key = ?').run(job, inputKey);
  }

  list(job: string): Bookmark[] {
    return (this.db.prepare('SELECT * FROM bookmarks WHERE job = ? ORDER BY input_key').all(job) as BookmarkRow[]).map(toBookmark);
  }

  reset(job: string): number {
    return this.db.prepare('DELETE FROM bookmarks WHERE job = ?').run(job).changes;
  }

  /**
   * Forget which input versions a job has seen but keep the outputs they
   * produced, so the next run reprocesses every input and replaces (rather
   * than duplicates) what it wrote.
   */
  invalidate(job: string): number {
    return this.db.prepare(`UPDATE bookmarks SET input_hash = '' WHERE job = ?`).run(job).changes;
  }
}

export interface JobRunRecord {
  id: number;
  job: string;
  mode: 'incremental' | 'full';
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  finishedAt?: number;
  inputs: number;
  rowsRead: number;
  rowsWritten: number;
  filesWritten: number;
  filesRemoved: number;
  bookmarkBefore?: unknown;
  bookmarkAfter?: unknown;
  detail?: unknown;
  error?: string;
}

/** The history of transform job runs: what each read and wrote, and its bookmark before and after. */
export class JobRuns {
  constructor(private readonly db: Db) {}

  start(job: string, mode: JobRunRecord['mode'], trigger: string, bookmarkBefore: unknown): number {
    return Number(
      this.db
        .prepare(`INSERT INTO job_runs (job, mode, trigger, status, started_at, bookmark_before) VALUES (?, ?, ?, 'running', ?, ?)`)
        .run(job, mode, trigger, Date.now(), JSON.stringify(bookmarkBefore)).lastInsertRowid,
    );
  }

  finish(
    id: number,
    r: Pick<JobRunRecord, 'status' | 'inputs' | 'rowsRead' | 'rowsWritten' | 'filesWritten' | 'filesRemoved'> & {
      bookmarkAfter?: unknown;
      detail?: unknown;
      error?: string;
    },
  ): void {
    this.db
      .prepare(
        `UPDATE job_runs SET status = ?, finished_at = ?, inputs = ?, rows_read = ?, rows_written = ?, files_written = ?, files_removed = ?,
         bookmark_after = ?, detail = ?, error = ? WHERE id = ?`,
      )
      .run(
        r.status,
        Date.now(),
        r.inputs,
        r.rowsRead,
        r.rowsWritten,
        r.filesWritten,
        r.filesRemoved,
        r.bookmarkAfter === undefined ? null : JSON.stringify(r.bookmarkAfter),
        r.detail === undefined ? null : JSON.stringify(r.detail),
        r.error ?? null,
        id,
      );
  }

  list(job: string, limit = 20): JobRunRecord[] {
    const rows = this.db.prepare('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?').all(job, limit) as Record<string, unknown>[];
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : undefined);
    return rows.map((r) => ({
      id: Number(r.id),
      job: String(r.job),
      mode: r.mode as JobRunRecord['mode'],
      trigger: String(r.trigger),
      status: r.status as JobRunRecord['status'],
      startedAt: Number(r.started_at),
      ...(r.finished_at ? { finishedAt: Number(r.finished_at) } : {}),
      inputs: Number(r.inputs),
      rowsRead: Number(r.rows_read),
      rowsWritten: Number(r.rows_written),
      filesWritten: Number(r.files_written),
      filesRemoved: Number(r.files_removed),
      bookmarkBefore: json(r.bookmark_before),
      bookmarkAfter: json(r.bookmark_after),
      detail: json(r.detail),
      ...(r.error ? { error: String(r.error) } : {}),
    }));
  }
}

export class EventLog {
  constructor(private readonly db: Db) {}

  append(event: PipelineEvent): void {
    this.db.prepare('INSERT INTO events (at, type, payload) VALUES (?, ?, ?)').run(Date.now(), event.type, JSON.stringify(event));
  }

  /** Newest first; optionally only some types, or only events about one table (`final.orders`). */
  recent(limit = 100, filter: { types?: readonly string[]; table?: string } = {}): { id: number; at: number; type: string; payload: PipelineEvent }[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.types?.length) {
      where.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
      params.push(...filter.types);
    }
    if (filter.table) {
      where.push(`json_extract(payload, '$.table') = ?`);
      params.push(filter.table);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, limit) as { id: number; at: number; type: string; payload: string }[]).map((r) => ({
      ...r,
      payload: JSON.parse(r.payload),
    }));
  }
}

export interface RunLogLine {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
  run: number;
}

/** The log lines of each run, kept with it so the operations pages can show them. */
export class RunLogs {
  constructor(private readonly db: Db) {}

  add(runId: number, level: RunLogLine['level'], message: string, fields: Record<string, unknown> = {}): void {
    let text = JSON.stringify(fields);
    if (text.length > 8192) text = JSON.stringify({ truncated: text.slice(0, 8000) });
    this.db
      .prepare('INSERT INTO run_logs (run_id, at, level, message, fields) VALUES (?, ?, ?, ?, ?)')
      .run(runId, Date.now(), level, message.slice(0, 4000), text);
  }

  forRuns(runIds: readonly number[]): RunLogLine[] {
    if (runIds.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM run_logs WHERE run_id IN (${runIds.map(() => '?').join(', ')}) ORDER BY id`).all(...runIds) as {
      run_id: number;
      at: number;
      level: RunLogLine['level'];
      message: string;
      fields: string;
    }[];
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), level: r.level, message: r.message, fields: JSON.parse(r.fields), run: r.run_id }));
  }
}
