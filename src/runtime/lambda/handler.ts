/**
 * The Lambda entry for new raw objects: S3 event notifications (direct,
 * through SQS, or through EventBridge) and a scheduled sweep. It only
 * translates, as hono's Lambda adapter does: the event becomes raw keys
 * (events.ts), each key's current version is queued as a preprocess run, and
 * the queue is worked with the same code as the local workers (`workRun`,
 * `stages/execute.ts`, the chain's rules) until it is empty or the
 * invocation's time runs short.
 *
 * - Duplicate deliveries change nothing: a run is keyed by (stage, key,
 *   content hash), so the same object again queues nothing new. In the
 *   deployed function (`hooks.noteOnce`, Powertools idempotency) a repeat
 *   delivery of a (bucket, key, version) returns before it reads the object
 *   or touches the run queue.
 * - A malformed event, a refused key or an object gone before it was read is
 *   logged with its reason and not retried (a retry could only fail the same
 *   way); a file that cannot be processed ends in quarantine through the
 *   stages, as locally.
 * - An object over `defaults.maxFileBytes` is never read: its size comes
 *   from a HEAD, its run is keyed by its ETag and size instead of a content
 *   hash (which would mean reading it), and the preprocess stage quarantines
 *   it (a copy made inside S3) with a reason naming its size and the limit.
 *   Within an invocation an object's hash is computed once (it is read once
 *   more to be processed).
 * - From SQS, a message whose object could not be read or queued (S3 or the
 *   state store failing after the SDK's retries) is reported as a batch item
 *   failure, so SQS delivers that one again and not the whole batch. The
 *   messages whose runs were queued are done: the runs are durable, and if
 *   the queue cannot be worked now (the state store still failing), that is
 *   logged and the runs are left to the next invocation or the sweep.
 * - Errors are logged by name and code, never with credentials; an error
 *   that ends the invocation leaves with any credential in its text redacted
 *   (the Lambda runtime logs it).
 * - Runs left for a retry (their delay not yet over) or by an invocation that
 *   timed out are taken by the next invocation, or by the scheduled sweep.
 * - Scratch space is a fresh folder under /tmp per invocation, removed after
 *   it, errors or not.
 * - `hooks` (powertools.ts in the deployed function) see each invocation
 *   begin and end (errors or not), each object queued and each run ended;
 *   the stages know nothing of them.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { errorMessage, SluiceError } from '../../core/errors.js';
import { preprocessRun } from '../../stages/chain.js';
import type { Logger, StageDeps } from '../../stages/deps.js';
import type { RunDeps } from '../../stages/execute.js';
import type { EventSink, JobRunLog, ReportStore, RunQueue } from '../../stages/ports.js';
import { type Run, STAGES } from '../../stages/runs.js';
import { LEASE_MS, type RunEnd, workRun } from '../../stages/work-run.js';
import type { S3Location } from '../../storage/s3/s3-object-store.js';
import { redactCredentials } from '../logger.js';
import { InvalidEventError, isSqsBatch, parseObjectEvents, type RawObjectCreated } from './events.js';

/** What the handler works with: the raw zone's bucket and prefix, and the ports (with the catalog mode and a job launcher, when jobs run elsewhere). */
export interface LambdaPorts extends Omit<StageDeps, 'tmpDir' | 'log' | 'faults'>, Pick<RunDeps, 'catalogMode' | 'jobLauncher'> {
  raw: S3Location;
  queue: RunQueue;
  events: EventSink;
  reports: ReportStore;
  jobRuns: JobRunLog;
  log: Logger;
  /** What the deployed function adds around the pipeline (logs' request context, metrics, idempotency); absent, the handler works alone. */
  hooks?: InvocationHooks;
}

/** The invocation's context as the handler uses it; Lambda passes the whole `Context`. */
export type LambdaContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'> & Partial<Context>;

/**
 * What became of one raw object: a new run was queued; the run queue knew
 * its content already; or (with `noteOnce`) an earlier delivery of the same
 * version noted it.
 */
export type Noted = { outcome: 'queued' | 'known' | 'repeat' };

/** Notes one raw object: queues the preprocess run of its current version. */
export type NoteObject = (o: RawObjectCreated) => Promise<Noted>;

