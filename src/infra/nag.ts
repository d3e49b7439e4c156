/**
 * cdk-nag 3 acknowledgments. cdk-nag runs as a CDK validation plugin: a
 * finding not acknowledged on its resource (or an ancestor) fails the synth.
 * Every acknowledgment here names one finding (`Rule[finding]` for rules that
 * report several per resource, like IAM5) and carries the reason. None
 * excuses a wildcard on a bucket: bucket access is granted in the bucket
 * policies (bucket-access.ts), and the tests check no acknowledgment names S3.
 */
import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag flattens CloudFormation references this way to name an IAM5 finding (`<AWS::Region>`, `<Logical.Arn>`);
// using its own function keeps our finding ids exactly what it reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledge one cdk-nag finding on a construct, with the reason it stands. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The id of an AwsSolutions-IAM5 finding on a wildcard resource ARN (which may hold tokens), as cdk-nag names it. */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

/** Acknowledge IAM5 findings for wildcard resources of a role's policy, one by one, with one reason. */
export function acknowledgeWildcardResources(scope: IConstruct, arns: string[], reason: string): void {
  for (const arn of arns) acknowledge(scope, wildcardResourceFinding(scope, arn), reason);
}
