/** Smaller state tables on the state database: raw objects seen, per-file reports, job bookmarks and runs, events, run logs. */
import type { PipelineEvent } from '../core/events.js';
import type {
  Bookmark,
  BookmarkEdit,
  BookmarkEntry,
  BookmarkStore,
  EventLog,
  JobRunEnd,
  JobRunLog,
  JobRunRecord,
  LoggedEvent,
  RawObjectIndex,
  ReportStore,
  RunLogLine,
  RunLogReader,
} from '../stages/ports.js';
import type { Db } from './database.js';

export class RawObjects implements RawObjectIndex {
  constructor(private readonly db: Db) {}

  /** The hash recorded for a key if its change tag is unchanged (saves re-reading the file). */
  knownHash(key: string, tag: string): string | undefined {
    const row = this.db.prepare('SELECT sha256 FROM raw_objects WHERE key = ? AND tag = ?').get(key, tag) as { sha256: string } | undefined;
    return row?.sha256;
  }

  record(key: string, tag: string, sha256: string, size: number): void {
    this.db.prepare('INSERT OR REPLACE INTO raw_objects (key, tag, sha256, size, seen_at) VALUES (?, ?, ?, ?, ?)').run(key, tag, sha256, size, Date.now());
  }

  async all(): Promise<{ key: string; sha256: string; size: number; seenAt: number }[]> {
    return (
      this.db.prepare('SELECT key, sha256, size, seen_at FROM raw_objects ORDER BY key').all() as {
        key: string;
        sha256: string;
        size: number;
        seen_at: number;
      }[]
    ).map((r) => ({ key: r.key, sha256: r.sha256, size: r.size, seenAt: r.seen_at }));
  }

  async get(key: string): Promise<{ sha256: string; size: number } | undefined> {
    return this.db.prepare('SELECT sha256, size FROM raw_objects WHERE key = ?').get(key) as { sha256: string; size: number } | undefined;
  }
}

export class SqliteReports implements ReportStore {
  constructor(private readonly db: Db) {}

  async save(rawKey: string, sha256: string, report: unknown): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO reports (raw_key, sha256, report, created_at) VALUES (?, ?, ?, ?)')
      .run(rawKey, sha256, JSON.stringify(report), Date.now());
  }

  async get(rawKey: string): Promise<{ sha256: string; report: unknown } | undefined> {
    const row = this.db.prepare('SELECT sha256, report FROM reports WHERE raw_key = ?').get(rawKey) as { sha256: string; report: string } | undefined;
    return row && { sha256: row.sha256, report: JSON.parse(row.report) };
  }
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

/** The bookmark port on the state database. `applyNow` lets the catalog move bookmarks inside its own transaction. */
export class SqliteBookmarks implements BookmarkStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async get(job: string, inputKey: string): Promise<Bookmark | undefined> {
    const row = this.db.prepare('SELECT * FROM bookmarks WHERE job = ? AND input_key = ?').get(job, inputKey) as BookmarkRow | undefined;
    return row && toBookmark(row);
  }

  async set(job: string, b: BookmarkEntry): Promise<void> {
    this.applyNow({ job, set: [b] });
  }

  async remove(job: string, inputKey: string): Promise<void> {
    this.applyNow({ job, remove: [inputKey] });
  }

  async list(job: string): Promise<Bookmark[]> {
    return (this.db.prepare('SELECT * FROM bookmarks WHERE job = ? ORDER BY input_key').all(job) as BookmarkRow[]).map(toBookmark);
  }

  async reset(job: string): Promise<number> {
    return this.db.prepare('DELETE FROM bookmarks WHERE job = ?').run(job).changes;
  }

  async invalidate(job: string): Promise<number> {
    return this.db.prepare(`UPDATE bookmarks SET input_hash = '' WHERE job = ?`).run(job).changes;
  }

  /** Removals first, then sets, synchronously: in the caller's transaction when there is one. */
  applyNow(edit: BookmarkEdit): void {
    const del = this.db.prepare('DELETE FROM bookmarks WHERE job = ? AND input_key = ?');
    for (const key of edit.remove ?? []) del.run(edit.job, key);
    const put = this.db.prepare('INSERT OR REPLACE INTO bookmarks (job, input_key, input_hash, output_key, outputs, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const b of edit.set ?? []) put.run(edit.job, b.inputKey, b.inputHash, b.outputKey, JSON.stringify(b.outputs ?? []), this.now());
  }
}

