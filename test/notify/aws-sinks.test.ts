/**
 * Events to SNS and EventBridge. Neither service can run here, so the AWS SDK
 * clients are mocked at the SDK boundary (aws-sdk-client-mock) and the tests
 * check the exact requests sent: topic, bus, source, detail-type, attributes
 * and the JSON payload, which must be the event the local log keeps.
 */

import fs from 'node:fs';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { PipelineEvent } from '../../src/core/events.js';
import { EventBridgeSink, eventMessage, MAX_MESSAGE_BYTES, PublishingEventLog, SnsEventSink } from '../../src/notify/aws.js';
import { Pipeline } from '../../src/runtime/local/pipeline.js';
import { openProject } from '../../src/runtime/project.js';
import type { Logger } from '../../src/stages/deps.js';
import type { EventLog, LoggedEvent } from '../../src/stages/ports.js';
import { tempDir } from '../helpers/project.js';

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
afterEach(() => {
  sns.reset();
  eventBridge.reset();
});

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sluice-events';
const updated: PipelineEvent = { type: 'table.updated', table: 'final.orders', version: 3, files: ['orders/a.parquet'] };

describe('SNS', () => {
  it('publishes each event as JSON with its type and table as message attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsEventSink(TOPIC, new SNSClient({ region: 'eu-west-1' })).append(updated);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: TOPIC,
        Subject: 'sluice table.updated',
        Message: JSON.stringify(updated),
        MessageAttributes: { type: { DataType: 'String', StringValue: 'table.updated' }, table: { DataType: 'String', StringValue: 'final.orders' } },
      },
    ]);
  });
});

describe('EventBridge', () => {
  it('puts each event on the bus with source sluice and the event type as detail-type', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    await new EventBridgeSink('sluice', new EventBridgeClient({ region: 'eu-west-1' })).append(updated);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([
      { Entries: [{ Source: 'sluice', DetailType: 'table.updated', Detail: JSON.stringify(updated), EventBusName: 'sluice' }] },
    ]);
  });

  it('fails when the bus refuses the entry, although PutEvents answered 200', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    await expect(new EventBridgeSink('sluice', new EventBridgeClient({ region: 'eu-west-1' })).append(updated)).rejects.toThrow(
      'EventBridge refused the table.updated event on bus sluice: ThrottlingException Rate exceeded',
    );
  });
});

describe('payload size', () => {
  it('sends a schema change too large for one message without its column lists, with the counts', () => {
    const columns = Array.from({ length: 5000 }, (_, i) => ({ name: `a_rather_long_column_name_${i}`, type: 'VARCHAR', nullable: true }));
    const event: PipelineEvent = {
      type: 'schema.changed',
      table: 'processed.wide',
      version: 2,
      policy: 'update',
      applied: true,
      diff: { added: columns, removed: [], widened: [], changed: [] },
    };
    expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(MAX_MESSAGE_BYTES);
    const sent = JSON.parse(eventMessage(event));
    expect(sent).toMatchObject({
      type: 'schema.changed',
      table: 'processed.wide',
      truncated: true,
      diffCounts: { added: 5000, removed: 0, widened: 0, changed: 0 },
    });
    expect(sent.diff.added).toEqual([]);
    expect(eventMessage(updated)).toBe(JSON.stringify(updated));
  });
});

describe('publishing beside the local log', () => {
  it('keeps the event locally and logs, without failing, when a service cannot be reached', async () => {
    const kept: PipelineEvent[] = [];
    const local: EventLog = {
      append: async (e) => {
        kept.push(e);
      },
      recent: async () => [] as LoggedEvent[],
    };
    const warnings: unknown[] = [];
    const log: Logger = { info() {}, error() {}, warn: (m, f) => warnings.push({ m, ...f }) };
    sns.on(PublishCommand).rejects(new Error('getaddrinfo ENOTFOUND sns.eu-west-1.amazonaws.com'));
    const events = new PublishingEventLog(local, [{ name: TOPIC, sink: new SnsEventSink(TOPIC, new SNSClient({ region: 'eu-west-1' })) }], log);
    await events.append(updated);
    expect(kept).toEqual([updated]);
    expect(warnings).toEqual([{ m: 'event not published', to: TOPIC, type: 'table.updated', error: 'getaddrinfo ENOTFOUND sns.eu-west-1.amazonaws.com' }]);
  });
});

describe('notify in sluice.yaml', () => {
  it('refuses a topic that is not an SNS ARN, and a notify that names nothing, with the key', () => {
    expect(() => parseConfig('notify:\n  snsTopicArn: sluice-events\n')).toThrow(
      'sluice.yaml: notify.snsTopicArn (line 2): give the topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:sluice-events',
    );
    expect(() => parseConfig('notify: {}\n')).toThrow('sluice.yaml: notify (line 1): name an snsTopicArn, an eventBus, or both');
  });

  it('publishes every event of a run to both services, with the payloads of the local event log', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const dir = tempDir('sluice-notify-');
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), `notify:\n  snsTopicArn: ${TOPIC}\n  eventBus: sluice\n`);
    fs.mkdirSync(path.join(dir, 'data/raw/orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/raw/orders/a.csv'), 'id,amount\n1,2.5\n2,3\n');
    const project = openProject(dir, { log: { info() {}, warn() {}, error() {} } });
    try {
      const pipeline = new Pipeline(project);
      await pipeline.scan();
      await pipeline.workUntilIdle();
      const local = (await project.events.recent(100)).map((e) => JSON.stringify(e.payload)).reverse();
      expect(local.map((e) => JSON.parse(e).type)).toEqual(['object.created', 'schema.changed', 'table.updated', 'table.updated']);
      expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Message)).toEqual(local);
      expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.Detail)).toEqual(local);
    } finally {
      project.close();
    }
  });
});
