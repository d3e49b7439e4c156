/** Reading a project's catalog tables back in the test process, without starting `sluice query`. */
import { createLogger } from '../../src/runtime/logger.js';
import { openProject } from '../../src/runtime/project.js';
import { queryCatalog } from '../../src/views/query.js';

/**
 * The rows of a read-only query over the project's catalog, as `sluice query --format json` prints them, answered by
 * the call that command makes. For reading results back while no other process works on the project; a running
 * `sluice start` is asked through the CLI or HTTP.
 */
export async function catalogRows<T = Record<string, unknown>>(dir: string, sql: string): Promise<T[]> {
  const project = openProject(dir, { log: createLogger({ level: 'error' }) });
  try {
    const result = await queryCatalog(project, sql);
    const names = result.columns.map((c) => c.name);
    // Through JSON, as the command prints them.
    return JSON.parse(JSON.stringify(result.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]]))))) as T[];
  } finally {
    project.close();
  }
}
