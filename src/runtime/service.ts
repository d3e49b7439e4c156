/** `sluice start` as a library: scan, watch, work and serve until stopped. */
import os from 'node:os';
import { errorMessage, type StateCorruptError, UsageError } from '../core/errors.js';
import { allowedHostsFor, isLoopbackHost } from '../server/access.js';
import { createApp, listen } from '../server/app.js';
import { type ResolvedToken, resolveToken } from '../server/token.js';
import { onStateCorrupt } from '../state/database.js';
import { LocalObjectStore } from '../storage/local/local-object-store.js';
import { Pipeline } from './local/pipeline.js';
import { SettleGate } from './local/settle.js';
import { type RawWatcher, watchRawFolder } from './local/watcher.js';
import { type Project, removeDeadTemps } from './project.js';
import { openDeliverer } from './webhooks.js';

export interface RunningService {
  url: string;
  pipeline: Pipeline;
  /** Resolves once the start-up scan's work is queued (not done). */
  scanned: Promise<number>;
  /** The access token in force, if any (always beyond loopback). */
  token?: ResolvedToken;
  /**
   * Resolves when the service cannot go on: a worker, a request or the scan
   * found the state database damaged. The caller stops the service and exits
   * with the error, rather than serving errors with no workers.
   */
  failed: Promise<StateCorruptError>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  port: number;
  host: string;
  workers: number;
  /** Host names to answer to besides the loopback names and the bound address (`*`: any, only with a token). */
  allowHosts?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * How new raw objects are heard of between scans. A local folder is watched,
 * and what the watcher or a scan finds waits at the settle gate (a file may be
 * half-written). A bucket sends a laptop no events: it is listed every
 * `defaults.scanIntervalMs`, and its objects need no settling (S3 shows an
 * object only once its upload is complete). The raw objects already seen, with
 * their ETags, are the durable cursor: a listing queues only what changed.
 */
async function watchRaw(project: Project, pipeline: Pipeline, gate: SettleGate): Promise<RawWatcher> {
  const raw = project.zones.raw;
  if (raw instanceof LocalObjectStore) {
    pipeline.intake.settle = (key, since, source) => gate.offer(key, since, source);
    return watchRawFolder(raw.location, (key) => gate.offer(key), project.log);
  }
  let listing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    listing = pipeline.scan().catch((err) => project.log.error('raw zone listing failed', { zone: raw.location, error: errorMessage(err) }));
  }, project.config.defaults.scanIntervalMs);
  return {
    close: async () => {
      clearInterval(timer);
      await listing;
    },
  };
}

export async function startService(project: Project, opts: ServiceOptions): Promise<RunningService> {
  const env = opts.env ?? process.env;
  const token = resolveToken({ stateDir: project.stateDir, required: !isLoopbackHost(opts.host), env });
  const allowHosts = [...(opts.allowHosts ?? []), ...(env.SLUICE_ALLOWED_HOSTS ?? '').split(',')];
  if (allowHosts.some((h) => h.trim() === '*') && !token) {
    throw new UsageError('allowing any host name (*) on loopback would let any web page rebind to this server; set SLUICE_TOKEN too, or name the hosts');
  }
  // A webhook whose secret is not in the environment stops the start here (a ConfigError naming the variable).
  const deliverer = openDeliverer(project, env);
  await removeDeadTemps(project);
  const machine = { hostname: os.hostname(), addresses: Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)) };
  const pipeline = new Pipeline(project);
  const failed = new Promise<StateCorruptError>((resolve) => onStateCorrupt(project.db, resolve));
  const server = createApp(pipeline, { allowedHosts: allowedHostsFor(opts.host, allowHosts, machine), ...(token ? { token: token.token } : {}) });
  const { url } = await listen(server, opts.port, opts.host);
  // Settled files are noted one at a time: the start-up scan can settle thousands at once, and noting one may hash it.
  let noting = Promise.resolve();
  let toNote = 0;
  const gate = new SettleGate(
    project.zones.raw,
    project.config.defaults.settleMs,
    (key, source) => {
      toNote++;
      noting = noting.then(() =>
        pipeline
          .noteRawObject(key, source)
          .then(() => {})
          .catch((err) => project.log.error('cannot queue raw object', { key, error: String(err) }))
          .finally(() => {
            toNote--;
          }),
      );
    },
    project.log,
  );
  pipeline.intake.intakePending = () => gate.size + toNote;
  const watcher = await watchRaw(project, pipeline, gate);
  await pipeline.startWorkers(opts.workers);
  // Webhooks are sent beside the workers: a slow receiver holds up only its own deliveries.
  deliverer?.start();
  const scanned = pipeline.scan();
  scanned.catch((err) => project.log.error('start-up scan failed', { error: String(err) }));
  return {
    url,
    pipeline,
    scanned,
    ...(token ? { token } : {}),
    failed,
    stop: async () => {
      await watcher.close();
      gate.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pipeline.stop();
      await deliverer?.stop();
    },
  };
}
