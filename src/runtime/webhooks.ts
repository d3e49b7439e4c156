/**
 * The webhook deliverer of a process: `sluice start` runs it in the
 * background; `sluice ingest` and `sluice run` drain it for a short while
 * before they exit, and a later `sluice start` sends what is left.
 */
import { WebhookDeliverer } from '../notify/webhook-delivery.js';
import { resolveEndpoints } from '../notify/webhook-endpoints.js';
import { SqliteWebhookOutbox } from '../state/webhook-outbox.js';
import type { Project } from './project.js';

/** How long `sluice ingest` and `sluice run` go on sending due webhooks after their work. */
export const DRAIN_BOUND_MS = 5_000;

/**
 * The project's deliverer, or undefined without webhooks. Throws a
 * ConfigError naming the variable and the YAML path when a webhook's secret
 * is not in the environment: the process refuses to start rather than run
 * with events piling up unsent.
 */
export function openDeliverer(project: Project, env: NodeJS.ProcessEnv = process.env): WebhookDeliverer | undefined {
  const { notifications } = project.config;
  if (!notifications.webhooks.length) return undefined;
  const endpoints = resolveEndpoints(notifications, env, project.configFile ?? `${project.dir}/sluice.yaml`);
  return new WebhookDeliverer(new SqliteWebhookOutbox(project.db), endpoints, {
    log: project.log,
    baseDelayMs: notifications.retry.baseDelayMs,
    maxDelayMs: notifications.retry.maxDelayMs,
  });
}
