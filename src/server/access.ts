/**
 * Who may talk to the local server, and how. The threat model: one user on
 * one machine, whose browser also visits other sites. So, on every request:
 *
 * - the Host header must name this server (a DNS-rebinding page reaches us
 *   under its own name and is refused);
 * - API requests made by another site are refused (Fetch Metadata: a browser
 *   says `Sec-Fetch-Site`; where it does not, `Origin` must be ours), and a
 *   POST must carry a content type no HTML form or `no-cors` fetch can send,
 *   so an old browser cannot be used either;
 * - with a token in force (always when listening beyond loopback), every API
 *   request carries it, as a bearer header or the session cookie the web app
 *   gets from `POST /api/session`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HttpError } from './http-error.js';

export interface AccessPolicy {
  /** Host names this server answers to: lower case, no port, IPv6 without brackets. `*` allows any (only with a token). */
  allowedHosts: ReadonlySet<string>;
  /** When set, every API request must carry it. */
  token?: string;
}

export const SESSION_COOKIE = 'sluice_session';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** `127.0.0.0/8`, `::1` and `localhost` (with or without brackets or a trailing dot). */
export function isLoopbackHost(host: string): boolean {
  const h = normalHost(host);
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function normalHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** The host part of a Host header (`example.com:8080`, `[::1]:8080`), normalised; undefined when malformed. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? normalHost(m[1] as string) : undefined;
}

/**
 * The host names a server bound to `bindHost` answers to: the loopback names,
 * the bound name itself, for a wildcard bind (`0.0.0.0`, `::`) the machine's
 * names and addresses, and whatever the user allowed on top.
 */
export function allowedHostsFor(bindHost: string, extra: string[], machine: { hostname: string; addresses: string[] }): Set<string> {
  const hosts = new Set([...LOOPBACK_NAMES, normalHost(bindHost)]);
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '') {
    hosts.add(normalHost(machine.hostname));
    for (const a of machine.addresses) hosts.add(normalHost(a));
  }
  for (const h of extra) if (h.trim()) hosts.add(h.trim() === '*' ? '*' : normalHost(h));
  return hosts;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** What a form or a `no-cors` fetch can send (the CORS-safelisted types); a POST with one of these was not made by our app. */
const SIMPLE_TYPES = new Set(['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

export function mediaType(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The Host check, for every request (the web app's page too: a rebinding page must not even load it). */
export function checkHost(req: http.IncomingMessage, policy: AccessPolicy): void {
  if (policy.allowedHosts.has('*')) return;
  const host = hostOfHeader(req.headers.host);
  if (!host || !policy.allowedHosts.has(host)) {
    throw new HttpError(
      403,
      `this server does not answer to the host "${req.headers.host ?? ''}"; ` +
        'if you reach it under that name on purpose, start it with --allow-host <name> (or SLUICE_ALLOWED_HOSTS)',
    );
  }
}

/** Cross-site checks and the token, for every API request. */
export function checkApiRequest(req: http.IncomingMessage, policy: AccessPolicy, opts: { tokenFree?: boolean } = {}): void {
  const method = req.method ?? 'GET';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site}); the API answers only its own web app and clients outside a browser`);
  }
  if (!SAFE_METHODS.has(method)) {
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
      throw new HttpError(403, `cross-origin request refused (Origin: ${origin}); the API answers only its own web app and clients outside a browser`);
    }
    if (method === 'POST' && SIMPLE_TYPES.has(mediaType(req))) {
      throw new HttpError(
        415,
        `a POST needs a Content-Type such as application/json (for queries) or text/csv (for files), not "${req.headers['content-type'] ?? 'none'}"; form posts are refused`,
      );
    }
  }
  if (policy.token && !opts.tokenFree && !carriesToken(req, policy.token)) {
    throw new HttpError(401, 'this server needs its access token: send "Authorization: Bearer <token>" (the token is in SLUICE_TOKEN or data/.sluice/token)');
  }
}

function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && hostHeader !== undefined && o.host === new URL(`http://${hostHeader}`).host;
  } catch {
    return false;
  }
}

function carriesToken(req: http.IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return [bearer, cookie].some((given) => given !== undefined && tokenMatches(given, token));
}

/** Compared as digests in constant time, so neither the length nor a prefix of the token leaks through timing. */
export function tokenMatches(given: string, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The cookie the web app keeps its session in: never readable by script, never sent by another site. */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
