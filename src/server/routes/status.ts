/** Health, the status of raw files and their runs: what the files and operations pages read. */
import type { Pipeline } from '../../runtime/local/pipeline.js';
import { fileDetail, fileStatuses, recentRuns } from '../../views/status.js';
import { numberParam } from '../json.js';
import type { Router } from '../router.js';

export function statusRoutes(router: Router, pipeline: Pipeline): void {
  const project = pipeline.project;
  router
    // Files still settling in the raw folder count: they are work this server has seen and will do.
    .json('GET /api/health', async () => ({ ok: true, pending: (await project.queue.pendingCount()) + pipeline.intake.intakePending() }))
    .json('GET /api/status', async () => await fileStatuses(project))
    .json('GET /api/status/*key', async ({ params }) => await fileDetail(project, params.key))
    .json('GET /api/runs', async ({ url }) => await recentRuns(project, Math.min(numberParam(url, 'limit', 200), 2000)));
}
