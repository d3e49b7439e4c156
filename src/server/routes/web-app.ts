/** The built web app (dist/web), served under a strict content security policy; anything outside /api is its. */
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Project } from '../../runtime/project.js';
import { renderHome } from '../home.js';
import { HttpError } from '../http-error.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};
/** No inline script, nothing from elsewhere: a value that slipped into the page as HTML still could not run. */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The built web app: `/` is its page, `/assets/<file>` its scripts and styles (hash routing needs nothing else). */
export async function serveWebApp(method: string, pathname: string, res: http.ServerResponse, project: Project): Promise<void> {
  if (method !== 'GET') throw new HttpError(405, `${method} ${pathname} is not allowed; the web app is read with GET`, { allow: 'GET, HEAD' });
  const headers = { 'x-content-type-options': 'nosniff', 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' };
  if (pathname === '/favicon.ico') {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const asset = /^\/assets\/([A-Za-z0-9._-]+)$/.exec(pathname)?.[1];
  if (pathname !== '/' && pathname !== '/index.html' && !asset) throw new HttpError(404, `no page ${pathname}; the app lives at /`);
  const file = asset ? path.join(WEB_ROOT, 'assets', asset) : path.join(WEB_ROOT, 'index.html');
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    if (asset) throw new HttpError(404, `no asset ${asset}`);
    // The web app is not built (a source checkout without \`npm run build\`): a plain overview instead.
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(await renderHome(project));
    return;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    // Asset names carry a content hash; the page itself is always fetched fresh.
    'cache-control': asset ? 'public, max-age=31536000, immutable' : 'no-store',
  });
  res.end(body);
}