export interface InvocationHooks {
  /** First in every invocation, once the ports are ready. */
  begin(context?: LambdaContext): void;
  /** Last in every invocation, errors or not. */
  end(): void;
  /** `note` run at most once per (bucket, key, version); a repeat returns `{ outcome: 'repeat' }` without calling it. */
  noteOnce?(note: NoteObject, raw: S3Location): NoteObject;
  /** A raw object's run was queued (not a repeat, not known already). */
  queued(o: RawObjectCreated): void;
  /** A run this invocation worked ended, after `ms`; `end` is undefined when working it threw (the invocation fails). */
  runEnded(run: Run, end: RunEnd | undefined, ms: number): void;
}

/** The object an event named was removed before it was read: a skip, and no record of having noted it (a new object at that key has its own event). */
class ObjectGoneError extends SluiceError {
  constructor(readonly location: string) {
    super(`${location} was removed before it was read`);
    this.name = 'ObjectGoneError';
  }
}

export interface HandlerResult {
  /** Raw keys queued by this invocation (a duplicate delivery queues none). */
  queued: string[];
  skipped: { reason: string; refused?: boolean }[];
  /** Runs this invocation worked, by how they ended. */
  runs: { completed: number; retrying: number; failed: number; lost: number };
  /** Whether queued work was left for the next invocation (time ran short). */
  leftover: boolean;
}

/** Time kept back at the end of an invocation: a run is not started with less than this left. */
const RESERVE_MS = 60_000;

/** A handler over the ports `compose` makes once per container (a warm container keeps its clients). */
export function createHandler(compose: () => Promise<LambdaPorts>) {
  let ports: Promise<LambdaPorts> | undefined;
  return async (event: unknown, context?: LambdaContext): Promise<HandlerResult & Partial<SQSBatchResponse>> => {
    ports ??= compose().catch((err) => {
      ports = undefined;
      throw err;
    });
    const p = await ports;
    const tmpDir = path.join(os.tmpdir(), `sluice-${context?.awsRequestId ?? randomBytes(6).toString('hex')}`);
    p.hooks?.begin(context);
    try {
      return await handle(event, p, tmpDir, context);
    } catch (err) {
      throw redactError(err);
    } finally {
      await fs.rm(tmpDir, { recursive: true, force: true });
      p.hooks?.end();
    }
  };
}

async function handle(event: unknown, p: LambdaPorts, tmpDir: string, context?: LambdaContext) {
  const result: HandlerResult & { batchItemFailures?: { itemIdentifier: string }[] } = {
    queued: [],
    skipped: [],
    runs: { completed: 0, retrying: 0, failed: 0, lost: 0 },
    leftover: false,
  };
  if (isSqsBatch(event)) result.batchItemFailures = [];
  let objects: RawObjectCreated[] = [];
  if (!isScheduledSweep(event)) {
    try {
      const parsed = parseObjectEvents(event, p.raw);
      objects = parsed.objects;
      for (const s of parsed.skipped) {
        if (s.refused) p.log.error('event record refused', { reason: s.reason, messageId: s.messageId });
        else p.log.info('event record skipped', { reason: s.reason, messageId: s.messageId });
        result.skipped.push({ reason: s.reason, ...(s.refused ? { refused: true } : {}) });
      }
    } catch (err) {
      // Retrying a malformed event fails the same way: log it and end.
      if (!(err instanceof InvalidEventError)) throw err;
      p.log.error('event refused', { reason: err.message });
      result.skipped.push({ reason: err.message, refused: true });
      return result;
    }
  }
  const versionOf = rawVersions(p);
  const note = p.hooks?.noteOnce?.(noteObject(p, versionOf), p.raw) ?? noteObject(p, versionOf);
  for (const o of objects) {
    try {
      const { outcome } = await note(o);
      if (outcome === 'queued') {
        result.queued.push(o.key);
        p.hooks?.queued(o);
      } else if (outcome === 'repeat') {
        const reason = `s3://${o.bucket}/${p.raw.prefix}${o.key} (version ${o.version}) was noted by an earlier delivery`;
        p.log.info('repeat delivery', { key: o.key, version: o.version, messageId: o.messageId });
        result.skipped.push({ reason });
      }
    } catch (err) {
      if (err instanceof ObjectGoneError) {
        p.log.warn('raw object gone before it was read', { key: o.key });
        result.skipped.push({ reason: err.message });
        continue;
      }
      p.log.error('raw object not queued', { key: o.key, error: errorMessage(err) });
      if (o.messageId && result.batchItemFailures) result.batchItemFailures.push({ itemIdentifier: o.messageId });
      else throw err;
    }
  }
  try {
    await workQueue(p, tmpDir, result, versionOf, context);
  } catch (err) {
    // From SQS, what was queued is durable: report the batch's failed items, and leave the runs to the next invocation.
    if (!result.batchItemFailures) throw err;
    p.log.error('queue not worked; its runs are left to the next invocation', { error: errorMessage(err) });
    result.leftover = true;
  }
  return result;
}

