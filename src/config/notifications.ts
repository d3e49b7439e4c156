/**
 * `notifications:` in sluice.yaml: webhooks signed per Standard Webhooks. The
 * secret comes from the environment variable `secretEnv` names, never from
 * the file; plain http is for loopback receivers unless `allowInsecure`.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../core/webhook-events.js';

export const WEBHOOK_DEFAULTS = { maxAttempts: 8, timeoutMs: 10_000, baseDelayMs: 1_000, maxDelayMs: 3_600_000 } as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether `host` (as URL.hostname gives it) is this machine's loopback interface. */
export function isLoopbackName(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.toLowerCase().endsWith('.localhost');
}

const webhook = z
  .object({
    url: z.string(),
    secretEnv: z
      .string({ error: 'name the environment variable that holds the signing secret, e.g. secretEnv: SLUICE_WEBHOOK_SECRET' })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'give the name of an environment variable (letters, digits, underscores), not the secret itself'),
    // A secret written into the file is refused with a message pointing at secretEnv.
    secret: z
      .unknown()
      .refine(() => false, 'do not put the signing secret in sluice.yaml; set it in an environment variable and name that variable in secretEnv')
      .optional(),
    events: z
      .array(
        z.string().refine((e) => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e), {
          error: (issue) => `unknown event "${String(issue.input)}"; use one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        }),
      )
      .min(1, `name at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}`),
    datasets: z.array(z.string().min(1)).optional(),
    allowInsecure: z.boolean().default(false),
    maxAttempts: z.number().int().min(1).max(100).default(WEBHOOK_DEFAULTS.maxAttempts),
    timeoutMs: z.number().int().min(100).max(300_000).default(WEBHOOK_DEFAULTS.timeoutMs),
  })
  .strict()
  .superRefine((w, ctx) => {
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `"${w.url}" is not a URL; write https://host/path` });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `"${url.protocol}" is not supported; webhooks go to https:// (or http:// on loopback)` });
    } else if (url.protocol === 'http:' && !isLoopbackName(url.hostname) && !w.allowInsecure) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `plain http to ${url.hostname} would send events unencrypted; use https, or set allowInsecure: true on this webhook`,
      });
    }
    if (url.username || url.password)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'do not put credentials in the URL; receivers verify the signature instead' });
  });

export const notificationsSchema = z
  .object({
    webhooks: z.array(webhook).default([]),
    /** Retry schedule: full jitter over base · 2^(attempt-1), capped. */
    retry: z
      .object({
        baseDelayMs: z.number().int().min(1).default(WEBHOOK_DEFAULTS.baseDelayMs),
        maxDelayMs: z.number().int().min(1).default(WEBHOOK_DEFAULTS.maxDelayMs),
      })
      .strict()
      .default({ baseDelayMs: WEBHOOK_DEFAULTS.baseDelayMs, maxDelayMs: WEBHOOK_DEFAULTS.maxDelayMs }),
  })
  .strict();

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type WebhookConfig = z.infer<typeof webhook>;
