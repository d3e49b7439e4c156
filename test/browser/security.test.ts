/// <reference lib="dom" />
/**
 * The server's security model in a real browser (Debian's Chromium): a page
 * on another origin tries what a malicious site would (a form post with
 * enctype=text/plain, a no-cors fetch, a fetch with a custom content type)
 * against the upload and query endpoints; and the web app of a server
 * listening beyond loopback asks for its token and then works.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchConsole } from '../helpers/browser.js';
import { type Started, startSluice, stopSluice, tempDir, waitFor } from '../helpers/project.js';

const CSV = 'id,amount\n1,10\n2,20\n';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Serves one HTML page on another loopback origin: the attacker's site. */
async function servePage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a page on another site', () => {
  let dir: string;
  let sluice: Started;

  beforeAll(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'data/raw/orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/orders/a.csv'), CSV);
    sluice = await startSluice(dir);
  });

  afterAll(async () => {
    await stopSluice(sluice);
  });

  it('cannot overwrite or add raw files, nor run queries, by form or fetch', async () => {
    const target = sluice.url;
    const attacker = await servePage(`<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="f1" method="POST" enctype="text/plain" target="sink" action="${target}/api/files/orders/a.csv">
  <input name="id,amount&#10;666,666&#10;x" value="y">
</form>
<form id="f2" method="POST" enctype="multipart/form-data" target="sink" action="${target}/api/files/orders/form.csv">
  <input name="file" value="id,amount&#10;1,1">
</form>
<script>
window.results = {};
document.getElementById('f1').submit();
setTimeout(() => document.getElementById('f2').submit(), 100);
const body = 'id,amount\\n777,777\\n';
Promise.allSettled([
  fetch('${target}/api/files/orders/a.csv', { method: 'POST', mode: 'no-cors', body }),
  fetch('${target}/api/files/orders/nocors.csv', { method: 'POST', mode: 'no-cors', body: new Blob([body]) }),
  fetch('${target}/api/files/orders/put.csv', { method: 'PUT', body, headers: { 'content-type': 'text/csv' } }),
  fetch('${target}/api/query', { method: 'POST', mode: 'no-cors', body: '{"sql":"select count(*) from final.orders"}' }),
  fetch('${target}/api/query', { method: 'POST', body: '{"sql":"select 1"}', headers: { 'content-type': 'application/json' } }).then((r) => r.text()),
]).then((r) => { window.results = r.map((x) => x.status + ':' + (x.status === 'fulfilled' ? String(x.value && x.value.type || x.value) : String(x.reason))); window.done = true; });
</script></body></html>`);
    const page = await browser.newPage();
    try {
      const seen: string[] = [];
      page.on('request', (r) => {
        if (r.url().startsWith(target)) seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
      await page.goto(attacker.url);
      await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, undefined, { timeout: 15_000 });
      // Let both form posts reach the server (they navigate the hidden frame).
      await waitFor('both form posts', () => seen.filter((s) => s.startsWith('POST /api/files/orders/') && !s.includes('nocors')).length >= 3, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      const results = await page.evaluate(() => (window as unknown as { results: string[] }).results);

      // The browser did send the simple requests (the attack is real); the server refused them.
      expect(seen).toEqual(expect.arrayContaining(['POST /api/files/orders/a.csv', 'POST /api/files/orders/form.csv', 'POST /api/files/orders/nocors.csv']));
      expect(fs.readFileSync(path.join(dir, 'data/raw/orders/a.csv'), 'utf8')).toBe(CSV);
      for (const name of ['form.csv', 'nocors.csv', 'put.csv']) expect(fs.existsSync(path.join(dir, 'data/raw/orders', name))).toBe(false);
      // The fetches that need CORS fail in the browser: the server grants no cross-origin access.
      expect(results[2]).toMatch(/^rejected:/);
      expect(results[4]).toMatch(/^rejected:/);
    } finally {
      await page.close();
      await attacker.close();
    }
  });
});

describe('the web app of a server beyond loopback', () => {
  it('asks for the access token, refuses a wrong one, and works once given the right one', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'data/raw/orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/orders/a.csv'), CSV);
    const sluice = await startSluice(dir, ['--host', '0.0.0.0'], { SLUICE_TOKEN: '' });
    const page = await browser.newPage();
    const problems = watchConsole(page);
    try {
      const url = sluice.url.replace('0.0.0.0', '127.0.0.1');
      const token = fs.readFileSync(path.join(dir, 'data/.sluice/token'), 'utf8').trim();

      await page.goto(`${url}/#/`);
      await page.getByTestId('sign-in').waitFor();
      await screenshot(page, 'sign-in');
      await page.getByTestId('token-input').fill('not the token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That is not this server’s token.').waitFor();
      await page.getByTestId('token-input').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .locator('[data-testid="file-row"][data-key="orders/a.csv"] [data-testid="file-state"]')
        .filter({ hasText: 'done' })
        .waitFor({ timeout: 30_000 });
      await page.locator('.live[data-state="live"]').waitFor();

      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'sluice_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).toBe('');
      // The two 401 answers before signing in are the browser's own console lines; nothing else went wrong.
      expect(problems.filter((p) => !/401 \(Unauthorized\)/.test(p))).toEqual([]);
    } finally {
      await page.close();
      await stopSluice(sluice);
    }
  });
});
