/** Tables named after datasets that start with a digit (`2024/jan.csv` → `final.2024`), through the CLI and the HTTP API. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, sluice, sluiceJson, startSluice, stopSluice, tempDir } from '../helpers/project.js';

let dir = '';
let server: Started;

async function get<T>(route: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${route}`);
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'in/2024'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'in/2024/jan.csv'), 'day,amount\n2024-01-01,1.5\n2024-01-02,2.5\n2024-01-03,4\n');
  const r = await sluice(['ingest', path.join(dir, 'in/2024'), '--dir', dir]);
  expect(r.code, r.stderr).toBe(0);
  server = await startSluice(dir);
}, 60_000);

afterAll(async () => {
  await stopSluice(server);
});

describe('a dataset whose name starts with a digit', () => {
  it('is shown by sluice catalog show final.2024', async () => {
    // Act
    const shown = await sluiceJson<{ table: string; columns: { name: string }[] }>(['catalog', 'show', 'final.2024', '--json', '--dir', dir]);

    // Assess
    expect(shown).toMatchObject({ table: 'final.2024' });
    expect(shown.columns.map((c) => c.name)).toEqual(['day', 'amount']);
  });

  it('answers queries that quote its name', async () => {
    // Act
    const rows = await sluiceJson<{ n: number }[]>(['query', 'select count(*) as n from final."2024"', '--format', 'json', '--dir', dir]);

    // Assess
    expect(rows).toEqual([{ n: 3 }]);
  });

  it('is served by every API route for tables, and listed among the dashboards', async () => {
    // Act
    const table = await get<{ table: string }>('/api/catalog/tables/final.2024');
    const preview = await get<{ rows: unknown[][] }>('/api/catalog/tables/final.2024/preview');
    const profile = await get<{ columns: { name: string }[] }>('/api/catalog/tables/final.2024/profile');
    const versions = await get<unknown[]>('/api/catalog/tables/final.2024/versions');
    const ddl = await get<{ ddl: string }>('/api/catalog/tables/final.2024/ddl');
    const dashboards = await get<{ id: string; table: string }[]>('/api/dashboards');

    // Assess
    expect(table).toMatchObject({ status: 200, body: { table: 'final.2024' } });
    expect(preview.status).toBe(200);
    expect(preview.body.rows).toHaveLength(3);
    expect(profile.status).toBe(200);
    expect(profile.body.columns.map((c) => c.name)).toEqual(['day', 'amount']);
    expect(versions.status).toBe(200);
    expect(ddl).toMatchObject({ status: 200, body: { ddl: expect.stringContaining('`final`.`2024`') } });
    const dashboard = dashboards.body.find((d) => d.table === 'final.2024');
    expect(dashboard).toBeDefined();
    const opened = await get<{ table: string }>(`/api/dashboards/${dashboard?.id}`);
    expect(opened).toMatchObject({ status: 200, body: { table: 'final.2024' } });
  });

  it('still refuses names that are not table names', async () => {
    // Act
    const r = await get<{ error: string }>('/api/catalog/tables/final.20-24');

    // Assess
    expect(r).toEqual({ status: 400, body: { error: '"final.20-24" is not a table name; write processed.<table> or final.<table>' } });
  });
});