/** Queue the preprocess run of the object's current version, and say so in an `object.created` event when it is new. */
function noteObject(p: LambdaPorts, versionOf: (key: string) => Promise<RawVersion | undefined>): NoteObject {
  return async (o) => {
    const stat = await versionOf(o.key);
    if (!stat) throw new ObjectGoneError(`s3://${p.raw.bucket}/${p.raw.prefix}${o.key}`);
    const { created } = await p.queue.enqueue(preprocessRun(o.key, stat.sha256));
    if (!created) return { outcome: 'known' };
    await p.events.append({ type: 'object.created', zone: 'raw', key: o.key, hash: stat.sha256, size: stat.size, source: 's3' });
    return { outcome: 'queued' };
  };
}

type RawVersion = { sha256: string; tag: string; size: number };

/**
 * A raw object's version as its runs are keyed: its content hash, or, for an
 * object over `defaults.maxFileBytes`, a digest of its ETag and size (it is
 * never read, so its content hash is never known). Each object version is
 * hashed once per invocation.
 */
function rawVersions(p: LambdaPorts): (key: string) => Promise<RawVersion | undefined> {
  const known = new Map<string, RawVersion>();
  return async (key) => {
    const info = await p.zones.raw.head(key);
    if (!info) return undefined;
    const seen = known.get(key);
    if (seen?.tag === info.tag) return seen;
    let version: RawVersion | undefined;
    if (info.size > p.config.defaults.maxFileBytes) {
      const sha256 = createHash('sha256').update(`sluice oversize object\0${info.tag}\0${info.size}`).digest('hex');
      version = { sha256, tag: info.tag, size: info.size };
    } else {
      const stat = await p.zones.raw.stat(key);
      version = stat && { sha256: stat.sha256, tag: stat.tag, size: stat.size };
    }
    if (version) known.set(key, version);
    return version;
  };
}

/** An error leaving the handler, with any credential in its message and stack, and its causes', redacted (in place). */
function redactError(err: unknown): unknown {
  for (let e = err; e instanceof Error; e = e.cause) {
    e.message = redactCredentials(e.message);
    if (e.stack) e.stack = redactCredentials(e.stack);
  }
  return err;
}

function isScheduledSweep(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

/** Claim and work runs until none is runnable, or until the invocation's time runs short. */
async function workQueue(
  p: LambdaPorts,
  tmpDir: string,
  result: HandlerResult,
  versionOf: (key: string) => Promise<RawVersion | undefined>,
  context?: LambdaContext,
): Promise<void> {
  const owner = `lambda:${context?.awsRequestId ?? randomBytes(6).toString('hex')}`;
  const timeLeft = () => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
  const deps: RunDeps = {
    ...p,
    tmpDir,
    rawVersion: versionOf,
    // The newer version's own event queues it.
    rawChanged: async () => {},
  };
  for (;;) {
    if (timeLeft() < Math.min(RESERVE_MS, LEASE_MS)) {
      result.leftover = (await p.queue.pendingCount()) > 0;
      return;
    }
    const run = await p.queue.claim(owner, LEASE_MS, STAGES);
    if (!run) return;
    const started = Date.now();
    let end: RunEnd | undefined;
    try {
      end = await workRun(run, { queue: p.queue, owner, deps, log: p.log });
    } finally {
      p.hooks?.runEnded(run, end, Date.now() - started);
    }
    result.runs[end.outcome]++;
  }
}
