/**
 * The HTTP server of `sluice start`: the web app, the API in
 * routes/<resource>.ts (files, status, catalog, query, dashboards, jobs,
 * events, session), and the Prometheus metrics at /metrics, which a scraper
 * reads under the API's access rules. Handlers only translate HTTP to the services the CLI uses,
 * and return the types of src/api/types.ts that the web app reads. The access
 * rules (access.ts) run here, once, before any route; errors become answers
 * here too, their status decided by their type (http-error.ts).
 *
 * Why a router of our own rather than hono (+ @hono/node-server), which was
 * weighed for this: everything this server does that is not routing is built
 * on node's request and response objects, and stays simplest there. Uploads
 * stream from the request into the store's atomic write; the change feed
 * writes to each open response; a refused body is drained so the client reads
 * the answer. Behind hono each of these goes through a Web-streams bridge (the
 * adapter also replaces the global Request and Response unless told not to),
 * or reaches around it to the node objects. What hono would add does not fit
 * as is: its csrf middleware checks only form content types, while access.ts
 * refuses any cross-site API request and every simple-request type; its body
 * limit would still need our message; it answers a wrong method 404, not 405.
 * Its portability (the same app in a Lambda) is not needed: on AWS the stages
 * run from S3 events and the web app reads S3. Routing by resource is ~100
 * lines (router.ts) with no dependency to follow; if the API ever runs behind
 * API Gateway, the route modules' handlers are the part to keep.
 */
import http from 'node:http';
import { errorMessage, UsageError } from '../core/errors.js';
import type { Pipeline } from '../runtime/local/pipeline.js';
import { ServerMetrics } from '../runtime/metrics.js';
import { type AccessPolicy, checkApiRequest, checkHost } from './access.js';
import { HttpError, headersOf, statusOf } from './http-error.js';
import { send } from './json.js';
import { Router } from './router.js';
import { catalogRoutes } from './routes/catalog.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { ChangeFeed, eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { queryRoutes } from './routes/query.js';
import { sessionRoutes } from './routes/session.js';
import { statusRoutes } from './routes/status.js';
import { serveWebApp } from './routes/web-app.js';

/** The path's segments, decoded; a malformed %-escape is the client's mistake, not the server's. */
function pathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `the path ${pathname} holds a malformed %-escape; write a literal "%" as %25`);
  }
}

/** Every API route, on a router of its own (the server's, and the test's that every route in ApiRoutes is served). */
export function apiRouter(pipeline: Pipeline, access: AccessPolicy, feed: ChangeFeed): Router {
  const project = pipeline.project;
  const router = new Router(send);
  sessionRoutes(router, access);
  statusRoutes(router, pipeline);
  fileRoutes(router, pipeline);
  eventRoutes(router, feed);
  catalogRoutes(router, project);
  queryRoutes(router, project);
  dashboardRoutes(router, project);
  jobRoutes(router, project);
  return router;
}

export function createApp(pipeline: Pipeline, access: AccessPolicy): http.Server {
  const project = pipeline.project;
  const feed = new ChangeFeed(project);
  const router = apiRouter(pipeline, access, feed);
  const metrics = new ServerMetrics({ db: project.db, runs: pipeline.events });
  const scrape = metricsRoutes(new Router(send), metrics);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    checkHost(req, access);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = pathSegments(url.pathname);
    // HEAD is GET without the body (node's response leaves the body out by itself).
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const routes = parts[0] === 'api' ? router : parts[0] === 'metrics' ? scrape : undefined;
    if (!routes) return serveWebApp(method, url.pathname, res, project);
    const match = routes.match(method, parts, url.pathname);
    // The access rules come before the answer, a 404 or 405 too: without the token, no route is told apart from another.
    checkApiRequest(req, access, { tokenFree: match.tokenFree });
    if ('refusal' in match) throw match.refusal;
    await match.route.run({ req, res, url, params: match.params });
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const status = statusOf(err);
      if (status >= 500) project.log.error('http error', { path: req.url, error: errorMessage(err) });
      // Read and discard what is left of a refused body, so the client gets the answer rather than a reset.
      if (!req.complete) req.resume();
      if (!res.headersSent) send(res, status, { error: errorMessage(err) }, headersOf(err));
      else res.destroy();
    });
  });
  server.on('close', () => {
    feed.close();
    metrics.close();
  });
  return server;
}

export function listen(server: http.Server, port: number, host: string): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${host} is in use; pick another with --port`) : err),
    );
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, port: actual });
    });
  });
}
