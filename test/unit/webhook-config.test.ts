/** `notifications:` in sluice.yaml: what is accepted, and errors that name the YAML path and line. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { resolveEndpoints } from '../../src/notify/webhook-endpoints.js';

function errorOf(text: string): string {
  try {
    parseConfig(text, 'sluice.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('no error');
}

const hook = (fields: string) => `notifications:\n  webhooks:\n    - url: https://hooks.example.com/sluice\n${fields}`;

describe('notifications.webhooks in sluice.yaml', () => {
  it('takes a webhook with its defaults', () => {
    // Prepare
    const text = hook('      secretEnv: HOOK_SECRET\n      events: [schema.changed, file.quarantined]\n      datasets: [orders]\n');

    // Act
    const config = parseConfig(text);

    // Assess
    expect(config.notifications.webhooks).toEqual([
      {
        url: 'https://hooks.example.com/sluice',
        secretEnv: 'HOOK_SECRET',
        events: ['schema.changed', 'file.quarantined'],
        datasets: ['orders'],
        allowInsecure: false,
        maxAttempts: 8,
        timeoutMs: 10_000,
      },
    ]);
    expect(config.notifications.retry).toEqual({ baseDelayMs: 1000, maxDelayMs: 3_600_000 });
    expect(parseConfig('').notifications.webhooks).toEqual([]);
  });

  it('names the event, the allowed ones and the path and line of an unknown event', () => {
    // Prepare
    const text = hook('      secretEnv: HOOK_SECRET\n      events: [schema.changed, file.exploded]\n');

    // Act
    const message = errorOf(text);

    // Assess
    expect(message).toBe(
      'sluice.yaml: notifications.webhooks[0].events[1] (line 5): unknown event "file.exploded"; use one of file.processed, file.quarantined, rows.rejected, schema.changed, table.updated, job.succeeded, job.failed, run.failed',
    );
  });

  it('refuses a secret written into the file and says to use secretEnv', () => {
    // Prepare
    const text = hook('      secretEnv: HOOK_SECRET\n      secret: whsec_c2VjcmV0\n      events: [schema.changed]\n');

    // Act
    const message = errorOf(text);

    // Assess
    expect(message).toContain('notifications.webhooks[0].secret (line 5)');
    expect(message).toContain('name that variable in secretEnv');
    expect(message).not.toContain('whsec_c2VjcmV0');
  });

  it('refuses plain http beyond loopback unless allowInsecure, and malformed URLs', () => {
    // Prepare
    const at = (url: string, extra = '') => `notifications:\n  webhooks:\n    - url: "${url}"\n      secretEnv: S\n      events: [run.failed]\n${extra}`;

    // Act
    const plain = errorOf(at('http://hooks.example.com/x'));
    const loopback = parseConfig(at('http://127.0.0.1:9000/x')).notifications.webhooks[0]?.url;
    const allowed = parseConfig(at('http://hooks.example.com/x', '      allowInsecure: true\n')).notifications.webhooks[0]?.allowInsecure;
    const malformed = errorOf(at('hooks example'));
    const ftp = errorOf(at('ftp://hooks.example.com/x'));

    // Assess
    expect(plain).toContain('notifications.webhooks[0].url (line 3): plain http to hooks.example.com');
    expect(plain).toContain('allowInsecure: true');
    expect(loopback).toBe('http://127.0.0.1:9000/x');
    expect(allowed).toBe(true);
    expect(malformed).toContain('notifications.webhooks[0].url (line 3): "hooks example" is not a URL');
    expect(ftp).toContain('"ftp:" is not supported');
  });

  it('asks for secretEnv (at the webhook, which lacks it) and for at least one event', () => {
    // Act
    const noEnv = errorOf(hook('      events: [run.failed]\n'));
    const noEvents = errorOf(hook('      secretEnv: S\n      events: []\n'));

    // Assess
    expect(noEnv).toBe('sluice.yaml: notifications.webhooks[0].secretEnv (line 3): expected string');
    expect(noEvents).toContain('notifications.webhooks[0].events (line 5): name at least one event');
  });

  it('names the variable and the YAML path when the secret is not set or not a Standard Webhooks secret, never the value', () => {
    // Prepare
    const config = parseConfig(hook('      secretEnv: HOOK_SECRET\n      events: [run.failed]\n'));

    // Act
    const unset = () => resolveEndpoints(config.notifications, {}, 'sluice.yaml');
    const bad = () => resolveEndpoints(config.notifications, { HOOK_SECRET: 'not base64 at all!' }, 'sluice.yaml');
    const good = resolveEndpoints(config.notifications, { HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'sluice.yaml');

    // Assess
    expect(unset).toThrow(/^sluice\.yaml: notifications\.webhooks\[0\]\.secretEnv: the environment variable HOOK_SECRET is not set/);
    expect(bad).toThrow(/HOOK_SECRET does not hold a Standard Webhooks secret/);
    expect(bad).not.toThrow(/not base64 at all/);
    expect(good.map((e) => [e.index, e.url, e.maxAttempts])).toEqual([[0, 'https://hooks.example.com/sluice', 8]]);
  });
});
