/**
 * The zone buckets (raw, processed, final, quarantine) and the bucket their
 * server access logs go to.
 *
 * Encryption: S3-managed keys (SSE-S3), not KMS. Every reader of these
 * buckets (the Lambda, Glue crawlers and jobs, Athena, QuickSight) would
 * otherwise need kms:Decrypt grants and a key policy naming each service,
 * each one more place to get wrong, for no gain in who can read: access is
 * decided by the bucket policies (bucket-access.ts), and SSE-S3 still
 * encrypts every object at rest (AES-256) at no cost per request.
 *
 * All of them: public access blocked, TLS required (enforceSSL), ACLs off
 * (bucket owner enforced), kept when the stack is deleted (RETAIN: the data
 * outlives the deployment), unfinished multipart uploads removed after 7 days.
 * Raw is versioned (an overwritten upload stays recoverable); quarantine
 * expires after retention.quarantineDays (with it the reports and job-run
 * records the Lambda keeps under `.sluice/` there); access logs after
 * retention.logDays.
 *
 * S3 event notifications go to EventBridge. This is set on the bucket itself
 * (`NotificationConfiguration.EventBridgeConfiguration`) rather than through
 * `eventBridgeEnabled`, which CDK implements with a custom-resource Lambda
 * (and its own role, managed policy and runtime to keep current).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AwsConfig } from '../config/schema.js';
import type { Zone } from '../core/keys.js';
import { acknowledge } from './nag.js';

export interface SluiceBucketsProps {
  names: AwsConfig['buckets'];
  retention: AwsConfig['retention'];
}

export class SluiceBuckets extends Construct {
  readonly raw: s3.Bucket;
  readonly processed: s3.Bucket;
  readonly final: s3.Bucket;
  readonly quarantine: s3.Bucket;
  /** Server access logs of the four zone buckets, under `<zone>/`. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: SluiceBucketsProps) {
    super(scope, id);
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies s3.BucketProps;
    const abortUploads: s3.LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) };

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [abortUploads, { id: 'expire-access-logs', expiration: Duration.days(props.retention.logDays) }],
    });
    acknowledge(
      this.accessLogs,
      'AwsSolutions-S1',
      'This bucket is the destination of the zone buckets’ server access logs; logging its own accesses into itself would log each log delivery, without end.',
    );

    const zone = (name: Zone, id: string, extra: Partial<s3.BucketProps> = {}) => {
      const bucket = new s3.Bucket(this, id, {
        ...secure,
        ...(props.names[name] ? { bucketName: props.names[name] } : {}),
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name}/`,
        ...extra,
        lifecycleRules: [abortUploads, ...(extra.lifecycleRules ?? [])],
      });
      (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
      return bucket;
    };
    this.raw = zone('raw', 'Raw', { versioned: true });
    this.processed = zone('processed', 'Processed');
    this.final = zone('final', 'Final');
    this.quarantine = zone('quarantine', 'Quarantine', {
      lifecycleRules: [{ id: 'expire-quarantine', expiration: Duration.days(props.retention.quarantineDays) }],
    });
  }

  /** The zone buckets by zone. */
  get zones(): Record<Zone, s3.Bucket> {
    return { raw: this.raw, processed: this.processed, final: this.final, quarantine: this.quarantine };
  }
}
