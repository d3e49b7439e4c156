/** The API router: matching by method and pattern, 404 and 405, and the link between its routes and src/api/types.ts. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ApiRoute, ApiRoutes, FileStatus, Health } from '../../src/api/types.js';
import type { Pipeline } from '../../src/runtime/local/pipeline.js';
import { apiRouter } from '../../src/server/app.js';
import type { HttpError } from '../../src/server/http-error.js';
import { type Match, type RequestContext, Router } from '../../src/server/router.js';
import type { ChangeFeed } from '../../src/server/routes/events.js';

const noSend = () => {};
const ok = async () => ({ ok: true as const, pending: 0 });

/** The refusal of a match that found no route (fails the test when one was found). */
function refusal(m: Match): HttpError {
  if (!('refusal' in m)) throw new Error(`expected a refusal, got ${m.route.name}`);
  return m.refusal;
}

describe('Router.match', () => {
  it('finds the route by method and pattern, with its parameters; the first that fits wins', () => {
    // Prepare
    const router = new Router(noSend)
      .json('GET /api/status', async () => [])
      .json('GET /api/status/*key', async () => ({ key: '', sha256: '', size: 0, outcome: { state: 'pending' }, report: null, runs: [] }))
      .json('GET /api/catalog/tables/:table/ddl', async ({ params }) => ({ table: params.table, dialect: 'athena', ddl: '' }));

    // Act
    const list = router.match('GET', ['api', 'status'], '/api/status');
    const file = router.match('GET', ['api', 'status', 'orders', 'a b.csv'], '/api/status/orders/a%20b.csv');
    const ddl = router.match('GET', ['api', 'catalog', 'tables', 'final.orders', 'ddl'], '/api/catalog/tables/final.orders/ddl');

    // Assess
    expect('route' in list && [list.route.name, list.params]).toEqual(['GET /api/status', {}]);
    expect('route' in file && [file.route.name, file.params]).toEqual(['GET /api/status/*key', { key: 'orders/a b.csv' }]);
    expect('route' in ddl && ddl.params).toEqual({ table: 'final.orders' });
  });

  it('answers 404 for a path no route serves, whatever the method', () => {
    // Prepare
    const router = new Router(noSend).json('GET /api/health', ok);

    // Act
    const errors = [router.match('GET', ['api', 'healthz'], '/api/healthz'), router.match('POST', ['api', 'health', 'x'], '/api/health/x')].map(refusal);

    // Assess
    expect(errors.map((e) => [e.status, e.message])).toEqual([
      [404, 'no route GET /api/healthz'],
      [404, 'no route POST /api/health/x'],
    ]);
  });

  it('answers 405 naming the methods the path takes (GET with HEAD), or the route’s own hint', () => {
    // Prepare
    const router = new Router(noSend)
      .json('GET /api/health', ok)
      .json('POST /api/query', async () => ({ columns: [], rows: [], truncated: false }), { otherMethods: 'send queries as POST' })
      .json('POST /api/session', async () => ({ authenticated: true, tokenRequired: false }), { tokenFree: true });

    // Act
    const health = router.match('DELETE', ['api', 'health'], '/api/health');
    const query = router.match('GET', ['api', 'query'], '/api/query');
    const session = router.match('GET', ['api', 'session'], '/api/session');

    // Assess
    expect([refusal(health).status, refusal(health).headers, refusal(health).message]).toEqual([
      405,
      { allow: 'GET, HEAD' },
      'DELETE /api/health is not allowed; use GET or HEAD',
    ]);
    expect([refusal(query).status, refusal(query).headers, refusal(query).message]).toEqual([405, { allow: 'POST' }, 'send queries as POST']);
    expect(session.tokenFree).toBe(true);
    expect(health.tokenFree).toBe(false);
  });
});

describe('the API routes and src/api/types.ts', () => {
  /** Every route ApiRoutes names: the typecheck fails when ApiRoutes gains or loses one and this list does not follow. */
  const TYPED: Record<ApiRoute, true> = {
    'POST /api/session': true,
    'GET /api/health': true,
    'PUT /api/files/*key': true,
    'POST /api/files/*key': true,
    'GET /api/status': true,
    'GET /api/status/*key': true,
    'GET /api/runs': true,
    'GET /api/catalog/events': true,
    'GET /api/catalog/tables': true,
    'GET /api/catalog/tables/:table': true,
    'GET /api/catalog/tables/:table/events': true,
    'GET /api/catalog/tables/:table/preview': true,
    'GET /api/catalog/tables/:table/profile': true,
    'GET /api/catalog/tables/:table/versions': true,
    'GET /api/catalog/tables/:table/ddl': true,
    'GET /api/catalog/tables/:table/diff': true,
    'POST /api/query': true,
    'GET /api/dashboards': true,
    'GET /api/dashboards/:id': true,
    'POST /api/dashboards/:id/data': true,
    'GET /api/jobs': true,
    'GET /api/jobs/:job/runs': true,
  };

  it('serves every route the web app can call, and as JSON nothing else but the event stream', () => {
    // Prepare: registering routes touches none of their parts, so stand-ins do.
    const pipeline = { project: {} } as unknown as Pipeline;

    // Act
    const names = apiRouter(pipeline, { allowedHosts: new Set() }, {} as ChangeFeed).names();

    // Assess
    expect([...names].sort()).toEqual([...Object.keys(TYPED), 'GET /api/events/stream'].sort());
  });

  it('holds each handler to its route’s answer type, and each route name to ApiRoutes (checked by npm run typecheck)', () => {
    const router = new Router(noSend);
    // @ts-expect-error a health answer without `pending` is not a Health
    router.json('GET /api/health', async () => ({ ok: true }));
    // @ts-expect-error the status list is FileStatus[], not one FileStatus
    router.json('GET /api/status', async () => ({ key: 'a.csv' }));
    // @ts-expect-error a JSON route must be one that ApiRoutes names
    router.json('GET /api/unlisted', async () => ({}));
    router.json('GET /api/catalog/tables/:table/ddl', async (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<RequestContext<'GET /api/catalog/tables/:table/ddl'>>();
      expectTypeOf(ctx.params).toEqualTypeOf<Record<'table', string>>();
      return { table: ctx.params.table, dialect: 'duckdb', ddl: '' };
    });

    expectTypeOf<ApiRoutes['GET /api/health']>().toEqualTypeOf<Health>();
    expectTypeOf<ApiRoutes['GET /api/status']>().toEqualTypeOf<FileStatus[]>();
    expect(router.names()).toHaveLength(4);
  });
});
