/** `sluice notifications [list | test <index or url> | retry (--all | <id>)]`: webhook deliveries and dead letters. */
import { UsageError } from '../../core/errors.js';
import { TEST_EVENT_TYPE, type WebhookEvent } from '../../core/webhook-events.js';
import { sendSigned } from '../../notify/webhook-delivery.js';
import { resolveEndpoints } from '../../notify/webhook-endpoints.js';
import { createLogger } from '../../runtime/logger.js';
import { openProject, type Project } from '../../runtime/project.js';
import { newMessageId, type OutboxRow, SqliteWebhookOutbox } from '../../state/webhook-outbox.js';
import { type Command, parse } from '../context.js';
import { printJson, printRecords } from '../output.js';

const USAGE = 'sluice notifications [list [--limit N] [--dead] | test <webhook index or url> | retry (--all | <message id>)]';

function when(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

function list(project: Project, outbox: SqliteWebhookOutbox, output: Parameters<Command>[0]['output'], limit: number, dead: boolean): number {
  const rows = outbox.list({ limit, ...(dead ? { status: 'dead' as const } : {}) });
  const counts = outbox.counts();
  if (output.json) {
    printJson(output, { counts, deliveries: rows.map(({ payload: _payload, ...r }) => r) });
    return 0;
  }
  if (!project.config.notifications.webhooks.length) output.out('no webhooks in sluice.yaml (see notifications.webhooks in docs/sluice-yaml.md)\n');
  output.out(`${counts.pending} pending, ${counts.delivered} delivered, ${counts.dead} dead letter(s)\n`);
  printRecords(
    output,
    rows,
    ['id', 'event', 'webhook', 'status', 'attempts', 'next attempt / delivered', 'last error'],
    rows.map((r: OutboxRow) => [
      r.id,
      r.type,
      `[${r.endpoint}] ${r.url}`,
      r.status,
      `${r.attempts}/${r.maxAttempts}`,
      r.status === 'delivered' ? when(r.deliveredAt) : r.status === 'pending' ? when(r.nextAttemptAt) : '',
      r.lastError ?? '',
    ]),
  );
  return 0;
}

/** Send a signed `sluice.test` event now to one configured webhook and print its answer. */
async function test(project: Project, target: string | undefined, output: Parameters<Command>[0]['output']): Promise<number> {
  const webhooks = project.config.notifications.webhooks;
  if (!target) throw new UsageError(`notifications test: name a webhook by its index (0…) or URL (usage: ${USAGE})`);
  const index = /^\d+$/.test(target) ? Number(target) : webhooks.findIndex((w) => w.url === target);
  const config = webhooks[index];
  if (!config) {
    throw new UsageError(
      `notifications test: "${target}" is not a webhook in sluice.yaml (notifications.webhooks has ${webhooks.length}); give its index or its exact url`,
    );
  }
  // Only this endpoint's secret is needed.
  const [endpoint] = resolveEndpoints({ ...project.config.notifications, webhooks: [config] }, process.env, project.configFile ?? 'sluice.yaml');
  if (!endpoint) return 1;
  const event: WebhookEvent = {
    type: TEST_EVENT_TYPE,
    timestamp: new Date().toISOString(),
    data: { message: 'a test event from sluice notifications test', webhook: index, events: config.events },
  };
  const id = newMessageId();
  const result = await sendSigned(endpoint, id, JSON.stringify(event));
  if (output.json) printJson(output, { id, url: config.url, ...result });
  else if (result.ok) output.out(`${config.url}: answered ${result.status} to ${id}: delivered\n`);
  else output.err(`${config.url}: not delivered (${id}): ${result.error}\n`);
  return result.ok ? 0 : 1;
}

export const notifications: Command = async ({ args, dir, output }) => {
  const { values, positionals } = parse('notifications', args, {
    all: { type: 'boolean' },
    dead: { type: 'boolean' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [sub = 'list', target] = positionals;
  const project = openProject(dir, { log: createLogger({ level: 'warn' }) });
  try {
    const outbox = new SqliteWebhookOutbox(project.db);
    if (sub === 'list') {
      const limit = Number(values.limit ?? 20);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`notifications: --limit must be a whole number above 0, not "${values.limit}"`);
      return list(project, outbox, output, limit, values.dead === true);
    }
    if (sub === 'test') return await test(project, target, output);
    if (sub === 'retry') {
      if (!values.all && !target) throw new UsageError(`notifications retry: give a message id or --all (usage: ${USAGE})`);
      if (target && !outbox.get(target)) throw new UsageError(`notifications retry: no message ${target} (see \`sluice notifications\`)`);
      const n = outbox.retryDead(values.all ? undefined : target);
      if (output.json) printJson(output, { requeued: n });
      else
        output.out(
          n ? `${n} dead letter(s) back to pending; a running \`sluice start\` sends them (or the next ingest, run or start)\n` : 'no dead letter to retry\n',
        );
      return 0;
    }
    throw new UsageError(`notifications: unknown subcommand "${sub}" (usage: ${USAGE})`);
  } finally {
    project.close();
  }
};
