/** What every command gets: its arguments, the project folder, and output. */

import { setTimeout as sleep } from 'node:timers/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import type { Pipeline } from '../runtime/local/pipeline.js';
import { stateFileOf } from '../runtime/project.js';
import type { FileOutcome } from '../stages/chain.js';
import { moveCorruptStateDbAside } from '../state/database.js';
import { fileOutcome } from '../views/status.js';
import type { Output } from './output.js';

export interface CommandContext {
  args: string[];
  dir: string;
  /** Whether --dir was given (the demo defaults to ./demo instead of the current folder). */
  dirGiven: boolean;
  output: Output;
}

export type Command = (ctx: CommandContext) => Promise<number>;

/** parseArgs with usage errors that say which flag was wrong and where to look. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.split('\n')[0]} (see \`sluice ${command} --help\`)`);
  }
}

export function describeOutcome(o: FileOutcome): string {
  switch (o.state) {
    case 'done':
      return `done: ${o.rowsWritten} rows in ${o.table}${o.rowsRejected ? `, ${o.rowsRejected} rows rejected` : ''}${o.rejectedCells ? `, ${o.rejectedCells} cells rejected` : ''}${o.duplicates ? `, ${o.duplicates} duplicates dropped` : ''}${o.identicalKept ? `, ${o.identicalKept} identical rows kept (no column identifies a row; see the report)` : ''}${o.jobs?.length ? `; read by job${o.jobs.length > 1 ? 's' : ''} ${o.jobs.join(', ')}` : ''}`;
    case 'quarantined':
      return `quarantined: ${o.reason}`;
    case 'failed':
      return `failed in ${o.stage}: ${o.error}`;
    case 'superseded':
      return 'superseded by a newer version of the same key';
    default:
      return `pending${o.stage ? ` (${o.stage})` : ''}`;
  }
}

/**
 * Work the queue in this process until each file version has passed every
 * stage or stopped (a `sluice start` on the same folder may do some of the
 * runs; the state database keeps us from doing them twice).
 */
export async function waitForFiles(
  pipeline: Pipeline,
  files: { key: string; sha256: string }[],
  onProgress?: (outcomes: ReadonlyMap<string, FileOutcome>) => void,
): Promise<Map<string, FileOutcome>> {
  const p = pipeline.project;
  await p.queue.reapDeadOwners();
  for (;;) {
    const outcomes = new Map<string, FileOutcome>();
    for (const f of files) outcomes.set(f.key, await fileOutcome(p, f.key, f.sha256));
    onProgress?.(outcomes);
    // A file whose table feeds jobs has passed every stage once the jobs it set off have run.
    const jobsPending = [...outcomes.values()].some((o) => o.state === 'done' && o.jobs?.length) && (await p.queue.pendingCount('job')) > 0;
    if ([...outcomes.values()].every((o) => o.state !== 'pending') && !jobsPending) return outcomes;
    if (!(await pipeline.workOne())) {
      await p.queue.reapDeadOwners();
      await sleep(100);
    }
  }
}

/**
 * `--rebuild-state` (start and run, the commands that scan raw): a damaged
 * state database is moved aside, kept, and rebuilt from the raw zone by the
 * scan. A sound one is left alone and the command goes on as usual, so a
 * service definition can keep the flag for unattended recovery.
 */
export function rebuildStateIfCorrupt(dir: string, output: Output): void {
  const file = stateFileOf(dir);
  const moved = moveCorruptStateDbAside(file);
  if (moved) {
    output.err(
      `sluice: the state database ${file} was corrupt (${moved.detail}); moved it aside to ${moved.movedTo} and rebuilding the state from the raw zone\n`,
    );
  } else {
    output.err(`sluice: --rebuild-state: the state database ${file} is sound; nothing was moved\n`);
  }
}
