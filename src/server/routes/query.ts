/** Read-only SQL over the catalog tables, as `sluice query` runs it; only POST, so no link or image can send one. */

import type { Project } from '../../runtime/project.js';
import { queryCatalog } from '../../views/query.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../json.js';
import type { Router } from '../router.js';

export function queryRoutes(router: Router, project: Project): void {
  router.json(
    'POST /api/query',
    async ({ req }) => {
      const body = await readJson(req);
      if (typeof body.sql !== 'string' || !body.sql.trim()) throw new HttpError(400, 'give the query as "sql"');
      const limit = Math.min(Number(body.limit ?? 1000) || 1000, 10_000);
      return await queryCatalog(project, body.sql, { limit, timeoutMs: 30_000 });
    },
    { otherMethods: 'send queries as POST /api/query with a JSON body {"sql": "…"}' },
  );
}
