/**
 * Mirrors a catalog table into the Glue Data Catalog, so Athena, Glue jobs
 * and QuickSight read what Sluice cataloged. Glue has no place for what our
 * catalog also tracks (files with hashes and lineage, row counts, schema
 * versions with diffs), so the catalog itself stays in its backend
 * (DynamoDB on AWS) and this publishes each table after each change: the
 * table as an external Parquet table, and its partitions.
 *
 * - One Glue database per zone, `<prefix>processed` and `<prefix>final`,
 *   created when a table first needs it.
 * - The table: UpdateTable, or CreateTable when Glue does not know it yet
 *   (EntityNotFoundException). A change that left the schema as it was
 *   (most registrations: one more file) only checks that Glue has the table
 *   (GetTable): every UpdateTable archives a table version in Glue, and a
 *   table takes at most 100,000 of them. Columns and partition keys carry Hive types
 *   (`toHiveType`) and the comments preprocess wrote (each column's origin
 *   and type decision), cut to Glue's 255 characters.
 * - Partitions: the distinct partition values of the table's files that Glue
 *   lacks (GetPartitions, page by page) are created by BatchCreatePartition,
 *   100 per call; an entry Glue already has (a concurrent publisher) is fine.
 *   A file lacking one of the table's partition keys lies outside every
 *   partition folder and is not published as one. Partitions whose files
 *   left are kept: empty, they read as no rows.
 * - A dropped table (its last file left, so its schema is empty) is deleted
 *   from Glue rather than updated to no columns: Athena refuses a table
 *   without columns, and a missing table is what `Catalog.schema` says too.
 *   Its history stays in our catalog; the next file creates it again.
 * - ConcurrentModificationException (another writer on the same table) is
 *   retried with exponential backoff; other Glue errors leave as a
 *   StateError naming the Glue table, the operation and Glue's error code.
 */
