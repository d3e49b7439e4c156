/**
 * The DynamoDB tables of the run state, declared from the very CreateTable
 * inputs the DynamoDB backend uses (state/dynamodb/tables.ts), so the
 * deployed keys and indexes cannot drift from what the code queries; plus
 * Powertools' idempotency table (partition key `id`, TTL on `expiration`).
 *
 * All on-demand, with point-in-time recovery, encrypted with the AWS managed
 * key (aws/dynamodb: the key use is logged in CloudTrail and the Lambda needs
 * no KMS grant), kept when the stack is deleted.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type TableNames, tableDefinitions, tableNames } from '../state/dynamodb/tables.js';
import { idempotencyTableName, statePrefix } from './names.js';

const ATTRIBUTE_TYPES = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER, B: dynamodb.AttributeType.BINARY } as const;
const PROJECTIONS = { ALL: dynamodb.ProjectionType.ALL, KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY, INCLUDE: dynamodb.ProjectionType.INCLUDE } as const;

type KeySchema = NonNullable<CreateTableCommandInput['KeySchema']>;

/** The partition and sort keys of a key schema, typed from the definition's attributes. */
function keysOf(def: CreateTableCommandInput, schema: KeySchema): { partitionKey: dynamodb.Attribute; sortKey?: dynamodb.Attribute } {
  const attribute = (keyType: 'HASH' | 'RANGE'): dynamodb.Attribute | undefined => {
    const name = schema.find((k) => k.KeyType === keyType)?.AttributeName;
    if (name === undefined) return undefined;
    const type = def.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (type === undefined) throw new Error(`table ${def.TableName}: key attribute ${name} has no definition`);
    return { name, type: ATTRIBUTE_TYPES[type] };
  };
  const partitionKey = attribute('HASH');
  if (!partitionKey) throw new Error(`table ${def.TableName}: no partition key`);
  const sortKey = attribute('RANGE');
  return { partitionKey, ...(sortKey ? { sortKey } : {}) };
}

const TABLE_DEFAULTS = {
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  encryption: dynamodb.TableEncryption.AWS_MANAGED,
  removalPolicy: RemovalPolicy.RETAIN,
} satisfies Partial<dynamodb.TableProps>;

export class StateTables extends Construct {
  readonly runs: dynamodb.Table;
  readonly bookmarks: dynamodb.Table;
  readonly catalog: dynamodb.Table;
  readonly idempotency: dynamodb.Table;
  /** Every table with the names of its global secondary indexes (for index ARNs in policies). */
  readonly all: { table: dynamodb.Table; indexes: string[] }[] = [];

  constructor(scope: Construct, id: string, props: { stackName: string }) {
    super(scope, id);
    const byName = new Map<string, dynamodb.Table>();
    for (const def of tableDefinitions(statePrefix(props.stackName))) {
      const name = def.TableName as string;
      const table = new dynamodb.Table(this, name.slice(statePrefix(props.stackName).length), {
        ...TABLE_DEFAULTS,
        tableName: name,
        ...keysOf(def, def.KeySchema ?? []),
      });
      for (const index of def.GlobalSecondaryIndexes ?? []) {
        const projection = index.Projection?.ProjectionType ?? 'ALL';
        table.addGlobalSecondaryIndex({
          indexName: index.IndexName as string,
          ...keysOf(def, index.KeySchema ?? []),
          projectionType: PROJECTIONS[projection],
          ...(projection === 'INCLUDE' ? { nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] } : {}),
        });
      }
      byName.set(name, table);
      this.all.push({ table, indexes: (def.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName as string) });
    }
    const names = tableNames(statePrefix(props.stackName));
    const get = (which: keyof TableNames) => {
      const table = byName.get(names[which]);
      if (!table) throw new Error(`state/dynamodb/tables.ts defines no ${which} table`);
      return table;
    };
    this.runs = get('runs');
    this.bookmarks = get('bookmarks');
    this.catalog = get('catalog');

    this.idempotency = new dynamodb.Table(this, 'idempotency', {
      ...TABLE_DEFAULTS,
      tableName: idempotencyTableName(props.stackName),
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });
    this.all.push({ table: this.idempotency, indexes: [] });
  }
}
