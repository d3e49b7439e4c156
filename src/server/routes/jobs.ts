/** Transform jobs and the history of a configured job's runs. */

import type { Project } from '../../runtime/project.js';
import { jobHistory, listJobs } from '../../views/jobs.js';
import type { Router } from '../router.js';

export function jobRoutes(router: Router, project: Project): void {
  router
    .json('GET /api/jobs', async () => await listJobs(project))
    .json('GET /api/jobs/:job/runs', async ({ params }) => await jobHistory(project, params.job));
}
