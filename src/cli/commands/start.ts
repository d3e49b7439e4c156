import { type StateCorruptError, UsageError } from '../../core/errors.js';
import { openProject } from '../../runtime/project.js';
import { startService } from '../../runtime/service.js';
import { isLoopbackHost } from '../../server/access.js';
import { LocalObjectStore } from '../../storage/local/local-object-store.js';
import { type Command, parse, rebuildStateIfCorrupt } from '../context.js';

export function parsePort(value: string | undefined, fallback: number): number {
  const port = Number(value ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${value}"`);
  return port;
}

export const start: Command = async ({ args, dir, output }) => {
  const { values } = parse('start', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    'rebuild-state': { type: 'boolean' },
  });
  const port = parsePort(values.port, 8080);
  const workers = Math.max(1, Number(values.workers ?? 2) || 2);
  const host = values.host ?? '127.0.0.1';
  if (values['rebuild-state']) rebuildStateIfCorrupt(dir, output);
  const project = openProject(dir);
  const service = await startService(project, { port, host, workers, allowHosts: values['allow-host'] ?? [] });
  const token = service.token;
  if (token && !isLoopbackHost(host)) {
    output.err(`sluice: listening beyond loopback (${host}): every API request needs the access token (README, "Security")\n`);
  }
  if (token?.created) {
    output.err(`sluice: access token (shown once; kept in ${token.file}, mode 600): ${token.token}\n`);
  } else if (token) {
    output.err(`sluice: API requests need the access token ${token.source === 'env' ? 'in SLUICE_TOKEN' : `in ${token.file}`}\n`);
  }
  const raw = project.zones.raw;
  const intake =
    raw instanceof LocalObjectStore ? `watching ${raw.location}` : `listing ${raw.location} every ${project.config.defaults.scanIntervalMs / 1000} s`;
  output.out(`sluice: ${intake}\nsluice: serving ${service.url} (API under ${service.url}/api)\n`);
  // Runs until a signal, or until the state database turns out damaged: then it stops and exits with that error.
  const failure = await new Promise<StateCorruptError | undefined>((resolve) => {
    const onSignal = () => {
      output.err('sluice: stopping; finishing the runs in flight (press Ctrl-C again to stop at once: they resume on the next start)…\n');
      // A second signal stops at once; leased runs are picked up again by the next start.
      process.once('SIGINT', () => process.exit(130));
      resolve(undefined);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void service.failed.then(resolve);
  });
  await service.stop();
  project.close();
  if (failure) throw failure;
  return 0;
};
