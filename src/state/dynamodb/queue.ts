/**
 * The run queue on DynamoDB, in the runs table (see tables.ts for its items).
 * Every state change is one conditional write or one TransactWriteItems call
 * whose conditions restate what was read before it, so two workers never
 * both claim a run, and a write planned on a stale read is refused and
 * planned again.
 *
 * - A run's item key is (stage, subject, input hash): queuing the same input
 *   again finds it with a consistent read, and a stage+subject's runs are one
 *   partition, so superseding older queued runs needs no index. A run found
 *   by id goes through its id pointer item, also a consistent read.
 * - Run ids come from an atomic counter item; they increase, and an id taken
 *   by a refused transaction is simply never used.
 * - Lock keys: each queued or running run has a member item in its lock's
 *   partition, sorted by id, and the lock's holder item names the run that
 *   holds it and until when. A claim reads the partition consistently (only
 *   the earliest member may start) and takes the holder item in the same
 *   transaction as the run, on condition that it is free, ours, or its lease
 *   ran out. Heartbeats extend both leases together; finishing or retrying
 *   releases the lock in the same transaction.
 * - `complete` finishes the run, releases its lock and queues the next runs
 *   in one transaction. DynamoDB takes at most 100 writes per transaction:
 *   3 for the run, 3 per new next run (4 per one queued again) and 2 per
 *   older run a next run supersedes.
 *   Beyond that `complete` throws a StateError and changes nothing (the run
 *   stays running under its lease, as after any failed write); the chain
 *   queues at most one next run per completion, far below that.
 * - No scans. Queued and running runs are found through the `byStatus` index
 *   (claim, pendingCount, nextWakeAt; list makes one query per status),
 *   chains through `byRoot`. On DynamoDB index reads are eventually
 *   consistent (typically well under a second behind): a run queued a moment
 *   ago may be missed by one claim and found by the next, and pendingCount,
 *   nextWakeAt, list and chain may lag a write just made. Nothing is claimed
 *   twice or against its lock, since the claim itself is a consistent read
 *   of the lock and a conditional transaction. (Queue order within a lock is
 *   id order; two enqueues racing on one lock key may take their ids in one
 *   order and land in the other.)
 * - The change mark is a second counter, bumped after each change; if a
 *   process dies between a change and its bump, the mark moves at the next
 *   change (the live page refreshes a little late, nothing else depends on it).
 * - `reapDeadOwners`: DynamoDB cannot ask a host whether a pid lives; expiring
 *   leases are the mechanism, so it returns 0.
 *
 * It is one file of about 500 lines on purpose: the item layout, each
 * transaction and the conditions that keep claims exclusive are read
 * together, and split apart each piece would need the others to make sense.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StateError } from '../../core/errors.js';
import type { RetryOptions, RunQueue } from '../../stages/ports.js';
import { type Completion, MAX_RETRY_DELAY_MS, type Run, type RunSpec, type RunStatus, type Stage, TERMINAL } from '../../stages/runs.js';
import { queryAll, type TransactItem, transactWrite, withStateErrors } from './client.js';
import { RUNS_BY_ROOT, RUNS_BY_STATUS } from './tables.js';

const ALL_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'quarantined', 'superseded'];
/** How often a write planned on a read that went stale is planned again before giving up. */
const MAX_REPLANS = 20;

interface Key {
  pk: string;
  sk: string;
}

interface RunItem extends Key {
  id: number;
  stage: Stage;
  subject: string;
  inputHash: string;
  lockKey: string;
  rootKey: string;
  rootHash: string;
  root: string;
  payload: string;
  status: RunStatus;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  notBefore: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  result: string | null;
}

interface LockItem extends Key {
  holder?: number;
  leaseUntil?: number;
}

const runPk = (stage: Stage, subject: string) => `R#${stage}#${subject}`;
const runKey = (stage: Stage, subject: string, inputHash: string): Key => ({ pk: runPk(stage, subject), sk: `H#${inputHash}` });
const pointerKey = (id: number): Key => ({ pk: `I#${id}`, sk: '-' });
const lockPk = (lockKey: string) => `L#${lockKey}`;
const memberKey = (lockKey: string, id: number): Key => ({ pk: lockPk(lockKey), sk: `Q#${String(id).padStart(16, '0')}` });
const holderKey = (lockKey: string): Key => ({ pk: lockPk(lockKey), sk: 'HOLD' });
const COUNTER: Key = { pk: 'COUNTER', sk: '-' };
const rootOf = (rootKey: string, rootHash: string) => JSON.stringify([rootKey, rootHash]);

