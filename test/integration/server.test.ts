/** The HTTP API of `sluice start` on loopback, and the folder watcher behind it. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messyOrdersCsv } from '../../src/sample/messy-orders.js';
import { type Started, startSluice, stopSluice, tempDir, waitFor } from '../helpers/project.js';

let dir: string;
let server: Started;

async function api<T = unknown>(method: string, route: string, body?: string | object): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    body: typeof body === 'object' ? JSON.stringify(body) : body,
    headers: typeof body === 'object' ? { 'content-type': 'application/json' } : {},
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function waitDone(key: string) {
  return waitFor(`${key} to be done`, async () => {
    const r = await api<{ outcome: { state: string } }>('GET', `/api/status/${key}`);
    return r.status === 200 && r.body.outcome.state !== 'pending' ? r.body : undefined;
  });
}

beforeAll(async () => {
  dir = tempDir();
  server = await startSluice(dir);
});

afterAll(async () => {
  await stopSluice(server);
});

describe('sluice start HTTP API', () => {
  it('answers health', async () => {
    const r = await api<{ ok: boolean }>('GET', '/api/health');
    expect(r).toEqual({ status: 200, body: expect.objectContaining({ ok: true }) });
  });

  it('takes an upload into raw and runs it through every stage', async () => {
    const { text, stats } = messyOrdersCsv({ rows: 250, seed: 21 });

    const put = await api<{ key: string; status: string }>('PUT', '/api/files/orders/upload.csv', text);

    expect(put.status).toBe(201);
    expect(put.body.status).toBe('/api/status/orders/upload.csv');
    const done = await waitDone('orders/upload.csv');
    expect(done).toMatchObject({ outcome: { state: 'done', rowsWritten: stats.expectedRows, table: 'final.orders' } });
    expect(fs.readFileSync(path.join(dir, 'data/raw/orders/upload.csv'), 'utf8')).toBe(text);

    const q = await api<{ rows: unknown[][] }>('POST', '/api/query', { sql: 'select count(*) as n from final.orders' });
    expect(q.body.rows).toEqual([[stats.expectedRows]]);
    const tables = await api<{ table: string }[]>('GET', '/api/catalog/tables');
    expect(tables.body.map((t) => t.table).sort()).toEqual(['final.orders', 'processed.orders']);
    const ddl = await api<{ ddl: string }>('GET', '/api/catalog/tables/final.orders/ddl');
    expect(ddl.body.ddl).toMatch(
      /^CREATE EXTERNAL TABLE `final`\.`orders` \(\n {2}`order_id` bigint COMMENT 'from "Order ID"; 100% of values are whole numbers',/,
    );
    expect(ddl.body.ddl).toContain('STORED AS PARQUET');
  });

  it('sees a file copied into the raw folder by hand', async () => {
    fs.mkdirSync(path.join(dir, 'data/raw/manual'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/manual/a.csv'), 'x,y\n1,2\n3,4\n');

    const done = await waitDone('manual/a.csv');

    expect(done).toMatchObject({ outcome: { state: 'done', rowsWritten: 2 } });
  });

  it('refuses bad requests with a reason', async () => {
    const badKey = await api<{ error: string }>('PUT', '/api/files/..%2Fetc%2Fx.csv', 'a\n1\n');
    const notCsv = await api<{ error: string }>('PUT', '/api/files/orders/x.exe', 'MZ');
    const badSql = await api<{ error: string }>('POST', '/api/query', { sql: 'drop table final.orders' });
    const noTable = await api<{ error: string }>('GET', '/api/catalog/tables/final.nope');
    const unknownKey = await api<{ error: string }>('GET', '/api/status/nope.csv');

    expect(badKey.status).toBe(400);
    expect(badKey.body.error).toContain('".." path segments are not allowed');
    expect(notCsv.status).toBe(400);
    expect(badSql).toEqual({ status: 400, body: { error: expect.stringContaining('only SELECT') } });
    expect(noTable.status).toBe(404);
    expect(unknownKey.status).toBe(404);
  });

  it('serves the web app under a strict content security policy, and nothing outside it', async () => {
    const page = await fetch(`${server.url}/`);
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const script = asset ? await fetch(`${server.url}${asset}`) : undefined;
    const traversal = await fetch(`${server.url}/assets/..%2F..%2Fpackage.json`);
    const other = await fetch(`${server.url}/package.json`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-eval');
    expect(asset).toBeDefined();
    expect(script?.status).toBe(200);
    expect(script?.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(traversal.status).toBe(404);
    expect(other.status).toBe(404);
  });
});

describe('upload size limit', () => {
  it('refuses an upload over defaults.maxFileBytes with 413, with or without Content-Length, and stores nothing', async () => {
    const small = tempDir();
    fs.writeFileSync(path.join(small, 'sluice.yaml'), 'defaults:\n  maxFileBytes: 1000\n');
    const s = await startSluice(small);
    try {
      const big = `a,b\n${'1,2\n'.repeat(1000)}`;
      const withLength = await fetch(`${s.url}/api/files/t/big.csv`, { method: 'PUT', body: big });
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 400, (i + 1) * 400)));
          controller.close();
        },
      });
      const chunked = await fetch(`${s.url}/api/files/t/chunked.csv`, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);

      expect(withLength.status).toBe(413);
      expect(((await withLength.json()) as { error: string }).error).toContain('defaults.maxFileBytes');
      expect(chunked.status).toBe(413);
      const stored = fs.readdirSync(path.join(small, 'data/raw'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(stored.map((e) => e.name)).toEqual([]);
      expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    } finally {
      await stopSluice(s);
    }
  });
});
