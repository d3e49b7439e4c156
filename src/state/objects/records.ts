/**
 * Reports and job-run records kept as JSON objects in a zone, for runtimes
 * with no state database beside them (a Lambda keeps them in the quarantine
 * bucket). Keys start with `.sluice/`, a hidden name: listings of the zone
 * for data never show them.
 *
 * - A report is `.sluice/reports/<raw key>.json`, replaced by the newest
 *   version's.
 * - A job run is `.sluice/job-runs/<job>/<id>.json`; the id is the start time
 *   in microseconds plus a random part, so ids increase and sort as text
 *   (fixed width), and two runs starting at once do not collide.
 */
import { randomInt } from 'node:crypto';
import type { JobRunEnd, JobRunLog, JobRunRecord, ReportStore } from '../../stages/ports.js';
import type { ObjectStore } from '../../storage/object-store.js';

const PREFIX = '.sluice';

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  if (!(await store.head(key))) return undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const c of await store.get(key)) chunks.push(c as Buffer);
  } catch {
    // Removed between the look and the read.
    return undefined;
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

export class ObjectStoreReports implements ReportStore {
  constructor(private readonly store: ObjectStore) {}

  async save(rawKey: string, sha256: string, report: unknown): Promise<void> {
    await this.store.put(`${PREFIX}/reports/${rawKey}.json`, JSON.stringify({ sha256, report }));
  }

  get(rawKey: string): Promise<{ sha256: string; report: unknown } | undefined> {
    return readJson(this.store, `${PREFIX}/reports/${rawKey}.json`);
  }
}

export class ObjectStoreJobRuns implements JobRunLog {
  /** The job of each run this process started: a run is finished where it started. */
  private readonly jobs = new Map<number, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => number = Date.now,
  ) {}

  private keyOf(job: string, id: number): string {
    return `${PREFIX}/job-runs/${job}/${String(id).padStart(19, '0')}.json`;
  }

  async start(job: string, mode: JobRunRecord['mode'], trigger: string, bookmarkBefore: unknown): Promise<number> {
    const startedAt = this.now();
    const id = startedAt * 1000 + randomInt(1000);
    const record: JobRunRecord = {
      id,
      job,
      mode,
      trigger,
      status: 'running',
      startedAt,
      inputs: 0,
      rowsRead: 0,
      rowsWritten: 0,
      filesWritten: 0,
      filesRemoved: 0,
      bookmarkBefore,
    };
    await this.store.put(this.keyOf(job, id), JSON.stringify(record));
    this.jobs.set(id, job);
    return id;
  }

  async finish(id: number, end: JobRunEnd): Promise<void> {
    const job = this.jobs.get(id);
    const key = job ? this.keyOf(job, id) : await this.keyOfRun(id);
    const record = key && (await readJson<JobRunRecord>(this.store, key));
    if (!key || !record) return;
    await this.store.put(key, JSON.stringify({ ...record, ...end, finishedAt: this.now() }));
    this.jobs.delete(id);
  }

  async list(job: string, limit = 20): Promise<JobRunRecord[]> {
    const keys: string[] = [];
    for await (const o of this.store.list(`${PREFIX}/job-runs/${job}/`)) keys.push(o.key);
    const out: JobRunRecord[] = [];
    for (const key of keys.sort().reverse().slice(0, limit)) {
      const record = await readJson<JobRunRecord>(this.store, key);
      if (record) out.push(record);
    }
    return out;
  }

  /** The key of run `id` when another process started it: the job is not in the id, so it is looked for. */
  private async keyOfRun(id: number): Promise<string | undefined> {
    const name = `${String(id).padStart(19, '0')}.json`;
    for await (const o of this.store.list(`${PREFIX}/job-runs/`)) if (o.key.endsWith(`/${name}`)) return o.key;
    return undefined;
  }
}
