/**
 * The names the deployed stack gives its resources, in one place: the Lambda
 * runtime reads some of them from its environment (state tables, Glue
 * databases), operators type others (`aws glue start-crawler --name …`), so
 * they are derived from the stack name alone and never depend on the order
 * in which constructs are created.
 */

/** DynamoDB run-state tables are `<stackName>-runs`, `-bookmarks`, `-catalog` (see state/dynamodb/tables.ts). */
export function statePrefix(stackName: string): string {
  return `${stackName}-`;
}

/** Powertools' idempotency table, beside the run-state tables. */
export function idempotencyTableName(stackName: string): string {
  return `${statePrefix(stackName)}idempotency`;
}

/**
 * Glue database names are lowercase letters, digits and underscores (Athena
 * refuses hyphens in unquoted names): `My-Stack` → `my_stack_`.
 */
export function glueDatabasePrefix(stackName: string): string {
  return `${stackName.toLowerCase().replace(/-/g, '_')}_`;
}

export function glueDatabaseNames(stackName: string): { processed: string; final: string } {
  const prefix = glueDatabasePrefix(stackName);
  return { processed: `${prefix}processed`, final: `${prefix}final` };
}

export function glueJobName(stackName: string, job: string): string {
  return `${stackName}-${job}`;
}

/** The crawler of one dataset's folder, or (no dataset) the one over everything else in the processed bucket. */
export function crawlerName(stackName: string, dataset?: string): string {
  return dataset === undefined ? `${stackName}-processed` : `${stackName}-processed-${dataset}`;
}

export function glueSecurityConfigurationName(stackName: string): string {
  return `${stackName}-glue`;
}

export function eventBusName(stackName: string): string {
  return `${stackName}-events`;
}

export function alertsTopicName(stackName: string): string {
  return `${stackName}-alerts`;
}
