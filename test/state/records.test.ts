/** The report and job-run contract against each backend: SQLite, objects in a folder, objects in S3 (s3rver). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openStateDb } from '../../src/state/database.js';
import { ObjectStoreJobRuns, ObjectStoreReports } from '../../src/state/objects/records.js';
import { SqliteJobRuns, SqliteReports } from '../../src/state/records.js';
import { LocalObjectStore } from '../../src/storage/local/local-object-store.js';
import { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';
import { recordsContract } from './records.contract.js';

let s3: RunningS3;
let zones = 0;
beforeAll(async () => {
  s3 = await startS3(['state']);
});
afterAll(async () => {
  await s3?.stop();
});

recordsContract('SQLite', async () => {
  const dir = tempDir('sluice-records-');
  const db = openStateDb(path.join(dir, 'state.db'));
  return {
    reports: new SqliteReports(db),
    jobRuns: new SqliteJobRuns(db),
    cleanup: async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

recordsContract('objects in a folder', async () => {
  const dir = tempDir('sluice-records-');
  const store = new LocalObjectStore(dir);
  return {
    reports: new ObjectStoreReports(store),
    jobRuns: new ObjectStoreJobRuns(store),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

recordsContract('objects in S3 (s3rver)', async () => {
  const store = new S3ObjectStore({ bucket: 'state', prefix: `zone-${++zones}/` }, { client: s3.client() });
  return { reports: new ObjectStoreReports(store), jobRuns: new ObjectStoreJobRuns(store), cleanup: async () => {} };
});
