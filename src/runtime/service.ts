/** `sluice start` as a library: scan, watch, work and serve until stopped. */
import { createApp, listen } from '../server/app.js';
import { Pipeline } from './pipeline.js';
import type { Project } from './project.js';
import { watchRawFolder } from './watcher.js';

export interface RunningService {
  url: string;
  pipeline: Pipeline;
  /** Resolves once the start-up scan's work is queued (not done). */
  scanned: Promise<number>;
  stop(): Promise<void>;
}

export async function startService(project: Project, opts: { port: number; host: string; workers: number }): Promise<RunningService> {
  const pipeline = new Pipeline(project);
  const server = createApp(pipeline);
  const { url } = await listen(server, opts.port, opts.host);
  const watcher = await watchRawFolder(
    project.zones.raw.location,
    (key) => {
      pipeline.noteRawObject(key, 'watcher').catch((err) => project.log.error('cannot queue raw object', { key, error: String(err) }));
    },
    project.log,
  );
  pipeline.startWorkers(opts.workers);
  const scanned = pipeline.scan();
  scanned.catch((err) => project.log.error('start-up scan failed', { error: String(err) }));
  return {
    url,
    pipeline,
    scanned,
    stop: async () => {
      await watcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pipeline.stop();
    },
  };
}
