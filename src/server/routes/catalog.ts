/** The catalog: tables, their versions, events, DDL, and a look inside (preview, profile). */
import type { Project } from '../../runtime/project.js';
import { catalogEvents, diffVersions, showTable, tableSummary, tableVersions } from '../../views/catalog.js';
import { tableDdl } from '../../views/ddl.js';
import { previewTable, profileTable } from '../../views/explore.js';
import { HttpError } from '../http-error.js';
import { numberParam } from '../json.js';
import type { Router } from '../router.js';

export function catalogRoutes(router: Router, project: Project): void {
  router
    .json('GET /api/catalog/events', async ({ url }) => await catalogEvents(project, { limit: numberParam(url, 'limit', 100) }))
    .json('GET /api/catalog/tables', async () => (await project.catalog.listTables()).map(tableSummary))
    .json('GET /api/catalog/tables/:table', async ({ params }) => await showTable(project, params.table))
    .json(
      'GET /api/catalog/tables/:table/events',
      async ({ url, params }) => await catalogEvents(project, { table: params.table, limit: numberParam(url, 'limit', 100) }),
    )
    .json('GET /api/catalog/tables/:table/preview', async ({ url, params }) => await previewTable(project, params.table, numberParam(url, 'limit', 50)))
    .json('GET /api/catalog/tables/:table/profile', async ({ params }) => await profileTable(project, params.table))
    .json('GET /api/catalog/tables/:table/versions', async ({ params }) => await tableVersions(project, params.table))
    .json('GET /api/catalog/tables/:table/ddl', async ({ url, params }) => {
      const dialect = url.searchParams.get('dialect') ?? 'athena';
      if (dialect !== 'athena' && dialect !== 'duckdb') throw new HttpError(400, 'dialect must be athena or duckdb');
      return { table: params.table, dialect, ddl: await tableDdl(project, params.table, dialect) };
    })
    .json('GET /api/catalog/tables/:table/diff', async ({ url, params }) => {
      // A version the table does not have is a 404 (NotFoundError); a request that names none is the client's mistake.
      const version = (name: string) => {
        const v = Number(url.searchParams.get(name) ?? Number.NaN);
        if (!Number.isInteger(v)) throw new HttpError(400, 'name the versions to compare: ?from=<version>&to=<version>');
        return v;
      };
      return await diffVersions(project, params.table, version('from'), version('to'));
    });
}
