/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web app end to end in Debian's Chromium: upload through the page, follow
 * the file live, read its dashboard, filter it, watch it refresh, and make
 * sure nothing a CSV holds can run as script. Screenshots of every page go to
 * test-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchConsole } from '../helpers/browser.js';
import { type Started, sluiceJson, startSluice, stopSluice, tempDir } from '../helpers/project.js';

/** Untrusted text in a header, in cells and in a file name. */
const HEADER_PAYLOAD = '<img src=x onerror="window.__xss=1">';
const CELL_PAYLOAD = '<script>window.__xss=2</script>';
const NAME_PAYLOAD = '<img src=y onerror=window.__xss=3>.csv';

function ordersCsv(rows: number, first = 1): string {
  const countries = ['DE', 'FR', 'US', 'DE'];
  const lines = ['order_id,order_date,country,amount,quantity,note'];
  for (let i = first; i < first + rows; i++) {
    lines.push(
      `${i},2024-${String(1 + (i % 6)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')},${countries[i % 4]},${(i * 3.5).toFixed(2)},${1 + (i % 4)},n${i % 3}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

let dir = '';
let server: Started;
let browser: Browser;
let page: Page;
let problems: string[] = [];

/** Rows of a query over the same project, through the CLI, as arrays. */
async function sql(query: string): Promise<unknown[][]> {
  const rows = await sluiceJson<Record<string, unknown>[]>(['query', query, '--format', 'json', '--dir', dir]);
  return rows.map((r) => Object.values(r));
}

async function waitForFile(key: string, state = 'done'): Promise<void> {
  await page
    .locator(`[data-testid="file-row"][data-key="${key.replace(/"/g, '\\"')}"] [data-testid="file-state"]`)
    .filter({ hasText: state })
    .waitFor({ timeout: 30_000 });
}

async function chartsReady(): Promise<void> {
  await page.waitForFunction(
    () => {
      const charts = [...document.querySelectorAll('[data-testid="chart"]')];
      return charts.length > 0 && charts.every((c) => c.getAttribute('data-ready') === 'true' || c.hasAttribute('data-error'));
    },
    undefined,
    { timeout: 30_000 },
  );
}

async function kpi(title: string): Promise<number> {
  const chart = page.locator('[data-testid="chart"][data-kind="kpi"]').filter({ hasText: title }).first();
  return Number(await chart.locator('[data-testid="kpi-value"]').getAttribute('data-value'));
}

beforeAll(async () => {
  dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'sluice.yaml'),
    `dashboards:
  sales:
    title: Sales
    table: final.orders
    filters: [country]
    charts:
      - { kind: kpi, title: Revenue, measures: ["sum(amount)"] }
      - { kind: bar, x: country, measures: ["sum(amount)"] }
      - { kind: line, x: order_date, bucket: month, measures: ["count(*)"] }
      - { kind: area, x: order_date, bucket: month, measures: ["sum(quantity)"], group: country }
      - { kind: pie, x: country, measures: ["count(*)"] }
      - { kind: scatter, x: quantity, y: amount }
      - { kind: table, columns: [order_id, country, amount], limit: 5 }
`,
  );
  server = await startSluice(dir);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  problems = watchConsole(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server) await stopSluice(server);
});

