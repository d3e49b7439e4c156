/**
 * The configured webhooks with their signing secrets, read from the
 * environment when a process is about to send. A secret lives only in this
 * object: it is never logged, stored in the outbox or put in an error.
 */
import { Webhook } from 'standardwebhooks';
import type { NotificationsConfig } from '../config/notifications.js';
import { ConfigError } from '../core/errors.js';

export interface WebhookEndpoint {
  index: number;
  url: string;
  events: readonly string[];
  datasets?: readonly string[];
  maxAttempts: number;
  timeoutMs: number;
  /** Signs a message; built from the secret, which is not kept otherwise. */
  signer: Webhook;
}

/**
 * Every configured webhook with its signer. A variable that is not set, or
 * that does not hold a Standard Webhooks secret (base64, optionally prefixed
 * `whsec_`), is a configuration error naming the variable and the YAML path
 * (never the value).
 */
export function resolveEndpoints(notifications: NotificationsConfig, env: NodeJS.ProcessEnv, configFile: string): WebhookEndpoint[] {
  return notifications.webhooks.map((w, index) => {
    const where = `notifications.webhooks[${index}].secretEnv`;
    const secret = env[w.secretEnv];
    if (!secret) {
      throw new ConfigError(
        configFile,
        where,
        `the environment variable ${w.secretEnv} is not set; set it to the webhook's signing secret (whsec_ followed by base64, e.g. from \`openssl rand -base64 32\`) before starting Sluice`,
      );
    }
    let signer: Webhook;
    try {
      signer = new Webhook(secret);
      signer.sign('msg_check', new Date(), '');
    } catch {
      throw new ConfigError(
        configFile,
        where,
        `the environment variable ${w.secretEnv} does not hold a Standard Webhooks secret; use whsec_ followed by base64`,
      );
    }
    return {
      index,
      url: w.url,
      events: w.events,
      ...(w.datasets ? { datasets: w.datasets } : {}),
      maxAttempts: w.maxAttempts,
      timeoutMs: w.timeoutMs,
      signer,
    };
  });
}
