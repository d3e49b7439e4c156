/**
 * Webhooks through the built CLI: `sluice start` sending from the outbox, a
 * start killed (SIGKILL) mid-delivery and started again, a start refused for a
 * missing secret, and `sluice notifications [test | retry]`. The receiver is
 * a real HTTP server on loopback verifying signatures with standardwebhooks.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Started, sluice, startSluice, stateRows, stopSluice, tempDir, waitFor } from '../helpers/project.js';
import { type Behaviour, type Receiver, startReceiver } from '../helpers/webhook-receiver.js';

const SECRET_ENV = 'SLUICE_CLI_WEBHOOK_SECRET';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const env = { [SECRET_ENV]: SECRET };

const receivers: Receiver[] = [];
const services: Started[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await stopSluice(s, 'SIGKILL');
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(behaviour: Behaviour): Promise<Receiver> {
  const r = await startReceiver(SECRET, behaviour);
  receivers.push(r);
  return r;
}

function projectFor(url: string, extra: Record<string, unknown> = {}): string {
  const dir = tempDir('sluice-cli-webhooks-');
  const config = { notifications: { webhooks: [{ url, secretEnv: SECRET_ENV, events: ['file.processed', 'schema.changed'], ...extra }] } };
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), JSON.stringify(config, null, 2));
  return dir;
}

function dropRaw(dir: string, key: string, text: string): void {
  const file = path.join(dir, 'data/raw', key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

describe('webhooks from sluice start', () => {
  it('sends a delivery cut short by a killed start again after a restart, with the same webhook-id', async () => {
    // Prepare
    let hang = true;
    const r = await receiver(() => (hang ? 'hang' : 200));
    const dir = projectFor(r.url, { timeoutMs: 1000, events: ['file.processed'] });
    const first = await startSluice(dir, [], env);
    services.push(first);
    dropRaw(dir, 'orders/a.csv', 'id,amount\n1,2\n');
    await waitFor('the receiver to hold the delivery', () => r.hanging() === 1 || undefined);

    // Act
    await stopSluice(first, 'SIGKILL');
    hang = false;
    const second = await startSluice(dir, [], env);
    services.push(second);
    await waitFor('the delivery after the restart', () => r.accepted.size === 1 || undefined, 60_000);

    // Assess
    const ids = r.received.map((x) => x.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(r.received.every((x) => x.verified)).toBe(true);
    const rows = stateRows<{ id: string; status: string }>(dir, 'SELECT id, status FROM webhook_outbox');
    expect(rows).toEqual([{ id: ids[0], status: 'delivered' }]);
    expect(first.output() + second.output()).not.toContain(SECRET.slice(6));
  });

  it('refuses to start when the secret variable is not set, naming it and the YAML path', async () => {
    // Prepare
    const dir = projectFor('https://hooks.example.com/sluice');

    // Act
    const result = await sluice(['start', '--port', '0', '--dir', dir], { env: { [SECRET_ENV]: '' } });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('notifications.webhooks[0].secretEnv: the environment variable SLUICE_CLI_WEBHOOK_SECRET is not set');
  });
});

describe('sluice notifications', () => {
  it('sends a signed test event, lists deliveries and dead letters, and retries them', async () => {
    // Prepare
    let answer = 500;
    const r = await receiver(() => answer);
    const dir = projectFor(r.url, { maxAttempts: 1 });
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id\n1\n');

    // Act
    const ingest = await sluice(['ingest', path.join(dir, 'in.csv'), '--dataset', 'orders', '--dir', dir], { env });
    const listed = await sluice(['notifications', '--dead', '--dir', dir], { env });
    answer = 200;
    const test = await sluice(['notifications', 'test', '0', '--dir', dir], { env });
    const retried = await sluice(['notifications', 'retry', '--all', '--dir', dir], { env });
    const run = await sluice(['run', '--dir', dir], { env });
    const after = await sluice(['notifications', '--json', '--dir', dir], { env });

    // Assess
    expect(ingest.code).toBe(0);
    expect(listed.stdout).toContain('0 pending, 0 delivered, 2 dead letter(s)');
    expect(listed.stdout).toContain('HTTP 500');
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/answered 200 to msg_\w+: delivered/);
    const sample = r.received.find((x) => JSON.parse(x.body).type === 'sluice.test');
    expect(sample?.verified).toBe(true);
    expect(retried.stdout).toContain('2 dead letter(s) back to pending');
    expect(run.code).toBe(0);
    const deliveries = JSON.parse(after.stdout) as { counts: Record<string, number>; deliveries: { status: string; type: string }[] };
    expect(deliveries.counts).toEqual({ pending: 0, delivered: 2, dead: 0 });
    expect(deliveries.deliveries.map((d) => d.type).sort()).toEqual(['file.processed', 'schema.changed']);
    for (const out of [ingest, listed, test, retried, run, after]) expect(out.stdout + out.stderr).not.toContain(SECRET.slice(6));
  });
});
