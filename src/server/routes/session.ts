/** The web app's sign-in: the access token in exchange for a session cookie. */
import { type AccessPolicy, sessionCookie, tokenMatches } from '../access.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../json.js';
import { Reply, type Router } from '../router.js';

export function sessionRoutes(router: Router, access: AccessPolicy): void {
  router.json(
    'POST /api/session',
    async ({ req }) => {
      const body = await readJson(req);
      if (!access.token) return { authenticated: true, tokenRequired: false };
      if (typeof body.token !== 'string' || !tokenMatches(body.token, access.token)) throw new HttpError(401, "that is not this server's access token");
      return new Reply({ authenticated: true, tokenRequired: true } as const, 200, { 'set-cookie': sessionCookie(access.token) });
    },
    { tokenFree: true },
  );
}