describe('the web app in Chromium', () => {
  it('uploads a file through the page and follows it live to done', async () => {
    await page.goto(`${server.url}/`);
    const file = path.join(dir, 'orders.csv');
    fs.writeFileSync(file, ordersCsv(120));

    await page.locator('[data-testid="dataset-input"]').fill('orders');
    await page.locator('[data-testid="upload-input"]').setInputFiles(file);
    await waitForFile('orders/orders.csv');

    await screenshot(page, 'files');
    expect(problems).toEqual([]);
  });

  it('draws the automatic dashboard with numbers that match SQL', async () => {
    await page.locator('[data-testid="nav-dashboards"]').click();
    await page.locator('[data-testid="dashboard-link"][data-id="final.orders"]').click();
    await chartsReady();

    const [[rows]] = (await sql('select count(*) from final.orders')) as [[number]];
    expect(await kpi('Rows')).toBe(rows);
    // Every chart that draws with ECharts drew into SVG.
    const drawn = await page.$$eval('[data-testid="chart"]:not([data-kind="kpi"]):not([data-kind="table"])', (charts) =>
      charts.map((c) => c.querySelectorAll('svg path, svg rect').length),
    );
    expect(drawn.length).toBeGreaterThanOrEqual(3);
    expect(drawn.every((n) => n > 0)).toBe(true);
    await screenshot(page, 'dashboard-auto');
    expect(problems).toEqual([]);
  });

  it('filters a configured dashboard and refreshes it when new data lands', async () => {
    await page.goto(`${server.url}/#/dashboards/sales`);
    await chartsReady();
    const [[total]] = (await sql('select sum(amount)::double from final.orders')) as [[number]];
    expect(await kpi('Revenue')).toBeCloseTo(total, 6);
    const kinds = await page.$$eval('[data-testid="chart"]', (charts) => charts.map((c) => c.getAttribute('data-kind')));
    expect(kinds).toEqual(['kpi', 'bar', 'line', 'area', 'pie', 'scatter', 'table']);
    await screenshot(page, 'dashboard-sales');

    await page.locator('select[data-testid="filter"][data-column="country"]').selectOption('DE');
    const [[de]] = (await sql("select sum(amount)::double from final.orders where country = 'DE'")) as [[number]];
    await page.waitForFunction(
      (expected) => {
        const v = document.querySelector('[data-testid="chart"][data-kind="kpi"] [data-testid="kpi-value"]')?.getAttribute('data-value');
        return v !== null && v !== undefined && Math.abs(Number(v) - expected) < 1e-6;
      },
      de,
      { timeout: 15_000 },
    );

    await page.locator('select[data-testid="filter"][data-column="country"]').selectOption('');
    await chartsReady();
    // New data arrives while the dashboard is open: it refreshes by itself.
    const put = await fetch(`${server.url}/api/files/orders/more.csv`, { method: 'PUT', body: ordersCsv(30, 1000) });
    expect(put.status).toBe(201);
    const [[after]] = await (async () => {
      for (;;) {
        const r = (await sql('select sum(amount)::double, count(*) from final.orders')) as [[number, number]];
        if (r[0][1] === 150) return r;
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    await page.waitForFunction(
      (expected) => {
        const v = document.querySelector('[data-testid="chart"][data-kind="kpi"] [data-testid="kpi-value"]')?.getAttribute('data-value');
        return v !== null && v !== undefined && Math.abs(Number(v) - expected) < 1e-6;
      },
      after,
      { timeout: 15_000 },
    );
    expect(problems).toEqual([]);
  });

  it('renders script in headers, cells and file names as text, never running it', async () => {
    const csv = `id,${HEADER_PAYLOAD},note\n1,${CELL_PAYLOAD},"<b>bold</b>"\n2,x,y\n`;
    const file = path.join(dir, NAME_PAYLOAD);
    fs.writeFileSync(file, csv);
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="dataset-input"]').fill('xss');
    await page.locator('[data-testid="upload-input"]').setInputFiles(file);
    await waitForFile(`xss/${NAME_PAYLOAD}`);
    await expect(page.locator('[data-testid="file-row"]').filter({ hasText: NAME_PAYLOAD }).count()).resolves.toBe(1);

    await page.goto(`${server.url}/#/datasets/final.xss`);
    await page.locator('[data-testid="preview-table"]').filter({ hasText: CELL_PAYLOAD }).waitFor({ timeout: 15_000 });
    await page.goto(`${server.url}/#/dashboards/final.xss`);
    await chartsReady();
    await screenshot(page, 'dashboard-untrusted');
    await page.goto(`${server.url}/#/files/${encodeURIComponent('xss')}/${encodeURIComponent(NAME_PAYLOAD)}`);
    await page.getByText(NAME_PAYLOAD).first().waitFor({ timeout: 15_000 });

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img[src="x"], img[src="y"]').count()).toBe(0);
    expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('shows datasets with schema, versions, preview and profile', async () => {
    await page.locator('[data-testid="nav-datasets"]').click();
    await page.goto(`${server.url}/#/datasets/final.orders`);
    await page.locator('[data-testid="schema-table"]').waitFor();
    await page.locator('[data-testid="profile-column"][data-column="country"]').waitFor({ timeout: 15_000 });

    await expect(page.locator('[data-testid="schema-table"]').textContent()).resolves.toContain('DECIMAL(18,2)');
    await expect(page.locator('[data-testid="preview-table"] tr').count()).resolves.toBeGreaterThan(5);
    await expect(page.locator('[data-testid="profile-column"][data-column="country"]').textContent()).resolves.toContain('DE');
    await expect(page.locator('[data-testid="versions"]').textContent()).resolves.toContain('1');
    await screenshot(page, 'dataset');
    expect(problems).toEqual([]);
  });

  it('shows operations: runs, a file with rejected rows and log lines, failures standing out', async () => {
    const bad = path.join(dir, 'broken.csv');
    fs.writeFileSync(bad, Buffer.from([0, 1, 2, 3, 0, 159, 146, 150, 0, 0]));
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="dataset-input"]').fill('broken');
    await page.locator('[data-testid="upload-input"]').setInputFiles(bad);
    await waitForFile('broken/broken.csv', 'quarantined');
    const ragged = path.join(dir, 'ragged.csv');
    fs.writeFileSync(ragged, `${ordersCsv(40, 5000)}1,2,3\n`);
    await page.locator('[data-testid="dataset-input"]').fill('orders');
    await page.locator('[data-testid="upload-input"]').setInputFiles(ragged);
    await waitForFile('orders/ragged.csv');

    await page.locator('[data-testid="nav-ops"]').click();
    await page.locator('[data-testid="run-row"]').first().waitFor();
    await expect(page.locator('[data-testid="run-row"][data-status="quarantined"]').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'operations');

    await page.goto(`${server.url}/#/files/orders/ragged.csv`);
    await page.locator('[data-testid="reject-row"]').first().waitFor({ timeout: 15_000 });
    await expect(page.locator('[data-testid="reject-row"]').first().textContent()).resolves.toContain('42');
    await expect(page.locator('[data-testid="log-line"]').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'file-detail');
    expect(problems).toEqual([]);
  });
});
