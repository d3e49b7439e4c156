/** ARNs of resources the stack names but does not create as constructs (Glue catalog entries, Glue's own log groups). */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `arn:<partition>:glue:<region>:<account>:<resource>[/<name>]`: catalog, database/<db>, table/<db>/<table>, job/<name>, crawler/<name>. */
export function glueArn(scope: IConstruct, resource: string, resourceName?: string): string {
  return Stack.of(scope).formatArn({ service: 'glue', resource, ...(resourceName !== undefined ? { resourceName } : {}) });
}

/** `arn:<partition>:logs:<region>:<account>:log-group:<name>` (a pattern may end in `*`). */
export function logGroupArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
