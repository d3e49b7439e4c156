/**
 * The three shapes in which AWS tells a Lambda that an object was created in a
 * bucket, turned into the one internal event every Sluice intake produces:
 *
 * - an S3 event notification, invoked directly (`Records[].s3`, keys
 *   URL-encoded with `+` for spaces);
 * - the same notification delivered through SQS (`Records[].body` holds it as
 *   JSON; S3 also sends a one-off `s3:TestEvent` there, which is skipped);
 * - an EventBridge "Object Created" event (`detail.bucket.name`,
 *   `detail.object.key`, not URL-encoded).
 *
 * Only objects under the raw zone's prefix are the pipeline's; the rest are
 * skipped with a reason. A key no zone may hold (`../`, control characters,
 * over-long names) is refused with its reason, never guessed at.
 */
import type { EventBridgeEvent, S3Event, SQSRecord } from 'aws-lambda';
import { InvalidKeyError, SluiceError } from '../../core/errors.js';
import { validateKey } from '../../core/keys.js';
import type { S3Location } from '../../storage/s3/s3-object-store.js';

/** One object created in the raw zone, as the pipeline notes it. */
export interface RawObjectCreated {
  /** The key in the raw zone (the bucket key without the zone's prefix). */
  key: string;
  bucket: string;
  /** The object's ETag or version, when the event carries one: duplicate deliveries share it. */
  version?: string;
  size?: number;
  /** The SQS message it came in, for reporting a failed item of a batch. */
  messageId?: string;
}

/** An event record that does not become a run, and why. */
export interface SkippedRecord {
  reason: string;
  messageId?: string;
  /** A refused key is the sender's mistake; other skips (another prefix, a test event) are expected. */
  refused?: boolean;
}

export interface ParsedEvent {
  objects: RawObjectCreated[];
  skipped: SkippedRecord[];
}

type ObjectCreatedDetail = { bucket?: { name?: string }; object?: { key?: string; size?: number; etag?: string; 'version-id'?: string } };

/** Which of the three shapes an invocation has; anything else is refused as a whole. */
export function parseObjectEvents(event: unknown, raw: S3Location): ParsedEvent {
  const out: ParsedEvent = { objects: [], skipped: [] };
  if (isEventBridge(event)) {
    add(out, raw, eventBridgeObject(event.detail));
    return out;
  }
  const records = (event as { Records?: unknown[] } | null)?.Records;
  if (!Array.isArray(records)) {
    throw new InvalidEventError('the event is not an S3 notification, an SQS batch or an EventBridge "Object Created" event');
  }
  for (const record of records) {
    if (isSqsRecord(record)) addSqsRecord(out, raw, record);
    else addS3Records(out, raw, { Records: [record] } as S3Event);
  }
  return out;
}

/** An invocation Sluice cannot read at all (a malformed or foreign event). */
export class InvalidEventError extends SluiceError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

function isEventBridge(e: unknown): e is EventBridgeEvent<'Object Created', ObjectCreatedDetail> {
  const x = e as { source?: unknown; 'detail-type'?: unknown; detail?: unknown } | null;
  return x?.source === 'aws.s3' && x['detail-type'] === 'Object Created' && typeof x.detail === 'object' && x.detail !== null;
}

/** The object an EventBridge "Object Created" detail names (its key is not URL-encoded). */
function eventBridgeObject(d: ObjectCreatedDetail) {
  return { bucket: d.bucket?.name, key: d.object?.key, size: d.object?.size, version: d.object?.['version-id'] ?? d.object?.etag };
}

/** An SQS batch (its failed items can be reported one by one). */
export function isSqsBatch(event: unknown): boolean {
  const records = (event as { Records?: unknown[] } | null)?.Records;
  return Array.isArray(records) && isSqsRecord(records[0]);
}

function isSqsRecord(r: unknown): r is SQSRecord {
  return (r as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs';
}

function addSqsRecord(out: ParsedEvent, raw: S3Location, record: SQSRecord): void {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    out.skipped.push({ messageId: record.messageId, refused: true, reason: 'the SQS message body is not JSON' });
    return;
  }
  if ((body as { Event?: unknown } | null)?.Event === 's3:TestEvent') {
    out.skipped.push({ messageId: record.messageId, reason: 'an S3 test event (sent once when a notification is set up)' });
    return;
  }
  if (isEventBridge(body)) {
    add(out, raw, { ...eventBridgeObject(body.detail), messageId: record.messageId });
    return;
  }
  if (!Array.isArray((body as { Records?: unknown } | null)?.Records)) {
    out.skipped.push({ messageId: record.messageId, refused: true, reason: 'the SQS message holds no S3 notification' });
    return;
  }
  addS3Records(out, raw, body as S3Event, record.messageId);
}

function addS3Records(out: ParsedEvent, raw: S3Location, event: S3Event, messageId?: string): void {
  for (const r of event.Records) {
    if (!r?.eventName?.startsWith('ObjectCreated:')) {
      out.skipped.push({ ...(messageId ? { messageId } : {}), reason: `not an object creation (${r?.eventName ?? 'no eventName'})` });
      continue;
    }
    let key: string | undefined;
    try {
      // Notification keys are URL-encoded, with '+' for a space.
      key = decodeURIComponent((r.s3?.object?.key ?? '').replace(/\+/g, ' '));
    } catch {
      out.skipped.push({ ...(messageId ? { messageId } : {}), refused: true, reason: `the key "${r.s3?.object?.key}" is not valid URL encoding` });
      continue;
    }
    add(out, raw, { bucket: r.s3?.bucket?.name, key, size: r.s3?.object?.size, version: r.s3?.object?.versionId ?? r.s3?.object?.eTag, messageId });
  }
}

function add(out: ParsedEvent, raw: S3Location, o: { bucket?: string; key?: string; size?: number; version?: string; messageId?: string }): void {
  const from = o.messageId ? { messageId: o.messageId } : {};
  if (!o.bucket || o.key === undefined) {
    out.skipped.push({ ...from, refused: true, reason: 'the record names no bucket or key' });
    return;
  }
  if (o.bucket !== raw.bucket || !o.key.startsWith(raw.prefix)) {
    out.skipped.push({ ...from, reason: `s3://${o.bucket}/${o.key} is outside the raw zone s3://${raw.bucket}/${raw.prefix}` });
    return;
  }
  const key = o.key.slice(raw.prefix.length);
  if (key.endsWith('/')) {
    out.skipped.push({ ...from, reason: `s3://${o.bucket}/${o.key} is a folder marker, not a file` });
    return;
  }
  try {
    validateKey(key);
  } catch (err) {
    if (!(err instanceof InvalidKeyError)) throw err;
    out.skipped.push({ ...from, refused: true, reason: err.message });
    return;
  }
  out.objects.push({ key, bucket: o.bucket, ...(o.version ? { version: o.version } : {}), ...(o.size !== undefined ? { size: o.size } : {}), ...from });
}
