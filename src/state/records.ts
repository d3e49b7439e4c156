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
  updatedAt: number;
}

export class Bookmarks {
  constructor(private readonly db: Db) {}

  get(job: string, inputKey: string): Bookmark | undefined {
    const row = this.db.prepare('SELECT * FROM bookmarks WHERE job = ? AND input_key = ?').get(job, inputKey) as
      | { input_key: string; input_hash: string; output_key: string; updated_at: number }
      | undefined;
    return row && { inputKey: row.input_key, inputHash: row.input_hash, outputKey: row.output_key, updatedAt: row.updated_at };
  }

  set(job: string, b: Omit<Bookmark, 'updatedAt'>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO bookmarks (job, input_key, input_hash, output_key, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(job, b.inputKey, b.inputHash, b.outputKey, Date.now());
  }

  remove(job: string, inputKey: string): void {
    this.db.prepare('DELETE FROM bookmarks WHERE job = ? AND input_key = ?').run(job, inputKey);
  }

  list(job: string): Bookmark[] {
    return (
      this.db.prepare('SELECT * FROM bookmarks WHERE job = ? ORDER BY input_key').all(job) as {
        input_key: string;
        input_hash: string;
        output_key: string;
        updated_at: number;
      }[]
    ).map((r) => ({ inputKey: r.input_key, inputHash: r.input_hash, outputKey: r.output_key, updatedAt: r.updated_at }));
  }

  reset(job: string): number {
    return this.db.prepare('DELETE FROM bookmarks WHERE job = ?').run(job).changes;
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
