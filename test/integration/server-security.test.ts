/**
 * The local server's security model, from outside: cross-site requests, DNS
 * rebinding, the access token beyond loopback, bounded query answers, and
 * the HTTP corner cases (malformed escapes, HEAD). Requests are sent as a
 * browser on another site would send them (Origin, Sec-Fetch-Site, the
 * content types a form can use) with node's HTTP client, so the Host header
 * can be set too; test/browser/cross-site.test.ts does the same from a real
 * page in Chromium.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, sluice, startSluice, stopSluice, tempDir, waitFor } from '../helpers/project.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => Record<string, unknown>;
}

/** One request with exactly these headers (node's client lets a test set Host, as a rebinding browser would). */
function request(base: string, method: string, route: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(route, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: url.port, method, path: `${url.pathname}${url.search}`, headers: { host: url.host, ...opts.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const CSV = 'id,amount\n1,10\n2,20\n';
const EVIL = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };

describe('a server on loopback with no setup', () => {
  let dir: string;
  let server: Started;

  beforeAll(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'data/raw/orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/orders/a.csv'), CSV);
    server = await startSluice(dir);
    await waitFor('the sample to be published', async () => (await request(server.url, 'GET', '/api/status/orders/a.csv')).text.includes('"done"'));
  });

  afterAll(async () => {
    await stopSluice(server);
  });

  it('refuses uploads that a page on another site can send (form posts, no-cors fetches), and keeps the raw file', async () => {
    const before = fs.readFileSync(path.join(dir, 'data/raw/orders/a.csv'), 'utf8');
    const attempts: { method: string; headers: Record<string, string>; status: number }[] = [
      // A browser that sends Fetch Metadata: any method, any type.
      { method: 'PUT', headers: { ...EVIL, 'content-type': 'text/csv' }, status: 403 },
      { method: 'POST', headers: { ...EVIL, 'content-type': 'text/plain' }, status: 403 },
      // Same-site but another origin (another port on localhost): still not ours.
      { method: 'POST', headers: { origin: 'http://localhost:1', 'sec-fetch-site': 'same-site', 'content-type': 'text/plain' }, status: 403 },
      // An old browser without Fetch Metadata: the Origin header gives it away.
      { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'text/csv' }, status: 403 },
      { method: 'POST', headers: { origin: 'null', 'content-type': 'text/csv' }, status: 403 },
      // Without Origin either: the content types a form or a no-cors fetch can send are refused.
      { method: 'POST', headers: { 'content-type': 'text/plain' }, status: 415 },
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
      { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, status: 415 },
      { method: 'POST', headers: {}, status: 415 },
    ];

    for (const a of attempts) {
      for (const key of ['orders/a.csv', 'orders/new.csv']) {
        const r = await request(server.url, a.method, `/api/files/${key}`, { headers: a.headers, body: 'id,amount\n9,999\n' });
        expect({ ...a, key, status: r.status }).toEqual({ ...a, key, status: a.status });
        expect(r.json().error).toMatch(/cross-(site|origin) request refused|Content-Type/);
      }
    }

    expect(fs.readFileSync(path.join(dir, 'data/raw/orders/a.csv'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(dir, 'data/raw/orders/new.csv'))).toBe(false);
  });

  it('still takes uploads from its own web app and from clients outside a browser', async () => {
    const own = await request(server.url, 'PUT', '/api/files/orders/own.csv', {
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'text/csv' },
      body: CSV,
    });
    const curl = await request(server.url, 'POST', '/api/files/orders/curl.csv', { headers: { 'content-type': 'text/csv' }, body: CSV });
    const put = await request(server.url, 'PUT', '/api/files/orders/put.csv', { body: CSV });

    expect([own.status, curl.status, put.status]).toEqual([201, 201, 201]);
    expect(fs.readFileSync(path.join(dir, 'data/raw/orders/curl.csv'), 'utf8')).toBe(CSV);
    for (const key of ['own', 'curl', 'put']) {
      await waitFor(`${key}.csv to be published`, async () => (await request(server.url, 'GET', `/api/status/orders/${key}.csv`)).text.includes('"done"'));
    }
  });

  it('refuses queries from other sites and in a form, and no longer takes them as GET', async () => {
    const body = JSON.stringify({ sql: 'select count(*) as n from final.orders where id = 1' });

    const crossSite = await request(server.url, 'POST', '/api/query', { headers: { ...EVIL, 'content-type': 'application/json' }, body });
    const asText = await request(server.url, 'POST', '/api/query', { headers: { 'content-type': 'text/plain' }, body });
    const asGet = await request(server.url, 'GET', `/api/query?sql=${encodeURIComponent('select 1')}`);
    const dashboardData = await request(server.url, 'POST', '/api/dashboards/final.orders/data', {
      headers: { 'content-type': 'text/plain' },
      body: '{"filters":{}}',
    });
    const ours = await request(server.url, 'POST', '/api/query', {
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body,
    });

    expect([crossSite.status, asText.status, asGet.status, dashboardData.status]).toEqual([403, 415, 405, 415]);
    expect(asGet.headers.allow).toBe('POST');
    expect([ours.status, ours.text]).toEqual([200, expect.stringContaining('"rows":[[4]]')]);
  });

  it('refuses cross-site reads of any API route, but lets another site link to the app', async () => {
    const read = await request(server.url, 'GET', '/api/catalog/tables', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } });
    const link = await request(server.url, 'GET', '/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });

    expect(read.status).toBe(403);
    expect(link.status).toBe(200);
  });

  it('answers only to its own host names, so a DNS-rebinding page cannot read it', async () => {
    const port = new URL(server.url).port;
    const rebound = await Promise.all(
      ['/', '/api/catalog/tables', '/api/status'].map((route) => request(server.url, 'GET', route, { headers: { host: `attacker.example:${port}` } })),
    );
    const query = await request(server.url, 'POST', '/api/query', {
      headers: { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'select * from final.orders' }),
    });
    const names = await Promise.all(
      [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost'].map((host) => request(server.url, 'GET', '/api/health', { headers: { host } })),
    );

    expect(rebound.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(rebound[1]?.json().error).toMatch(/does not answer to the host "attacker\.example:\d+".*--allow-host/);
    expect(query.status).toBe(403);
    expect(names.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('answers HEAD like GET without a body, and a malformed %-escape with 400', async () => {
    const head = await request(server.url, 'HEAD', '/');
    const headApi = await request(server.url, 'HEAD', '/api/health');
    const badEscape = await request(server.url, 'GET', '/api/status/orders/%E0%A4%A.csv');
    const escapeUpload = await request(server.url, 'PUT', '/api/files/orders/100%.csv', { body: CSV });

    expect([head.status, head.text]).toEqual([200, '']);
    expect(head.headers['content-type']).toMatch(/text\/html/);
    expect([headApi.status, headApi.text]).toEqual([200, '']);
    expect(badEscape.status).toBe(400);
    expect(badEscape.json().error).toMatch(/malformed %-escape/);
    expect(escapeUpload.status).toBe(400);
  });
});

describe('a server listening beyond loopback', () => {
  let dir: string;
  let server: Started;
  let base: string;

  beforeAll(async () => {
    dir = tempDir();
    server = await startSluice(dir, ['--host', '0.0.0.0'], { SLUICE_TOKEN: '' });
    base = server.url.replace('0.0.0.0', '127.0.0.1');
  });

  afterAll(async () => {
    await stopSluice(server);
  });

  it('makes a token file only its owner can read, shows the token once, and warns', async () => {
    const file = path.join(dir, 'data/.sluice/token');
    const token = fs.readFileSync(file, 'utf8').trim();

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThanOrEqual(32);
    const said = await waitFor('the token notice', () => (server.output().includes('shown once') ? server.output() : undefined));
    expect(said).toContain('listening beyond loopback (0.0.0.0): every API request needs the access token');
    expect(said).toContain(`access token (shown once; kept in ${file}, mode 600): ${token}`);
  });

  it('needs the token on every API route, as a bearer header or the web app session cookie', async () => {
    const token = fs.readFileSync(path.join(dir, 'data/.sluice/token'), 'utf8').trim();

    const without = await request(base, 'GET', '/api/catalog/tables');
    const wrong = await request(base, 'GET', '/api/catalog/tables', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    const upload = await request(base, 'PUT', '/api/files/orders/a.csv', { body: CSV });
    const bearer = await request(base, 'GET', '/api/catalog/tables', { headers: { authorization: `Bearer ${token}` } });
    const badSession = await request(base, 'POST', '/api/session', { headers: { 'content-type': 'application/json' }, body: '{"token":"guess"}' });
    const session = await request(base, 'POST', '/api/session', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const cookie = String(session.headers['set-cookie']?.[0]).split(';')[0] as string;
    const withCookie = await request(base, 'GET', '/api/catalog/tables', { headers: { cookie } });
    const page = await request(base, 'GET', '/');

    expect([without.status, wrong.status, upload.status, badSession.status]).toEqual([401, 401, 401, 401]);
    expect(without.json().error).toMatch(/access token.*Authorization: Bearer/);
    expect(fs.existsSync(path.join(dir, 'data/raw/orders/a.csv'))).toBe(false);
    expect(bearer.status).toBe(200);
    expect(session.status).toBe(200);
    expect(session.headers['set-cookie']?.[0]).toMatch(/^sluice_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(withCookie.status).toBe(200);
    expect(page.status).toBe(200);
  });

  it('keeps the token across restarts without showing it again, and refuses a token file others can read', async () => {
    await stopSluice(server);
    server = await startSluice(dir, ['--host', '0.0.0.0'], { SLUICE_TOKEN: '' });
    base = server.url.replace('0.0.0.0', '127.0.0.1');
    const token = fs.readFileSync(path.join(dir, 'data/.sluice/token'), 'utf8').trim();

    const said = await waitFor('the token notice', () => (server.output().includes('need the access token in') ? server.output() : undefined));
    expect(said).not.toContain(token);
    expect((await request(base, 'GET', '/api/health', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const other = tempDir();
    fs.mkdirSync(path.join(other, 'data/.sluice'), { recursive: true });
    fs.writeFileSync(path.join(other, 'data/.sluice/token'), 'a-token-that-is-long-enough\n', { mode: 0o644 });
    const r = await sluice(['start', '--host', '0.0.0.0', '--port', '0', '--dir', other], { env: { SLUICE_TOKEN: '' }, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/token is readable by other users \(mode 644\); run `chmod 600 .*token`/);
  });
});

describe('SLUICE_TOKEN and --allow-host', () => {
  it('puts loopback behind the token too when SLUICE_TOKEN is set, and answers to the names allowed', async () => {
    const dir = tempDir();
    const token = 'correct-horse-battery-staple';
    const server = await startSluice(dir, ['--allow-host', 'sluice.lan'], { SLUICE_TOKEN: token });
    try {
      const port = new URL(server.url).port;
      const without = await request(server.url, 'GET', '/api/health');
      const withToken = await request(server.url, 'GET', '/api/health', { headers: { authorization: `Bearer ${token}`, host: `sluice.lan:${port}` } });
      const otherName = await request(server.url, 'GET', '/api/health', { headers: { authorization: `Bearer ${token}`, host: `other.lan:${port}` } });

      expect([without.status, withToken.status, otherName.status]).toEqual([401, 200, 403]);
    } finally {
      await stopSluice(server);
    }
    const short = await sluice(['start', '--port', '0', '--dir', dir], { env: { SLUICE_TOKEN: 'short' }, timeoutMs: 30_000 });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/SLUICE_TOKEN is 5 characters; use at least 16/);
    const any = await sluice(['start', '--port', '0', '--allow-host', '*', '--dir', dir], { env: { SLUICE_TOKEN: '' }, timeoutMs: 30_000 });
    expect(any.code).toBe(2);
    expect(any.stderr).toMatch(/allowing any host name/);
  });
});

describe('query answers are bounded', () => {
  let dir: string;
  let server: Started;

  beforeAll(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'defaults:\n  maxQueryBytes: 20000\n  maxConcurrentQueries: 1\n');
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},${'x'.repeat(100)}${i}`);
    fs.mkdirSync(path.join(dir, 'data/raw/wide'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/wide/a.csv'), `id,note\n${rows.join('\n')}\n`);
    server = await startSluice(dir);
    await waitFor('the table', async () => (await request(server.url, 'GET', '/api/status/wide/a.csv')).text.includes('"done"'));
  });

  afterAll(async () => {
    await stopSluice(server);
  });

  it('cuts an answer at defaults.maxQueryBytes and says so, in the API and the CLI', async () => {
    const r = await request(server.url, 'POST', '/api/query', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'select * from final.wide order by id', limit: 10_000 }),
    });
    const cli = await sluice(['query', 'select * from final.wide order by id', '--format', 'csv', '--dir', dir]);

    const body = r.json() as { rows: unknown[][]; truncated: boolean; truncatedBy: string };
    expect(r.status).toBe(200);
    expect(body).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
    expect(r.text.length).toBeLessThanOrEqual(20_000 + 200);
    expect(body.rows.length).toBeGreaterThan(100);
    expect(body.rows.length).toBeLessThan(2000);
    expect(body.rows[0]).toEqual([0, `${'x'.repeat(100)}0`]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(/showing the first \d+ rows, what fits in 20000 bytes \(defaults\.maxQueryBytes in sluice\.yaml\)/);
    expect(cli.stdout.trim().split('\n').length).toBe(body.rows.length + 1);
  });

  it('runs at most defaults.maxConcurrentQueries at once, queues a few and refuses the rest with 503 and Retry-After', async () => {
    // Long enough (hundreds of ms) that every request arrives while the first still runs.
    const slow = JSON.stringify({ sql: 'select count(*) from range(6000) a, range(6000) b where (a.range * b.range) % 7 = 3' });

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => request(server.url, 'POST', '/api/query', { headers: { 'content-type': 'application/json' }, body: slow })),
    );

    const statuses = answers.map((a) => a.status).sort();
    // One runs, four wait (4 x the limit), three are refused at once.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503, 503, 503]);
    const refused = answers.find((a) => a.status === 503) as Answer;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error).toMatch(/1 queries are running and 4 are waiting; try again in a moment \(defaults\.maxConcurrentQueries/);
  });
});
