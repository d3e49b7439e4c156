/**
 * `GET /metrics`: the Prometheus text exposition of the server's metrics
 * (runtime/metrics.ts). It sits outside /api, where scrapers look, under the
 * API's access rules: free on loopback, the bearer token beyond it.
 */
import type { ServerMetrics } from '../../runtime/metrics.js';
import type { Router } from '../router.js';

export function metricsRoutes(router: Router, metrics: ServerMetrics): Router {
  return router.stream('GET /metrics', async ({ res }) => {
    const { contentType, text } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  });
}