function toRun({ pk: _pk, sk: _sk, root: _root, notBefore: _notBefore, payload, result, ...state }: RunItem): Run {
  // An item's payload is what enqueue stored for its stage, so stage and payload match.
  return { ...state, payload: JSON.parse(payload), result: result ? JSON.parse(result) : null } as Run;
}

/**
 * An update or condition in expression form: `SET` of the given attributes,
 * a condition over `#name`s and `:value`s. Every `#name` used is declared.
 */
function expression(parts: { set?: Record<string, unknown>; if?: string; values?: Record<string, unknown> }) {
  const values: Record<string, unknown> = { ...parts.values };
  const sets = Object.entries(parts.set ?? {}).map(([name, value]) => {
    values[`:set_${name}`] = value;
    return `#${name} = :set_${name}`;
  });
  const update = sets.length ? `SET ${sets.join(', ')}` : undefined;
  const text = `${update ?? ''} ${parts.if ?? ''}`;
  const names = Object.fromEntries([...text.matchAll(/#(\w+)/g)].map((m) => [`#${m[1]}`, m[1] as string]));
  return {
    ...(update ? { UpdateExpression: update } : {}),
    ...(parts.if ? { ConditionExpression: parts.if } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

/** The writes of one enqueue as planned from a consistent read. */
interface EnqueuePlan {
  id: number;
  created: boolean;
  items: TransactItem[];
}

export class DynamoRunQueue implements RunQueue {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Add to a counter of the counter item; its new value. */
  private async bump(counter: 'next' | 'mark'): Promise<number> {
    const out = await withStateErrors('UpdateItem', this.table, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: COUNTER,
          UpdateExpression: 'ADD #counter :one',
          ExpressionAttributeNames: { '#counter': counter },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(out.Attributes?.[counter]);
  }

  private transact(items: TransactItem[]): Promise<'done' | 'conflict' | number> {
    return transactWrite(this.doc, this.table, 'a change to the run queue', items);
  }

  private async getItem<T>(key: Key): Promise<T | undefined> {
    const out = await withStateErrors('GetItem', this.table, () => this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })));
    return out.Item as T | undefined;
  }

  private async findRun(id: number): Promise<RunItem | undefined> {
    const pointer = await this.getItem<Key & { runPk: string; runSk: string }>(pointerKey(id));
    if (!pointer) return undefined;
    const item = await this.getItem<RunItem>({ pk: pointer.runPk, sk: pointer.runSk });
    return item?.id === id ? item : undefined;
  }

  /** The run with this id if it is running under `owner`'s lease. */
  private async ownedRun(id: number, owner: string): Promise<RunItem | undefined> {
    const item = await this.findRun(id);
    return item?.status === 'running' && item.leaseOwner === owner ? item : undefined;
  }

  /** Every run of a stage on a subject (one partition, read consistently). */
  private runsOf(stage: Stage, subject: string): Promise<RunItem[]> {
    return queryAll<RunItem>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runPk(stage, subject) },
      ConsistentRead: true,
    });
  }

  /** Runs of one status by id (oldest first unless `newestFirst`), optionally of one stage, up to `max`. */
  private byStatus(status: RunStatus, opts: { stage?: Stage; newestFirst?: boolean; max?: number } = {}): Promise<RunItem[]> {
    return queryAll<RunItem>(
      this.doc,
      {
        TableName: this.table,
        IndexName: RUNS_BY_STATUS,
        ScanIndexForward: !opts.newestFirst,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status', ...(opts.stage ? { '#stage': 'stage' } : {}) },
        ExpressionAttributeValues: { ':status': status, ...(opts.stage ? { ':stage': opts.stage } : {}) },
        ...(opts.stage ? { FilterExpression: '#stage = :stage' } : {}),
      },
      opts.max,
    );
  }

  /** Queued and running runs, in id order. */
  private async liveRuns(stage?: Stage): Promise<RunItem[]> {
    const [queued, running] = await Promise.all([this.byStatus('queued', { stage }), this.byStatus('running', { stage })]);
    return [...queued, ...running].sort((a, b) => a.id - b.id);
  }

  private memberWrites(lockKey: string, id: number): TransactItem {
    return { Put: { TableName: this.table, Item: { ...memberKey(lockKey, id), id } } };
  }

  private pointerWrite(id: number, key: Key): TransactItem {
    return { Put: { TableName: this.table, Item: { ...pointerKey(id), runPk: key.pk, runSk: key.sk }, ...expression({ if: 'attribute_not_exists(pk)' }) } };
  }

  private memberDelete(item: RunItem): TransactItem {
    return { Delete: { TableName: this.table, Key: memberKey(item.lockKey, item.id) } };
  }

  /** Release a run's lock: its member item (unless kept), and the holder item, which must be free or the run's own. */
  private releaseWrites(item: RunItem, keepMember = false): TransactItem[] {
    return [
      ...(keepMember ? [] : [this.memberDelete(item)]),
      {
        Delete: {
          TableName: this.table,
          Key: holderKey(item.lockKey),
          ...expression({ if: 'attribute_not_exists(pk) OR #holder = :id', values: { ':id': item.id } }),
        },
      },
    ];
  }

  /** Update a run on condition that it is still the run read (same id, same status) and any further condition. */
  private runUpdate(item: RunItem, set: Partial<RunItem>, also?: { if: string; values: Record<string, unknown> }): TransactItem {
    const { UpdateExpression = '', ...rest } = expression({
      set,
      if: `#id = :was_id AND #status = :was_status${also ? ` AND (${also.if})` : ''}`,
      values: { ':was_id': item.id, ':was_status': item.status, ...also?.values },
    });
    return { Update: { TableName: this.table, Key: { pk: item.pk, sk: item.sk }, UpdateExpression, ...rest } };
  }

  /** Plan queuing one spec from what the table holds now (SQLite's enqueueInTx, as writes). */
  private async planEnqueue(spec: RunSpec, force: boolean, now: number): Promise<EnqueuePlan> {
    const runs = await this.runsOf(spec.stage, spec.subject);
    const supersede = runs
      .filter((r) => r.status === 'queued' && r.inputHash !== spec.inputHash)
      .flatMap((r) => [this.runUpdate(r, { status: 'superseded', finishedAt: now }), this.memberDelete(r)]);
    const existing = runs.find((r) => r.inputHash === spec.inputHash);
    if (existing && !(existing.status === 'superseded' || (force && TERMINAL.includes(existing.status)))) {
      return { id: existing.id, created: false, items: supersede };
    }
    const id = await this.bump('next');
    const key = runKey(spec.stage, spec.subject, spec.inputHash);
    const fresh = {
      id,
      status: 'queued' as const,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      notBefore: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      error: null,
      result: null,
      rootKey: spec.rootKey,
      rootHash: spec.rootHash,
      root: rootOf(spec.rootKey, spec.rootHash),
      payload: JSON.stringify(spec.payload ?? {}),
    };
    if (existing) {
      // A replay or a superseded input coming back: the same item, under a new id, keeping its lock key.
      return {
        id,
        created: true,
        items: [
          this.runUpdate(existing, fresh),
          { Delete: { TableName: this.table, Key: pointerKey(existing.id) } },
          this.pointerWrite(id, key),
          this.memberWrites(existing.lockKey, id),
          ...supersede,
        ],
      };
    }
    const item: RunItem = {
      ...key,
      ...fresh,
      stage: spec.stage,
      subject: spec.subject,
      inputHash: spec.inputHash,
      lockKey: spec.lockKey,
      maxAttempts: spec.maxAttempts ?? 3,
    };
    return {
      id,
      created: true,
      items: [
        { Put: { TableName: this.table, Item: item, ...expression({ if: 'attribute_not_exists(pk)' }) } },
        this.pointerWrite(id, key),
        this.memberWrites(spec.lockKey, id),
        ...supersede,
      ],
    };
  }

  /** Plan and write until the plan's reads still hold when it is written. */
  private async replan<T>(
    what: string,
    attempt: () => Promise<{ items: TransactItem[]; outcome: (written: 'done' | 'conflict' | number) => T | undefined }>,
  ): Promise<T> {
    for (let i = 0; i < MAX_REPLANS; i++) {
      const plan = await attempt();
      const outcome = plan.outcome(await this.transact(plan.items));
      if (outcome !== undefined) return outcome;
    }
    throw new StateError(`${what} kept meeting concurrent changes ${MAX_REPLANS} times in a row; try again`, `DynamoDB TransactWriteItems on ${this.table}`);
  }

  async enqueue(spec: RunSpec, force = false): Promise<{ id: number; created: boolean }> {
    const result = await this.replan(`queuing ${spec.stage} of "${spec.subject}"`, async () => {
      const plan = await this.planEnqueue(spec, force, this.now());
      return {
        items: plan.items,
        outcome: (written) => (written === 'done' ? { id: plan.id, created: plan.created, changed: plan.items.length > 0 } : undefined),
      };
    });
    if (result.changed) await this.bump('mark');
    return { id: result.id, created: result.created };
  }

  /** DynamoDB cannot tell whether another host's process lives: leases running out are the mechanism. */
  async reapDeadOwners(): Promise<number> {
    return 0;
  }

  async claim(owner: string, leaseMs: number, stages?: readonly Stage[]): Promise<Run | undefined> {
    for (let i = 0; i < MAX_REPLANS; i++) {
      const now = this.now();
      const candidates = (await this.liveRuns()).filter(
        (r) =>
          (!stages?.length || stages.includes(r.stage)) &&
          (r.status === 'queued' ? r.notBefore <= now || r.notBefore > now + MAX_RETRY_DELAY_MS : (r.leaseUntil ?? 0) < now),
      );
      let raced = false;
      for (const r of candidates) {
        const lock = await queryAll<LockItem>(this.doc, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': lockPk(r.lockKey) },
          ConsistentRead: true,
        });
        const first = lock.find((l) => l.sk.startsWith('Q#'));
        const holder = lock.find((l) => l.sk === 'HOLD');
        if (first && first.sk !== memberKey(r.lockKey, r.id).sk) continue;
        if (holder && holder.holder !== r.id && (holder.leaseUntil ?? 0) >= now) continue;
        const written = r.status === 'running' && r.attempts >= r.maxAttempts ? await this.failExhausted(r, now) : await this.take(r, owner, now, leaseMs);
        if (written === 'done') {
          await this.bump('mark');
          if (r.status === 'running' && r.attempts >= r.maxAttempts) {
            raced = true;
            break;
          }
          const claimed: RunItem = { ...r, status: 'running', leaseOwner: owner, leaseUntil: now + leaseMs, attempts: r.attempts + 1, startedAt: now };
          return toRun(claimed);
        }
        raced = true;
        break;
      }
      if (!raced) return undefined;
    }
    return undefined;
  }

  /** Claim a run: it and its lock's holder item in one transaction. */
  private take(r: RunItem, owner: string, now: number, leaseMs: number): Promise<'done' | 'conflict' | number> {
    const leaseUntil = now + leaseMs;
    return this.transact([
      this.runUpdate(
        r,
        { status: 'running', leaseOwner: owner, leaseUntil, attempts: r.attempts + 1, startedAt: now },
        r.status === 'running'
          ? { if: '#attempts = :was_attempts AND #leaseUntil < :now', values: { ':was_attempts': r.attempts, ':now': now } }
          : { if: '#attempts = :was_attempts', values: { ':was_attempts': r.attempts } },
      ),
      {
        Put: {
          TableName: this.table,
          Item: { ...holderKey(r.lockKey), holder: r.id, leaseUntil },
          ...expression({ if: 'attribute_not_exists(pk) OR #holder = :id OR #leaseUntil < :now', values: { ':id': r.id, ':now': now } }),
        },
      },
    ]);
  }

  /** A run whose lease ran out on its last attempt: failed for good, its lock released. */
  private failExhausted(r: RunItem, now: number): Promise<'done' | 'conflict' | number> {
    return this.transact([
      this.runUpdate(
        r,
        {
          status: 'failed',
          finishedAt: now,
          leaseOwner: null,
          error: `the process running this stopped ${r.attempts} times (crash or kill); not retried again`,
        },
        { if: '#attempts = :was_attempts AND #leaseUntil < :now', values: { ':was_attempts': r.attempts, ':now': now } },
      ),
      ...this.releaseWrites(r),
    ]);
  }

  async heartbeat(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const item = await this.ownedRun(id, owner);
    if (!item) return false;
    const leaseUntil = this.now() + leaseMs;
    const written = await this.transact([
      this.runUpdate(item, { leaseUntil }, { if: '#leaseOwner = :owner', values: { ':owner': owner } }),
      {
        Put: {
          TableName: this.table,
          Item: { ...holderKey(item.lockKey), holder: id, leaseUntil },
          ...expression({ if: 'attribute_not_exists(pk) OR #holder = :id', values: { ':id': id } }),
        },
      },
    ]);
    return written === 'done';
  }

  async complete(id: number, owner: string, c: Completion): Promise<boolean> {
    const ok = await this.replan(`finishing run ${id}`, async () => {
      const item = await this.ownedRun(id, owner);
      if (!item) return { items: [], outcome: () => false };
      const now = this.now();
      const items: TransactItem[] = [
        this.runUpdate(
          item,
          { status: c.status, result: c.result ? JSON.stringify(c.result) : null, error: c.error ?? null, finishedAt: now, leaseUntil: null },
          { if: '#leaseOwner = :owner', values: { ':owner': owner } },
        ),
        ...this.releaseWrites(item),
      ];
      for (const spec of c.next ?? []) items.push(...(await this.planEnqueue(spec, true, now)).items);
      // The run's own writes refused: it is no longer ours. A later write refused: a next run changed meanwhile; plan again.
      return { items, outcome: (written) => (written === 'done' ? true : typeof written === 'number' && written < 3 ? false : undefined) };
    });
    if (ok) await this.bump('mark');
    return ok;
  }

  async retryOrFail(run: Run, owner: string, error: string, delayMs: number, opts: RetryOptions = {}): Promise<'retrying' | 'failed' | 'lost'> {
    const item = await this.ownedRun(run.id, owner);
    if (!item) return 'lost';
    const last = opts.permanent === true || (!opts.uncounted && item.attempts >= item.maxAttempts);
    const now = this.now();
    const written = await this.transact([
      this.runUpdate(
        item,
        {
          status: last ? 'failed' : 'queued',
          error,
          notBefore: now + Math.min(delayMs, MAX_RETRY_DELAY_MS),
          leaseUntil: null,
          finishedAt: last ? now : null,
          // An uncounted attempt gives its attempt back.
          ...(!last && opts.uncounted ? { attempts: item.attempts - 1 } : {}),
        },
        { if: '#leaseOwner = :owner', values: { ':owner': owner } },
      ),
      // A retry keeps its place in its lock's queue: later runs of the lock wait for it.
      ...this.releaseWrites(item, !last),
    ]);
    if (written !== 'done') return 'lost';
    await this.bump('mark');
    return last ? 'failed' : 'retrying';
  }

  async get(id: number): Promise<Run | undefined> {
    const item = await this.findRun(id);
    return item && toRun(item);
  }

  async latest<S extends Stage>(stage: S, subject: string): Promise<Run<S> | undefined> {
    const newest = (await this.runsOf(stage, subject)).sort((a, b) => b.id - a.id)[0];
    return newest && (toRun(newest) as Run<S>);
  }

  async chain(rootKey: string, rootHash: string): Promise<Run[]> {
    const items = await queryAll<RunItem>(this.doc, {
      TableName: this.table,
      IndexName: RUNS_BY_ROOT,
      KeyConditionExpression: '#root = :root',
      ExpressionAttributeNames: { '#root': 'root' },
      ExpressionAttributeValues: { ':root': rootOf(rootKey, rootHash) },
    });
    return items.map(toRun);
  }

  async list(opts: { status?: RunStatus; stage?: Stage; limit?: number } = {}): Promise<Run[]> {
    const limit = opts.limit ?? 1000;
    const statuses = opts.status ? [opts.status] : ALL_STATUSES;
    const found = await Promise.all(statuses.map((status) => this.byStatus(status, { stage: opts.stage, newestFirst: true, max: limit })));
    return found
      .flat()
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map(toRun);
  }

  async pendingCount(stage?: Stage): Promise<number> {
    return (await this.liveRuns(stage)).length;
  }

  async nextWakeAt(): Promise<number | undefined> {
    const times = (await this.liveRuns()).map((r) => (r.status === 'queued' ? r.notBefore : (r.leaseUntil ?? 0)));
    return times.length ? Math.min(...times) : undefined;
  }

  async changeMark(): Promise<string> {
    const counter = await this.getItem<{ next?: number; mark?: number }>(COUNTER);
    return `${counter?.next ?? 0}:${counter?.mark ?? 0}`;
  }
}
