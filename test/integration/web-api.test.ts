/** The API behind the web app, on a real `sluice start` over loopback: dashboards, profiles, operations and live changes. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, sluice, sluiceJson, startSluice, stopSluice, tempDir } from '../helpers/project.js';

/** 24 good rows over three months and three countries, one amount that is not a number, one short row. */
const COUNTRIES = ['DE', 'FR', 'DE', 'US'];
const ORDERS = [
  'order_id,order_date,country,amount,quantity,note',
  ...Array.from(
    { length: 24 },
    (_, i) => `${i + 1},2024-0${1 + (i % 3)}-${String(1 + i).padStart(2, '0')},${COUNTRIES[i % 4]},${(i + 1) * 1.25},${1 + (i % 5)},${i % 2 ? 'ok' : 'fine'}`,
  ),
  '25,2024-03-26,DE,not a number,2,bad amount',
  '26,2024-03-27,DE,3.00',
].join('\n');

const SLUICE_YAML = `
dashboards:
  sales:
    title: Sales
    table: final.orders
    filters: [country, amount, order_date]
    charts:
      - { kind: kpi, title: Revenue, measures: ["sum(amount)"] }
      - { kind: bar, x: country, measures: ["sum(amount)", "count(*)"] }
      - { kind: line, x: order_date, bucket: month, measures: ["count(*)"] }
      - { kind: area, x: order_date, bucket: month, measures: ["sum(quantity)"], group: country }
      - { kind: pie, x: country, measures: ["count(*)"] }
      - { kind: scatter, x: quantity, y: amount }
      - { kind: table, columns: [order_id, amount], where: { country: FR } }
      - { kind: bar, x: contry, measures: ["count(*)"] }
`;

let dir = '';
let server: Started;

async function api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

async function sql<T>(query: string): Promise<T[]> {
  return sluiceJson<T[]>(['query', query, '--format', 'json', '--dir', dir]);
}

interface Chart {
  id: number;
  kind: string;
  title: string;
  error?: string;
  value?: number;
  categories?: string[];
  series?: { name: string; values: (number | null)[] }[];
  points?: [number, number][];
  columns?: string[];
  rows?: unknown[][];
  bins?: { from: number; to: number; count: number }[];
}

beforeAll(async () => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), SLUICE_YAML);
  fs.writeFileSync(path.join(dir, 'orders.csv'), ORDERS);
  const r = await sluice(['ingest', 'orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
  expect(r.code).toBe(0);
  server = await startSluice(dir);
}, 60_000);

afterAll(async () => {
  await stopSluice(server);
});

