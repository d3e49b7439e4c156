/**
 * Access to a zone's objects is granted in the bucket's own policy, naming the
 * one role it is for, rather than in the role's policy.
 *
 * Why: object keys are data (any CSV name a user drops), so an object grant
 * must cover `arn:aws:s3:::<bucket>/*`; there is no narrower ARN to write.
 * In a role's policy that wildcard is an AwsSolutions-IAM5 finding, and this
 * project suppresses none for buckets. In the bucket's policy the same
 * wildcard is bounded twice over: to this bucket (a resource policy cannot
 * reach another) and to the principal it names. Within one account either
 * policy allowing is enough (S3 authorization, same-account access), so the
 * role needs no S3 statement of its own and the grant lives beside the data
 * it opens, where a reviewer of the bucket sees every reader and writer.
 *
 * Each zone is its own bucket, so "the zone prefix" is the bucket root; a
 * prefix can narrow a grant further (`prefix`).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

export type ObjectAccess = 'read' | 'readWrite';

/** The S3 actions of each access level: what the S3 object store uses (get, head, list, put, multipart upload, copy, delete). */
export const OBJECT_ACTIONS: Record<ObjectAccess, string[]> = {
  read: ['s3:GetObject'],
  readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
};

/** Bucket-level actions every reader needs: listing (a missing key is then 404, not 403) and the bucket's region. */
export const BUCKET_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation'];

/** Grant a role `access` to a bucket's objects (under `prefix`, default all) through the bucket policy. */
export function grantObjects(bucket: s3.Bucket, role: iam.IRole, access: ObjectAccess, opts: { prefix?: string } = {}): void {
  const principal = new iam.ArnPrincipal(role.roleArn);
  bucket.addToResourcePolicy(new iam.PolicyStatement({ principals: [principal], actions: BUCKET_ACTIONS, resources: [bucket.bucketArn] }));
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [principal], actions: OBJECT_ACTIONS[access], resources: [bucket.arnForObjects(`${opts.prefix ?? ''}*`)] }),
  );
}
