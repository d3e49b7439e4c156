/**
 * The API's routes, by method and path pattern. A pattern's `:name` is one
 * path segment and `*name` the rest of the path (none or more segments); the
 * first route whose pattern and method fit wins. A path served under other
 * methods only is answered 405 with `Allow`, a path not served at all 404.
 * JSON routes are named as in src/api/types.ts, so each handler must return
 * the type the web app reads for its route.
 */
import type http from 'node:http';
import type { ApiRoute, ApiRoutes } from '../api/types.js';
import { HttpError } from './http-error.js';

/** `'GET /api/catalog/tables/:table/ddl'` → `'table'`. */
type ParamNames<P extends string> = P extends `${string}/${':' | '*'}${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}/${':' | '*'}${infer Name}`
    ? Name
    : never;

export interface RequestContext<P extends string = string> {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** The path's parameters, decoded. */
  params: Record<ParamNames<P>, string>;
}

/** A JSON answer with another status than 200, or headers of its own. */
export class Reply<T> {
  constructor(
    readonly body: T,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

export type JsonHandler<R extends ApiRoute> = (ctx: RequestContext<R>) => Promise<ApiRoutes[R] | Reply<ApiRoutes[R]>>;
/** A handler that writes the response itself (a stream of events). */
export type StreamHandler<R extends string> = (ctx: RequestContext<R>) => void | Promise<void>;

export interface RouteOptions {
  /** Answered without the access token (the request that hands it over). */
  tokenFree?: boolean;
  /** What a 405 on this path says instead of the generic "use …". */
  otherMethods?: string;
}

interface Route extends RouteOptions {
  name: string;
  method: string;
  segments: string[];
  run: (ctx: RequestContext) => Promise<void>;
}

/**
 * What a request asks for: a route and its parameters, or the 404/405 to answer
 * once the access checks have passed; `tokenFree` when the access token is not needed to get there.
 */
export type Match = ({ route: Route; params: Record<string, string> } | { refusal: HttpError }) & { tokenFree: boolean };

export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly send: (res: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void) {}

  /** A route answering JSON of the type src/api/types.ts gives it. */
  json<R extends ApiRoute>(name: R, handle: NoInfer<JsonHandler<R>>, opts: RouteOptions = {}): this {
    return this.add(name, opts, async (ctx) => {
      const answer = await handle(ctx as RequestContext<R>);
      if (answer instanceof Reply) this.send(ctx.res, answer.status, answer.body, answer.headers);
      else this.send(ctx.res, 200, answer);
    });
  }

  stream<R extends string>(name: R, handle: StreamHandler<R>, opts: RouteOptions = {}): this {
    return this.add(name, opts, async (ctx) => handle(ctx as RequestContext<R>));
  }

  /** The route names served, for the check that every route in ApiRoutes has a handler. */
  names(): string[] {
    return this.routes.map((r) => r.name);
  }

  match(method: string, parts: string[], pathname: string): Match {
    const allowed: Route[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params, tokenFree: route.tokenFree === true };
      allowed.push(route);
    }
    if (!allowed.length) return { refusal: new HttpError(404, `no route ${method} ${pathname}`), tokenFree: false };
    const methods = [...new Set(allowed.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))];
    const hint = allowed.find((r) => r.otherMethods)?.otherMethods ?? `${method} ${pathname} is not allowed; use ${methods.join(' or ')}`;
    return { refusal: new HttpError(405, hint, { allow: methods.join(', ') }), tokenFree: allowed.every((r) => r.tokenFree) };
  }

  private add(name: string, opts: RouteOptions, run: Route['run']): this {
    const [method, pattern] = name.split(' ') as [string, string];
    this.routes.push({ ...opts, name, method, segments: pattern.split('/').filter(Boolean), run });
    return this;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, seg] of pattern.entries()) {
    if (seg.startsWith('*')) {
      params[seg.slice(1)] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) params[seg.slice(1)] = part;
    else if (seg !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}
