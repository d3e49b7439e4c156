/**
 * Fault points for tests: a test names a point where the process dies, as a
 * crash would (SLUICE_CRASH_AT), or where it waits, the first time it gets
 * there, until the file SLUICE_PAUSE_FILE it writes is removed
 * (SLUICE_PAUSE_AT): the test changes things at that point, as a slow step
 * would let happen. Only the local runner has them.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const pausedAt = new Set<string>();

export async function faultAt(point: string): Promise<void> {
  if (process.env.SLUICE_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
  const pauseFile = process.env.SLUICE_PAUSE_FILE;
  if (process.env.SLUICE_PAUSE_AT !== point || !pauseFile || pausedAt.has(point)) return;
  pausedAt.add(point);
  fs.writeFileSync(pauseFile, String(process.pid));
  for (const until = Date.now() + 60_000; fs.existsSync(pauseFile) && Date.now() < until; ) await sleep(20);
}
