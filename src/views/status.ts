/**
 * Where files stand, as `sluice status` and the operations pages show it:
 * each raw file's outcome and stages, a file's report, runs, logs and
 * rejected rows, and the recent runs of every stage.
 */
import { parseRecords } from '../core/dialect.js';
import { NotFoundError } from '../core/errors.js';
import { rejectsKeyFor } from '../core/keys.js';
import { chainOutcome, type FileOutcome } from '../stages/chain.js';
import type { Run } from '../stages/runs.js';
import type { ReadContext } from './context.js';

export interface FileStatus {
  key: string;
  sha256: string;
  size: number;
  seenAt: string;
  outcome: FileOutcome;
  /** Each stage the file's current version went through, with its time. */
  stages: { stage: string; status: string; durationMs: number | null }[];
}

export async function fileStatuses(ctx: ReadContext): Promise<FileStatus[]> {
  const out: FileStatus[] = [];
  for (const o of await ctx.rawObjects.all()) {
    const runs = await ctx.queue.chain(o.key, o.sha256);
    out.push({
      key: o.key,
      sha256: o.sha256,
      size: o.size,
      seenAt: new Date(o.seenAt).toISOString(),
      outcome: chainOutcome(runs, await reportOf(ctx, o.key, o.sha256)),
      stages: runs.map((r) => ({ stage: r.stage, status: r.status, durationMs: runView(r).durationMs })),
    });
  }
  return out;
}

/** Where one version of a raw file stands in the pipeline. */
export async function fileOutcome(ctx: Pick<ReadContext, 'queue' | 'reports'>, rawKey: string, sha256: string): Promise<FileOutcome> {
  return chainOutcome(await ctx.queue.chain(rawKey, sha256), await reportOf(ctx, rawKey, sha256));
}

/** A run as the CLI and API show it: times as ISO text, with its duration once finished. */
function runView(r: Run) {
  return {
    id: r.id,
    stage: r.stage,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    startedAt: r.startedAt ? new Date(r.startedAt).toISOString() : null,
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.startedAt && r.finishedAt ? r.finishedAt - r.startedAt : null,
    error: r.error ?? null,
  };
}

/** Recent runs of every stage, newest first, for the operations page. */
export async function recentRuns(ctx: ReadContext, limit = 200) {
  return (await ctx.queue.list({ limit })).map(runView);
}

const REJECTS_SHOWN = 200;

/** The first rows of a raw file's rejects CSV (kind, line, column, value, reason), or null when it has none. */
async function rejectsOf(ctx: ReadContext, rawKey: string): Promise<{ header: string[]; rows: string[][]; truncated: boolean } | null> {
  const key = rejectsKeyFor(rawKey);
  if (!(await ctx.zones.quarantine.head(key))) return null;
  // Only the start of the file is read: enough for the rows shown.
  let text = '';
  const stream = await ctx.zones.quarantine.get(key);
  for await (const chunk of stream) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > 512 * 1024) break;
  }
  stream.destroy();
  const records = parseRecords(text, ',', '"', false, REJECTS_SHOWN + 2);
  const [header = [], ...rows] = records;
  return { header, rows: rows.slice(0, REJECTS_SHOWN), truncated: rows.length > REJECTS_SHOWN || text.length > 512 * 1024 };
}

/** The report of one version of a raw file, if it is that version's. */
async function reportOf(ctx: Pick<ReadContext, 'reports'>, key: string, sha256: string) {
  const r = await ctx.reports.get(key);
  return r && r.sha256 === sha256
    ? (r.report as { rows?: Record<string, number>; rejectedCells?: number; duplicates?: { identical?: number; dropped?: number } })
    : undefined;
}

export async function fileDetail(ctx: ReadContext, key: string) {
  const report = await fileReport(ctx, key);
  return {
    ...report,
    logs: await ctx.runLogs.forRuns(report.runs.map((r) => r.id)),
    rejects: await rejectsOf(ctx, key),
  };
}

export async function fileReport(ctx: ReadContext, key: string) {
  const obj = await ctx.rawObjects.get(key);
  if (!obj) throw new NotFoundError('raw file', key, `no raw file "${key}" is known; see \`sluice status\` for the keys`);
  const runs = await ctx.queue.chain(key, obj.sha256);
  return {
    key,
    sha256: obj.sha256,
    size: obj.size,
    outcome: chainOutcome(runs, await reportOf(ctx, key, obj.sha256)),
    report: (await ctx.reports.get(key))?.report ?? null,
    runs: runs.map((r) => ({ ...runView(r), result: r.result })),
  };
}
