/**
 * Zones in S3: the same sluice.yaml with `s3://` zones, against a real S3
 * protocol server on loopback (s3rver, started here) reached through
 * AWS_ENDPOINT_URL_S3, as any S3-compatible store would be. The CLI runs as a
 * user runs it, in its own process; the state database stays local.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsMissingFrom, sluice, startSluice, stopSluice, tempDir, waitFor, writeSample } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

let s3: RunningS3;
beforeAll(async () => {
  s3 = await startS3(['lake']);
});
afterAll(async () => {
  await s3?.stop();
});

/** A project whose zones are the given locations, with `extra` sluice.yaml below. */
function project(zones: Record<string, string>, extra = ''): string {
  const dir = tempDir('sluice-s3-zones-');
  const lines = Object.entries(zones).map(([zone, location]) => `  ${zone}: ${location}`);
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), `zones:\n${lines.join('\n')}\n${extra}`);
  return dir;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key as string).sort();
}

async function json<T>(args: string[], dir: string): Promise<T> {
  const r = await sluice([...args, '--dir', dir], { env: s3.env });
  expect(r.code, `sluice ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const allRows = (dir: string) => json<Record<string, unknown>[]>(['query', 'select * from final.orders order by all', '--format', 'json'], dir);

describe('every zone in S3', () => {
  it('ingests, catalogs and queries a messy file exactly as with local folders', async () => {
    const local = project({ raw: 'data/raw', processed: 'data/processed', final: 'data/final', quarantine: 'data/quarantine' });
    const remote = project({ raw: 's3://lake/a/raw', processed: 's3://lake/a/processed', final: 's3://lake/a/final', quarantine: 's3://lake/a/quarantine' });
    const sample = path.join(tempDir('sluice-s3-sample-'), 'orders.csv');
    writeSample(sample, { rows: 400, seed: 11 });
    for (const dir of [local, remote]) {
      const r = await sluice(['ingest', sample, '--dataset', 'orders', '--dir', dir], { env: s3.env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/orders\/orders\.csv: done: \d+ rows in final\.orders/);
    }
    // The bucket holds the zones; beside the project there is only the state database.
    expect(await keysUnder('a/raw/')).toEqual(['a/raw/orders/orders.csv']);
    expect(await keysUnder('a/processed/')).toEqual(['a/processed/orders/orders.parquet']);
    expect(await keysUnder('a/final/')).toEqual(['a/final/orders/orders.parquet']);
    expect(await keysUnder('a/quarantine/')).toEqual(['a/quarantine/orders/orders.rejects.csv']);
    expect(fs.readdirSync(path.join(remote, 'data'))).toEqual(['.sluice']);
    // Same rows, same types.
    const [localRows, remoteRows] = [await allRows(local), await allRows(remote)];
    expect(remoteRows.length).toBeGreaterThan(300);
    expect(rowsMissingFrom(localRows, remoteRows)).toEqual([]);
    expect(rowsMissingFrom(remoteRows, localRows)).toEqual([]);
    const processed = (dir: string) => json<Record<string, unknown>[]>(['query', 'select * from processed.orders order by all', '--format', 'json'], dir);
    expect(await processed(remote)).toEqual(await processed(local));
    // The same rejected rows, with the same lines and reasons.
    const rejects = await s3.client().send(new GetObjectCommand({ Bucket: 'lake', Key: 'a/quarantine/orders/orders.rejects.csv' }));
    expect(await rejects.Body?.transformToString()).toBe(fs.readFileSync(path.join(local, 'data/quarantine/orders/orders.rejects.csv'), 'utf8'));
    const columns = async (dir: string) =>
      (await json<{ columns: { name: string; type: string }[] }>(['catalog', 'show', 'final.orders', '--json'], dir)).columns.map((c) => `${c.name} ${c.type}`);
    expect(await columns(remote)).toEqual(await columns(local));
    const show = await json<{ location: string }>(['catalog', 'show', 'final.orders', '--json'], remote);
    expect(show.location).toBe('s3://lake/a/final/orders');
    const ddl = await sluice(['catalog', 'ddl', 'final.orders', '--dir', remote], { env: s3.env });
    expect(ddl.stdout).toContain("LOCATION 's3://lake/a/final/orders/'");
  });

  it('refuses an s3:// zone that names no valid bucket, with the sluice.yaml key', async () => {
    const dir = project({ raw: 's3://Not_A_Bucket/raw' });
    const r = await sluice(['status', '--dir', dir], { env: s3.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zones\.raw: "s3:\/\/Not_A_Bucket\/raw" is not an S3 location; write s3:\/\/<bucket>\/<prefix>/);
  });
});

describe('raw in S3, the rest local', () => {
  it('sluice run lists the bucket and processes what another client put there', async () => {
    const dir = project({ raw: 's3://lake/b/raw' });
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'b/raw/sales/jan.csv', Body: 'id,amount\n1,10.5\n2,7\n' }));
    const r = await sluice(['run', '--dir', dir], { env: s3.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sales/jan.csv: done: 2 rows in final.sales');
    expect(fs.existsSync(path.join(dir, 'data', 'final', 'sales', 'jan.parquet'))).toBe(true);
    // A second run finds nothing new: the objects seen, with their ETags, are the cursor.
    const again = await sluice(['run', '--dir', dir], { env: s3.env });
    expect(again.stdout).toContain('nothing to do');
  });

  it('sluice start lists the bucket every scanIntervalMs and takes new objects', async () => {
    const dir = project({ raw: 's3://lake/c/raw' }, 'defaults:\n  scanIntervalMs: 1000\n');
    const started = await startSluice(dir, [], s3.env);
    try {
      expect(started.output()).toContain('listing s3://lake/c/raw');
      await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'c/raw/sales/feb.csv', Body: 'id,amount\n1,3\n2,4\n3,5\n' }));
      const status = await waitFor('feb.csv to be processed', async () => {
        const files = (await (await fetch(`${started.url}/api/status`)).json()) as { key: string; outcome: { state: string; rowsWritten?: number } }[];
        const f = files.find((x) => x.key === 'sales/feb.csv');
        return f?.outcome.state === 'done' ? f : undefined;
      });
      expect(status.outcome.rowsWritten).toBe(3);
    } finally {
      await stopSluice(started);
    }
  });
});
