/** Dashboards: the list, one dashboard's layout, and its charts' data under the viewer's filters. */
import type { DashboardData } from '../../api/types.js';
import type { Project } from '../../runtime/project.js';
import { dashboardData, type Filters, getDashboard, listDashboards } from '../../views/dashboards.js';
import { readJson } from '../json.js';
import type { Router } from '../router.js';

export function dashboardRoutes(router: Router, project: Project): void {
  router
    .json('GET /api/dashboards', async () => await listDashboards(project))
    .json('GET /api/dashboards/:id', async ({ params }) => await getDashboard(project, params.id))
    .json('POST /api/dashboards/:id/data', async ({ req, params }) => {
      const body = await readJson(req);
      const filters = typeof body.filters === 'object' && body.filters !== null && !Array.isArray(body.filters) ? (body.filters as Filters) : {};
      // The read model types a chart's kind as any string; the shapes it builds are ChartData's (typing them there is the read models' own step).
      return (await dashboardData(project, params.id, filters)) as DashboardData;
    });
}
