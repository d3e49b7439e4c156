/**
 * The three event shapes AWS delivers to a Lambda for a new object, as AWS
 * documents them (S3 notification direct, through SQS, EventBridge "Object
 * Created"), turned into raw-zone keys: URL-decoding where S3 encodes, the
 * zone's prefix, keys no zone may hold, and what is skipped and why.
 */
import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseObjectEvents } from '../../src/runtime/lambda/events.js';
import { sqsRecord } from '../helpers/lambda-events.js';

const RAW = { bucket: 'acme-lake', prefix: 'raw/' };

/** An S3 event notification record as S3 sends it (eventVersion 2.1), key URL-encoded. */
function s3Record(key: string, opts: { bucket?: string; eventName?: string; eTag?: string; size?: number } = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-29T08:00:00.000Z',
    eventName: opts.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'sluice-raw',
      bucket: { name: opts.bucket ?? 'acme-lake', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${opts.bucket ?? 'acme-lake'}` },
      object: { key, size: opts.size ?? 1024, eTag: opts.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

function eventBridge(key: string, bucket = 'acme-lake') {
  return {
    version: '0',
    id: 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-29T08:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key,
        size: 198524144,
        etag: '4af981f98d22a0b9979da24b259e5e42-12',
        'version-id': 'uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G',
        sequencer: '0064D3901D00059242',
      },
      'request-id': 'XRRTKJXSZQCWNQR1',
      requester: '123456789012',
      'source-ip-address': '203.0.113.7',
      reason: 'CompleteMultipartUpload',
    },
  };
}

describe('S3 event notifications, invoked directly', () => {
  it('decodes keys (+ for a space, %XX for the rest) and strips the zone prefix', () => {
    const parsed = parseObjectEvents({ Records: [s3Record('raw/Ventes+%C3%A9t%C3%A9/2024+03%3A01.csv', { size: 5 })] }, RAW);
    expect(parsed).toEqual({
      objects: [{ key: 'Ventes été/2024 03:01.csv', bucket: 'acme-lake', version: 'd41d8cd98f00b204e9800998ecf8427e', size: 5 }],
      skipped: [],
    });
  });

  it('takes every record of a batch and skips what is not the raw zone, saying why', () => {
    const parsed = parseObjectEvents(
      {
        Records: [
          s3Record('raw/orders/a.csv'),
          s3Record('processed/orders/a.parquet'),
          s3Record('raw/orders/b.csv', { bucket: 'other-bucket' }),
          s3Record('raw/orders/c.csv', { eventName: 'ObjectRemoved:Delete' }),
          s3Record('raw/orders/'),
        ],
      },
      RAW,
    );
    expect(parsed.objects.map((o) => o.key)).toEqual(['orders/a.csv']);
    expect(parsed.skipped.map((s) => s.reason)).toEqual([
      's3://acme-lake/processed/orders/a.parquet is outside the raw zone s3://acme-lake/raw/',
      's3://other-bucket/raw/orders/b.csv is outside the raw zone s3://acme-lake/raw/',
      'not an object creation (ObjectRemoved:Delete)',
      's3://acme-lake/raw/orders/ is a folder marker, not a file',
    ]);
    expect(parsed.skipped.some((s) => s.refused)).toBe(false);
  });

  it('refuses keys no zone may hold, naming the reason, and malformed URL encoding', () => {
    const parsed = parseObjectEvents(
      { Records: [s3Record('raw/orders/..%2F..%2Fetc%2Fpasswd'), s3Record('raw/orders/a%07b.csv'), s3Record('raw/orders/%E0%A4%A.csv')] },
      RAW,
    );
    expect(parsed.objects).toEqual([]);
    expect(parsed.skipped.every((s) => s.refused)).toBe(true);
    expect(parsed.skipped.map((s) => s.reason)).toEqual([
      'invalid key "orders/../../etc/passwd": empty, "." and ".." path segments are not allowed',
      'invalid key "orders/a\u0007b.csv": it contains control characters',
      'the key "raw/orders/%E0%A4%A.csv" is not valid URL encoding',
    ]);
  });
});

describe('through SQS', () => {
  it('reads the notification in each message body, keeping the message id for partial batch failures', () => {
    const parsed = parseObjectEvents(
      {
        Records: [
          sqsRecord({ Records: [s3Record('raw/orders/a.csv')] }, 'm-1'),
          sqsRecord({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-29T08:00:00.000Z', Bucket: 'acme-lake' }, 'm-2'),
          sqsRecord('not json', 'm-3'),
          sqsRecord({ hello: 'world' }, 'm-4'),
          sqsRecord(eventBridge('raw/orders/b.csv'), 'm-5'),
        ],
      },
      RAW,
    );
    expect(parsed.objects).toEqual([
      { key: 'orders/a.csv', bucket: 'acme-lake', version: 'd41d8cd98f00b204e9800998ecf8427e', size: 1024, messageId: 'm-1' },
      { key: 'orders/b.csv', bucket: 'acme-lake', version: 'uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G', size: 198524144, messageId: 'm-5' },
    ]);
    expect(parsed.skipped).toEqual([
      { messageId: 'm-2', reason: 'an S3 test event (sent once when a notification is set up)' },
      { messageId: 'm-3', refused: true, reason: 'the SQS message body is not JSON' },
      { messageId: 'm-4', refused: true, reason: 'the SQS message holds no S3 notification' },
    ]);
  });
});

describe('EventBridge', () => {
  it('takes the key as written (EventBridge does not URL-encode it) with the object version', () => {
    expect(parseObjectEvents(eventBridge('raw/health check/2023-08-08T14:03:40.csv'), RAW).objects).toEqual([
      { key: 'health check/2023-08-08T14:03:40.csv', bucket: 'acme-lake', version: 'uhggCJ2_B6gU2JaXWXebnXFDstO0ID6G', size: 198524144 },
    ]);
  });
});

describe('events that are none of the three', () => {
  it('are refused as a whole with a message saying what was expected', () => {
    for (const event of [null, {}, { Records: 'x' }, { source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} }, 'text']) {
      expect(() => parseObjectEvents(event, RAW), JSON.stringify(event)).toThrow(InvalidEventError);
    }
    expect(() => parseObjectEvents({}, RAW)).toThrow('the event is not an S3 notification, an SQS batch or an EventBridge "Object Created" event');
  });
});