describe('dashboards', () => {
  it('lists the configured dashboard and an automatic one per final table', async () => {
    const list = await api<{ id: string; auto: boolean; table: string }[]>('GET', '/api/dashboards');

    expect(list.body).toEqual([
      { id: 'sales', title: 'Sales', table: 'final.orders', auto: false },
      { id: 'final.orders', title: 'final.orders', table: 'final.orders', auto: true },
    ]);
  });

  it('computes every chart on the server, matching SQL over the same table, and names a bad column on its chart only', async () => {
    const layout = await api<{ filters: { column: string; values: unknown[] }[]; charts: { kind: string }[] }>('GET', '/api/dashboards/sales');
    const data = await api<{ charts: Chart[] }>('POST', '/api/dashboards/sales/data', { filters: {} });

    expect(layout.body.filters.map((f) => f.column)).toEqual(['country', 'amount', 'order_date']);
    expect(layout.body.filters[0]).toEqual({ column: 'country', type: 'VARCHAR', values: ['DE', 'FR', 'US'] });
    expect(layout.body.charts.map((c) => c.kind)).toEqual(['kpi', 'bar', 'line', 'area', 'pie', 'scatter', 'table', 'bar']);
    const [kpi, bar, line, area, pie, scatter, table, bad] = data.body.charts as Chart[];
    const [total] = await sql<{ s: number }>('select sum(amount)::double as s from final.orders');
    expect(kpi?.value).toBe(total?.s);
    const byCountry = await sql<{ country: string; s: number; n: number }>(
      'select country, sum(amount)::double as s, count(*)::double as n from final.orders group by country order by s desc',
    );
    expect(bar?.categories).toEqual(byCountry.map((r) => r.country));
    expect(bar?.series).toEqual([
      { name: 'sum(amount)', values: byCountry.map((r) => r.s) },
      { name: 'count', values: byCountry.map((r) => r.n) },
    ]);
    const byMonth = await sql<{ n: number }>("select count(*)::double as n from final.orders group by date_trunc('month', order_date) order by 1");
    expect(line?.categories).toEqual(['2024-01-01', '2024-02-01', '2024-03-01']);
    expect(line?.series?.[0]?.values).toEqual(byMonth.map((r) => r.n));
    expect(area?.series?.map((s) => s.name).sort()).toEqual(['DE', 'FR', 'US']);
    const us = await sql<{ q: number }>(
      "select sum(quantity)::double as q from final.orders where country = 'US' group by date_trunc('month', order_date) order by date_trunc('month', order_date)",
    );
    expect(area?.series?.find((s) => s.name === 'US')?.values.filter((v) => v !== null)).toEqual(us.map((r) => r.q));
    expect(pie?.categories).toEqual(['DE', 'FR', 'US']);
    expect(scatter?.points).toHaveLength(24);
    const fr = await sql<{ order_id: number; amount: number }>("select order_id, amount from final.orders where country = 'FR' order by order_id limit 20");
    expect(table).toMatchObject({ columns: ['order_id', 'amount'], rows: fr.map((r) => [r.order_id, r.amount]) });
    expect(bad?.error).toBe('dashboards.sales.charts[7].x: unknown column "contry" (did you mean "country"?)');
  });

  it("applies the viewer's filters to every chart, as quoted values", async () => {
    const de = await api<{ charts: Chart[] }>('POST', '/api/dashboards/sales/data', { filters: { country: ['DE'] } });
    const hostile = await api<{ charts: Chart[] }>('POST', '/api/dashboards/sales/data', { filters: { country: ["DE' OR '1'='1"], note: ['ok'] } });

    const [deTotal] = await sql<{ s: number }>("select sum(amount)::double as s from final.orders where country = 'DE'");
    expect(de.body.charts[0]?.value).toBe(deTotal?.s);
    expect(de.body.charts[1]?.categories).toEqual(['DE']);
    // Numbers and dates are compared as their column's type: 2.5 matches the DECIMAL 2.50.
    const typed = await api<{ charts: Chart[] }>('POST', '/api/dashboards/sales/data', {
      filters: { amount: [2.5, 3.75], order_date: ['2024-02-02', '2024-03-03'] },
    });
    const [both] = await sql<{ s: number }>(
      "select sum(amount)::double as s from final.orders where amount in (2.5, 3.75) and order_date in (DATE '2024-02-02', DATE '2024-03-03')",
    );
    expect(typed.body.charts[0]?.value).toBe(both?.s);
    expect(both?.s).toBe(6.25);
    // A value is a value: nothing matches it. A column that is not a dashboard filter is ignored.
    expect(hostile.body.charts[0]?.value).toBeNull();
    expect(hostile.body.charts[1]?.categories).toEqual([]);
  });

  it('builds an automatic dashboard from the schema: KPIs, a time series, categories and distributions', async () => {
    const layout = await api<{ filters: { column: string }[]; charts: { kind: string; title: string }[] }>('GET', '/api/dashboards/final.orders');
    const data = await api<{ charts: Chart[] }>('POST', '/api/dashboards/final.orders/data', {});

    expect(layout.body.charts.map((c) => `${c.kind} ${c.title}`)).toEqual([
      'kpi Rows',
      'kpi Total amount',
      'kpi Total quantity',
      'line By order_date',
      'bar Top country',
      'bar Top note',
      'histogram Distribution of amount',
      'histogram Distribution of quantity',
      'table Rows (first 20)',
    ]);
    expect(layout.body.filters.map((f) => f.column)).toEqual(['country', 'note']);
    const [rows] = await sql<{ n: number }>('select count(*) as n from final.orders');
    expect(data.body.charts[0]?.value).toBe(rows?.n);
    const histogram = data.body.charts.find((c) => c.title === 'Distribution of quantity');
    expect(histogram?.bins?.reduce((n, b) => n + b.count, 0)).toBe(rows?.n);
    expect(data.body.charts.every((c) => c.error === undefined)).toBe(true);
  });

  it('answers 404 for a dashboard that does not exist', async () => {
    const r = await api<{ error: string }>('GET', '/api/dashboards/nope');
    expect(r.status).toBe(404);
    expect(r.body.error).toContain('no dashboard "nope"');
  });
});

describe('datasets', () => {
  it('previews rows and profiles every column', async () => {
    const preview = await api<{ columns: { name: string }[]; rows: unknown[][] }>('GET', '/api/catalog/tables/final.orders/preview?limit=3');
    const profile = await api<{
      rows: number;
      columns: { name: string; nulls: number; distinct: number; min: unknown; max: unknown; top?: unknown[]; histogram?: unknown[] }[];
    }>('GET', '/api/catalog/tables/final.orders/profile');

    expect(preview.body.columns.map((c) => c.name)).toEqual(['order_id', 'order_date', 'country', 'amount', 'quantity', 'note']);
    expect(preview.body.rows).toHaveLength(3);
    expect(profile.body.rows).toBe(25);
    const amount = profile.body.columns.find((c) => c.name === 'amount');
    expect(amount).toMatchObject({ nulls: 1, min: 1.25, max: 30 });
    expect(amount?.histogram).toHaveLength(12);
    const country = profile.body.columns.find((c) => c.name === 'country');
    expect(country).toMatchObject({ nulls: 0, distinct: 3, min: 'DE', max: 'US' });
    expect(country?.top).toEqual([
      { value: 'DE', count: 13 },
      { value: 'FR', count: 6 },
      { value: 'US', count: 6 },
    ]);
  });
});

