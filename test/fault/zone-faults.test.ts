/**
 * A zone that cannot be written: the disk is full or the file system is
 * read-only while a file goes to `processed` or `final`. The file must end
 * failed after its retries with an error naming the zone's folder, nothing
 * half-written may be visible, and once the zone is writable again a replay
 * completes it with nothing doubled. As root the fault is real (a 64 KB tmpfs,
 * a read-only bind mount); elsewhere a store wrapper fails the writes in
 * process. Each test logs which one ran.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/runtime/local/pipeline.js';
import { openProject } from '../../src/runtime/project.js';
import type { Logger } from '../../src/stages/deps.js';
import { finalOrderCounts, sluice, stateRows, tempDir, writeSample } from '../helpers/project.js';
import { FailingWritesStore, mountFault, type ZoneFault } from '../helpers/zone-faults.js';

const SILENT: Logger = { info() {}, warn() {}, error() {} };
const unmounts: (() => void)[] = [];

afterAll(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

function filesUnder(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return (fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)))
    .sort();
}

/** The whole story in process, for where mounting is not permitted: the zone's store fails writes until cleared. */
async function throughWrapper(dir: string, key: string, zone: 'processed' | 'final', fault: ZoneFault, whileFailing: () => void): Promise<void> {
  const project = openProject(dir, { log: SILENT });
  try {
    const store = new FailingWritesStore(project.zones[zone], fault);
    project.zones[zone] = store;
    const pipeline = new Pipeline(project);
    await pipeline.scan();
    await pipeline.workUntilIdle();
    whileFailing();
    store.failing = false;
    await pipeline.noteRawObject(key, 'replay', true);
    await pipeline.workUntilIdle();
  } finally {
    project.close();
  }
}

const CASES: [ZoneFault, 'processed' | 'final', string, RegExp][] = [
  ['full', 'processed', 'preprocess', /ENOSPC|no space/i],
  ['full', 'final', 'publish', /ENOSPC|no space/i],
  ['read-only', 'final', 'publish', /EROFS|read-only/i],
];

describe('a zone that cannot be written', () => {
  it.each(CASES)(
    '%s %s: the %s run fails naming the zone, nothing half-written shows, a replay after the fix completes it once',
    { timeout: 90_000 },
    async (fault, zone, stage, errno) => {
      const dir = tempDir();
      const key = 'orders/big.csv';
      const stats = writeSample(path.join(dir, 'data/raw', key), { rows: 5_000, seed: 21 });
      const folder = path.join(dir, 'data', zone);
      // The dataset's folder exists, as it does once the zone has been written before (the first-write case is below).
      fs.mkdirSync(path.join(folder, 'orders'), { recursive: true });
      const mounted = mountFault(folder, fault);
      if (mounted) unmounts.push(mounted.unmount);
      console.log(`${fault} ${zone}: ${mounted ? `a real ${mounted.how}` : 'the in-process store wrapper (mounting is not permitted here)'}`);
      let failedRuns: { status: string; attempts: number; error: string | null }[] = [];
      let visibleWhileFailing: string[] = [];
      let finalFilesWhileFailing = -1;
      const whileFailing = () => {
        failedRuns = stateRows(dir, 'select status, attempts, error from runs where stage = ?', stage);
        visibleWhileFailing = filesUnder(folder);
        finalFilesWhileFailing = stateRows<{ n: number }>(dir, `select count(*) as n from catalog_files where database = ?`, zone)[0]?.n ?? -1;
      };

      if (mounted) {
        const first = await sluice(['run', '--dir', dir]);
        expect(first.code).toBe(1);
        whileFailing();
        mounted.clear();
        const replay = await sluice(['replay', key, '--dir', dir]);
        expect(replay.code, replay.stdout + replay.stderr).toBe(0);
      } else {
        await throughWrapper(dir, key, zone, fault, whileFailing);
      }

      expect(failedRuns).toHaveLength(1);
      expect(failedRuns[0]?.status).toBe('failed');
      expect(failedRuns[0]?.attempts).toBe(3);
      // The zone named as sluice.yaml names it (data/final).
      expect(failedRuns[0]?.error).toContain(`data/${zone}`);
      expect(failedRuns[0]?.error).toMatch(errno);
      expect(visibleWhileFailing).toEqual([]);
      expect(finalFilesWhileFailing).toBe(0);
      expect(await finalOrderCounts(dir)).toEqual({ n: stats.expectedRows, ids: stats.expectedRows });
      expect(filesUnder(folder)).toEqual(['orders/big.parquet']);
    },
  );
});

describe('a read-only zone written for the first time', () => {
  it('fails the publish saying the folder is read-only, not that an object is missing', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    writeSample(path.join(dir, 'data/raw/orders/a.csv'), { rows: 300, seed: 4 });
    // No data/final/orders yet: the store must create the dataset's folder, and Node's recursive mkdir reports ENOENT on a read-only file system.
    const folder = path.join(dir, 'data/final');
    fs.mkdirSync(folder, { recursive: true });
    const mounted = mountFault(folder, 'read-only');
    if (!mounted) throw new Error('this test needs a read-only bind mount (run as root)');
    unmounts.push(mounted.unmount);

    const r = await sluice(['run', '--dir', dir]);

    expect(r.code).toBe(1);
    const failed = stateRows<{ error: string }>(dir, "select error from runs where stage = 'publish' and status = 'failed'");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toMatch(/read-only|EROFS/i);
    expect(failed[0]?.error).not.toMatch(/no object/);
  });
});
