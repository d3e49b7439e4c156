/**
 * The pipeline's events published to SNS and EventBridge (the seed design's
 * notifications), with the payloads the local event log keeps:
 *
 * - SNS: one message per event, the event as JSON; message attributes `type`
 *   and (when the event has one) `table`, so subscriptions can filter.
 * - EventBridge: one entry per event, source `sluice`, detail-type the event
 *   type (`table.updated`), detail the event.
 *
 * Both services cap a message at 256 KiB. An event over the cap (a schema
 * diff of thousands of columns) is sent without its column lists and with
 * `truncated: true` and the counts, never dropped and never refused.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { errorMessage } from '../core/errors.js';
import type { PipelineEvent } from '../core/events.js';
import { EVENT_SOURCE } from '../core/metrics.js';
import type { Logger } from '../stages/deps.js';
import type { EventLog, EventSink, LoggedEvent } from '../stages/ports.js';

/** The services' limit on one message or entry. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** The event as JSON within the services' limit: a diff too large to send goes as its counts. */
export function eventMessage(event: PipelineEvent, limit = MAX_MESSAGE_BYTES): string {
  const text = JSON.stringify(event);
  if (Buffer.byteLength(text) <= limit || !('diff' in event) || !event.diff) return text;
  const { added, removed, widened, changed } = event.diff;
  const counts = { added: added.length, removed: removed.length, widened: widened.length, changed: changed.length };
  return JSON.stringify({ ...event, diff: { added: [], removed: [], widened: [], changed: [] }, diffCounts: counts, truncated: true });
}

export class SnsEventSink implements EventSink {
  constructor(
    private readonly topicArn: string,
    private readonly client: SNSClient = new SNSClient({}),
  ) {}

  async append(event: PipelineEvent): Promise<void> {
    const table = 'table' in event ? event.table : undefined;
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: `sluice ${event.type}`,
        Message: eventMessage(event),
        MessageAttributes: {
          type: { DataType: 'String', StringValue: event.type },
          ...(table ? { table: { DataType: 'String', StringValue: table } } : {}),
        },
      }),
    );
  }
}

export class EventBridgeSink implements EventSink {
  constructor(
    private readonly eventBus: string,
    private readonly client: EventBridgeClient = new EventBridgeClient({}),
  ) {}

  async append(event: PipelineEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({ Entries: [{ Source: EVENT_SOURCE, DetailType: event.type, Detail: eventMessage(event), EventBusName: this.eventBus }] }),
    );
    // PutEvents answers 200 with the entries it could not put.
    const failed = out.Entries?.find((e) => e.ErrorCode);
    if (out.FailedEntryCount || failed) {
      throw new Error(
        `EventBridge refused the ${event.type} event on bus ${this.eventBus}: ${failed?.ErrorCode ?? 'error'} ${failed?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}

/**
 * Events recorded where the runtime keeps them (the local event log, or the
 * function's log in a Lambda) and published to the configured services. The
 * record comes first: a service that cannot be reached (after the SDK's
 * retries) is logged and does not fail the run.
 */
export class PublishingEvents implements EventSink {
  constructor(
    private readonly local: EventSink,
    private readonly sinks: readonly { name: string; sink: EventSink }[],
    private readonly log: Logger,
  ) {}

  async append(event: PipelineEvent): Promise<void> {
    await this.local.append(event);
    for (const { name, sink } of this.sinks) {
      try {
        await sink.append(event);
      } catch (err) {
        this.log.warn('event not published', { to: name, type: event.type, error: errorMessage(err) });
      }
    }
  }
}

/** The local event log, with its events also published: what `sluice start` and the CLI record. */
export class PublishingEventLog extends PublishingEvents implements EventLog {
  constructor(
    private readonly eventLog: EventLog,
    sinks: readonly { name: string; sink: EventSink }[],
    log: Logger,
  ) {
    super(eventLog, sinks, log);
  }

  recent(limit?: number, filter?: { types?: readonly string[]; table?: string }): Promise<LoggedEvent[]> {
    return this.eventLog.recent(limit, filter);
  }
}

/** The sinks `notify:` in sluice.yaml names. */
export function notifySinks(notify: { snsTopicArn?: string; eventBus?: string } | undefined): { name: string; sink: EventSink }[] {
  return [
    ...(notify?.snsTopicArn ? [{ name: notify.snsTopicArn, sink: new SnsEventSink(notify.snsTopicArn) }] : []),
    ...(notify?.eventBus ? [{ name: `EventBridge bus ${notify.eventBus}`, sink: new EventBridgeSink(notify.eventBus) }] : []),
  ];
}