describe('operations', () => {
  it("shows a file's stages, runs, log lines and rejected cells", async () => {
    const list = await api<{ key: string; stages: { stage: string; status: string }[] }[]>('GET', '/api/status');
    const detail = await api<{
      runs: { stage: string; status: string }[];
      logs: { level: string; message: string; run: number }[];
      rejects: { header: string[]; rows: string[][] };
    }>('GET', '/api/status/orders/orders.csv');
    const runs = await api<{ stage: string; status: string; subject: string }[]>('GET', '/api/runs?limit=10');

    expect(list.body.find((f) => f.key === 'orders/orders.csv')?.stages.map((s) => `${s.stage}:${s.status}`)).toEqual([
      'preprocess:succeeded',
      'crawl:succeeded',
      'publish:succeeded',
    ]);
    expect(detail.body.logs.map((l) => l.message)).toEqual(['run.succeeded', 'run.succeeded', 'run.succeeded']);
    expect(detail.body.rejects.header).toEqual(['kind', 'line', 'column', 'value', 'reason']);
    expect(detail.body.rejects.rows).toEqual([
      ['cell', '26', 'amount', 'not a number', 'not a valid decimal (DECIMAL(18,2))'],
      ['row', '27', '', '26,2024-03-27,DE,3.00', expect.stringContaining('Found: 4')],
    ]);
    expect(runs.body.map((r) => r.stage)).toEqual(['publish', 'crawl', 'preprocess']);
  });
});

describe('live changes', () => {
  it('pushes a change event when an uploaded file moves through the pipeline', async () => {
    const events: { type: string }[] = [];
    let subscribed: () => void = () => {};
    const connected = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const stream = new Promise<void>((resolve, reject) => {
      const req = http.get(`${server.url}/api/events/stream`, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        // The server registers the subscriber before it answers: from here on nothing is missed.
        subscribed();
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (const block of buffer.split('\n\n').slice(0, -1)) {
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data) events.push(...(JSON.parse(data) as { events: { type: string }[] }).events);
          }
          buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
          if (events.some((e) => e.type === 'table.updated')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err) => (err.message.includes('aborted') || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
    });
    await connected;
    const put = await fetch(`${server.url}/api/files/orders/more.csv`, {
      method: 'PUT',
      body: 'order_id,order_date,country,amount,quantity,note\n9,2024-04-01,NL,2.00,1,x\n',
    });
    expect(put.status).toBe(201);

    await stream;

    expect(events.map((e) => e.type)).toContain('object.created');
    expect(events.map((e) => e.type)).toContain('table.updated');
  });
});

describe('answers by route', () => {
  it('answers 404 for every kind of thing that is not there, with the message the CLI prints', async () => {
    // Act
    const answers = await Promise.all(
      [
        '/api/catalog/tables/final.nope',
        '/api/catalog/tables/final.nope/versions',
        '/api/catalog/tables/final.orders/diff?from=1&to=99',
        '/api/dashboards/nope',
        '/api/status/orders/nope.csv',
        '/api/jobs/nope/runs',
      ].map((route) => api<{ error: string }>('GET', route)),
    );

    // Assess
    expect(answers.map((a) => [a.status, a.body.error.replace(/ \(.*$/, '')])).toEqual([
      [404, 'no table final.nope in the catalog'],
      [404, 'no table final.nope in the catalog'],
      [404, 'final.orders has no version 99'],
      [404, 'no dashboard "nope"'],
      [404, 'no raw file "orders/nope.csv" is known; see `sluice status` for the keys'],
      [404, 'no job "nope"'],
    ]);
  });

  it('answers 404 for a path no route serves, 405 with Allow for a method a served path does not take, 400 for a diff naming no versions', async () => {
    // Act
    const unknown = await api<{ error: string }>('GET', '/api/nope');
    const unknownSub = await api<{ error: string }>('GET', '/api/catalog/tables/final.orders/nope');
    const deleteTables = await api<{ error: string }>('DELETE', '/api/catalog/tables');
    const getUpload = await api<{ error: string }>('GET', '/api/files/orders/a.csv');
    const getQuery = await api<{ error: string }>('GET', '/api/query');
    const diffWithoutVersions = await api<{ error: string }>('GET', '/api/catalog/tables/final.orders/diff?from=1');
    const postPage = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    // Assess
    expect([unknown.status, unknown.body.error]).toEqual([404, 'no route GET /api/nope']);
    expect(unknownSub.status).toBe(404);
    expect([deleteTables.status, deleteTables.headers.get('allow'), deleteTables.body.error]).toEqual([
      405,
      'GET, HEAD',
      'DELETE /api/catalog/tables is not allowed; use GET or HEAD',
    ]);
    expect([getUpload.status, getUpload.headers.get('allow')]).toEqual([405, 'PUT, POST']);
    expect([getQuery.status, getQuery.headers.get('allow'), getQuery.body.error]).toEqual([
      405,
      'POST',
      'send queries as POST /api/query with a JSON body {"sql": "…"}',
    ]);
    expect([postPage.status, postPage.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect([diffWithoutVersions.status, diffWithoutVersions.body.error]).toEqual([400, 'name the versions to compare: ?from=<version>&to=<version>']);
  });
});