/** The history of transform job runs: what each read and wrote, and its bookmark before and after. */
export class SqliteJobRuns implements JobRunLog {
  constructor(private readonly db: Db) {}

  async start(job: string, mode: JobRunRecord['mode'], trigger: string, bookmarkBefore: unknown): Promise<number> {
    return Number(
      this.db
        .prepare(`INSERT INTO job_runs (job, mode, trigger, status, started_at, bookmark_before) VALUES (?, ?, ?, 'running', ?, ?)`)
        .run(job, mode, trigger, Date.now(), JSON.stringify(bookmarkBefore)).lastInsertRowid,
    );
  }

  async finish(id: number, r: JobRunEnd): Promise<void> {
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

  async list(job: string, limit = 20): Promise<JobRunRecord[]> {
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

export class SqliteEventLog implements EventLog {
  constructor(private readonly db: Db) {}

  async append(event: PipelineEvent): Promise<void> {
    this.db.prepare('INSERT INTO events (at, type, payload) VALUES (?, ?, ?)').run(Date.now(), event.type, JSON.stringify(event));
  }

  /** Newest first; optionally only some types, or only events about one table (`final.orders`). */
  async recent(limit = 100, filter: { types?: readonly string[]; table?: string } = {}): Promise<LoggedEvent[]> {
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

/** A run's log line with where it belongs: the line's id (to read on from), its run's stage and subject, and the raw file of the run's chain. */
export interface LoggedRunLine extends RunLogLine {
  id: number;
  stage?: string;
  subject?: string;
  file?: string;
}

/** The log lines of each run, kept with it so the operations pages can show them. */
export class RunLogs implements RunLogReader {
  constructor(private readonly db: Db) {}

  add(runId: number, level: RunLogLine['level'], message: string, fields: Record<string, unknown> = {}): void {
    let text = JSON.stringify(fields);
    if (text.length > 8192) text = JSON.stringify({ truncated: text.slice(0, 8000) });
    this.db
      .prepare('INSERT INTO run_logs (run_id, at, level, message, fields) VALUES (?, ?, ?, ?, ?)')
      .run(runId, Date.now(), level, message.slice(0, 4000), text);
  }

  /**
   * Log lines newest last, with their run's stage and subject: the last
   * `limit` lines, or (with `after`) the lines written since that line id;
   * for one run, or for every run of one raw file's chain (its root key).
   */
  lines(filter: { after?: number; run?: number; file?: string; limit?: number } = {}): LoggedRunLine[] {
    const where: string[] = [];
    const params: (number | string)[] = [];
    if (filter.after !== undefined) {
      where.push('l.id > ?');
      params.push(filter.after);
    }
    if (filter.run !== undefined) {
      where.push('l.run_id = ?');
      params.push(filter.run);
    }
    if (filter.file !== undefined) {
      where.push('r.root_key = ?');
      params.push(filter.file);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT l.id, l.run_id, l.at, l.level, l.message, l.fields, r.stage, r.subject, r.root_key
           FROM run_logs l LEFT JOIN runs r ON r.id = l.run_id
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l.id DESC LIMIT ?
         ) ORDER BY id`,
      )
      .all(...params, filter.limit ?? 100) as {
      id: number;
      run_id: number;
      at: number;
      level: RunLogLine['level'];
      message: string;
      fields: string;
      stage: string | null;
      subject: string | null;
      root_key: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      level: r.level,
      message: r.message,
      fields: JSON.parse(r.fields),
      run: r.run_id,
      stage: r.stage ?? undefined,
      subject: r.subject ?? undefined,
      file: r.root_key ?? undefined,
    }));
  }

  async forRuns(runIds: readonly number[]): Promise<RunLogLine[]> {
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