import {
  BatchCreatePartitionCommand,
  type Column,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetPartitionsCommand,
  type GetPartitionsCommandOutput,
  GetTableCommand,
  type GlueClient,
  GlueServiceException,
  type PartitionInput,
  type StorageDescriptor,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { CatalogDatabase, CatalogTable, TableChange } from '../../core/catalog.js';
import { StateError } from '../../core/errors.js';
import { type ColumnSchema, toHiveType } from '../../core/types.js';
import type { Catalog } from '../../stages/ports.js';

export const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
export const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
export const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
/** BatchCreatePartition takes at most 100 partitions per call. */
export const PARTITIONS_PER_CALL = 100;
const MAX_COMMENT = 255;

export interface GluePublisherOptions {
  /** Prefix of the Glue database names (`sluice_` → `sluice_processed`, `sluice_final`). */
  databasePrefix?: string;
  /** A table's location as Glue should see it; `s3://` locations as they are by default, anything else is refused. */
  s3LocationOf?: (location: string) => string;
  /** Attempts of a call Glue refuses with ConcurrentModificationException. */
  maxAttempts?: number;
  /** The wait before the second attempt; it doubles with each attempt after. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a publisher reads from the catalog it mirrors. */
export type CatalogReader = Pick<Catalog, 'getTable' | 'files'>;

function glueColumn(c: ColumnSchema): Column {
  const comment = c.comment && c.comment.length > MAX_COMMENT ? `${c.comment.slice(0, MAX_COMMENT - 1)}…` : c.comment;
  return { Name: c.name, Type: toHiveType(c.type), ...(comment ? { Comment: comment } : {}) };
}

function withSlash(location: string): string {
  return location.endsWith('/') ? location : `${location}/`;
}

function errorCode(err: unknown): string {
  if (err instanceof GlueServiceException) return `${err.name} (HTTP ${err.$metadata?.httpStatusCode ?? '?'})`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const isGlueError = (err: unknown, name: string) => err instanceof Error && err.name === name;

/** The name of the Glue error behind a StateError of `call`. */
const glueErrorName = (err: unknown) => (err instanceof StateError && err.cause instanceof Error ? err.cause.name : undefined);

export class GluePublisher {
  private readonly prefix: string;
  private readonly s3LocationOf: (location: string) => string;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly glue: GlueClient,
    opts: GluePublisherOptions = {},
  ) {
    this.prefix = opts.databasePrefix ?? '';
    this.s3LocationOf = opts.s3LocationOf ?? ((location) => location);
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.backoffMs = opts.backoffMs ?? 100;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The Glue database of a zone. */
  databaseName(database: CatalogDatabase): string {
    return `${this.prefix}${database}`;
  }

  /** Mirror the table a change touched, as the catalog holds it now. A refused file changed nothing, and publishes nothing. */
  async publish(change: TableChange, catalog: CatalogReader): Promise<void> {
    if (change.rejected) return;
    const table = await catalog.getTable(change.database, change.table);
    if (!table) return;
    const database = this.databaseName(table.database);
    if (table.columns.length === 0 && table.partitionKeys.length === 0) {
      await this.call('DeleteTable', table, () => this.glue.send(new DeleteTableCommand({ DatabaseName: database, Name: table.name })), [
        'EntityNotFoundException',
      ]);
      return;
    }
    const input = this.tableInput(table);
    if (change.diff || !(await this.hasTable(table))) await this.upsertTable(table, input);
    if (table.partitionKeys.length)
      await this.addPartitions(table, input.StorageDescriptor as StorageDescriptor, await catalog.files(table.database, table.name));
  }

  /** The TableInput of CreateTable and UpdateTable for a table. */
  tableInput(table: CatalogTable): TableInput & { StorageDescriptor: StorageDescriptor } {
    return {
      Name: table.name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'sluice.version': String(table.version) },
      PartitionKeys: table.partitionKeys.map(glueColumn),
      StorageDescriptor: this.storage(table.columns, this.location(table)),
    };
  }

  private location(table: CatalogTable): string {
    const location = this.s3LocationOf(table.location);
    if (!location.startsWith('s3://')) {
      throw new StateError(
        `Glue table ${this.databaseName(table.database)}.${table.name}: its location "${table.location}" is not on S3; Glue tables point at s3:// locations (set the zone to s3://bucket/prefix)`,
        'Glue publish',
      );
    }
    return withSlash(location);
  }

  private storage(columns: readonly ColumnSchema[], location: string): StorageDescriptor {
    return {
      Columns: columns.map(glueColumn),
      Location: location,
      InputFormat: PARQUET_INPUT_FORMAT,
      OutputFormat: PARQUET_OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } },
    };
  }

  /** Whether Glue has the table (GetTable). */
  private async hasTable(table: CatalogTable): Promise<boolean> {
    try {
      await this.call('GetTable', table, () => this.glue.send(new GetTableCommand({ DatabaseName: this.databaseName(table.database), Name: table.name })));
      return true;
    } catch (err) {
      if (glueErrorName(err) === 'EntityNotFoundException') return false;
      throw err;
    }
  }

  /** UpdateTable; CreateTable when Glue lacks the table (and CreateDatabase first when it lacks the database too). */
  private async upsertTable(table: CatalogTable, input: TableInput): Promise<void> {
    const DatabaseName = this.databaseName(table.database);
    const update = () => this.call('UpdateTable', table, () => this.glue.send(new UpdateTableCommand({ DatabaseName, TableInput: input })));
    const create = () => this.call('CreateTable', table, () => this.glue.send(new CreateTableCommand({ DatabaseName, TableInput: input })));
    try {
      await update();
      return;
    } catch (err) {
      if (glueErrorName(err) !== 'EntityNotFoundException') throw err;
    }
    try {
      await create();
    } catch (err) {
      // Another publisher created it meanwhile: ours is the newer input.
      if (glueErrorName(err) === 'AlreadyExistsException') {
        await update();
        return;
      }
      if (glueErrorName(err) !== 'EntityNotFoundException') throw err;
      await this.call('CreateDatabase', table, () => this.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DatabaseName } })), [
        'AlreadyExistsException',
      ]);
      await create();
    }
  }

  /** Create the partitions the table's files have and Glue lacks, 100 per call. */
  private async addPartitions(table: CatalogTable, storage: StorageDescriptor, files: readonly { partitionValues: Record<string, string> }[]): Promise<void> {
    const DatabaseName = this.databaseName(table.database);
    const keys = table.partitionKeys.map((k) => k.name);
    const existing = new Set<string>();
    let NextToken: string | undefined;
    do {
      const page: GetPartitionsCommandOutput = await this.call('GetPartitions', table, () =>
        this.glue.send(new GetPartitionsCommand({ DatabaseName, TableName: table.name, NextToken })),
      );
      for (const p of page.Partitions ?? []) existing.add(JSON.stringify(p.Values ?? []));
      NextToken = page.NextToken;
    } while (NextToken);

    const wanted = new Map<string, string[]>();
    for (const f of files) {
      const values = keys.map((k) => f.partitionValues[k]);
      if (values.some((v) => v === undefined)) continue;
      const id = JSON.stringify(values);
      if (!existing.has(id)) wanted.set(id, values as string[]);
    }
    const inputs: PartitionInput[] = [...wanted.values()].map((values) => ({
      Values: values,
      StorageDescriptor: { ...storage, Location: `${storage.Location}${keys.map((k, i) => `${k}=${values[i]}`).join('/')}/` },
    }));
    for (let i = 0; i < inputs.length; i += PARTITIONS_PER_CALL) {
      const batch = inputs.slice(i, i + PARTITIONS_PER_CALL);
      const out = await this.call('BatchCreatePartition', table, () =>
        this.glue.send(new BatchCreatePartitionCommand({ DatabaseName, TableName: table.name, PartitionInputList: batch })),
      );
      const failed = (out.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
      if (failed.length) {
        const first = failed[0];
        throw new StateError(
          `Glue BatchCreatePartition on ${DatabaseName}.${table.name} failed for ${failed.length} partition(s), first [${(first?.PartitionValues ?? []).join(', ')}]: ${first?.ErrorDetail?.ErrorCode ?? '?'}; check that this process may write the Glue table`,
          `Glue BatchCreatePartition on ${DatabaseName}.${table.name}`,
        );
      }
    }
  }

  /**
   * One Glue call: retried with backoff while Glue answers
   * ConcurrentModificationException, `tolerated` errors taken as success
   * (undefined), anything else a StateError.
   */
  private async call<T>(command: string, table: CatalogTable, act: () => Promise<T>, tolerated: readonly string[] = []): Promise<T> {
    const operation = `Glue ${command} on ${this.databaseName(table.database)}.${table.name}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await act();
      } catch (err) {
        if (tolerated.some((name) => isGlueError(err, name))) return undefined as T;
        if (isGlueError(err, 'ConcurrentModificationException') && attempt < this.maxAttempts) {
          await this.sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw new StateError(`${operation} failed: ${errorCode(err)}; check that the Glue database exists and that this process may write it`, operation, {
          cause: err,
        });
      }
    }
  }
}
