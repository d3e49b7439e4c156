/**
 * A Catalog that mirrors every table it changes into the Glue Data Catalog:
 * it wraps any Catalog (DynamoDB on AWS), forwards each call, and after each
 * write that returns a change publishes that table (see publisher.ts).
 *
 * The write commits first and is published after. Should publishing fail,
 * the error (a StateError) reaches the caller with the catalog already
 * changed; the stage's run is retried, and registering the same file again
 * changes nothing in the catalog and publishes the table again, so Glue
 * catches up. Readers that go through Glue may meanwhile see the previous
 * table.
 */
import type { CatalogDatabase, FileRegistration, TableChange } from '../../core/catalog.js';
import type { Catalog, FileSwap } from '../../stages/ports.js';
import type { GluePublisher } from './publisher.js';

export class GlueCatalog implements Catalog {
  constructor(
    private readonly inner: Catalog,
    private readonly publisher: GluePublisher,
  ) {}

  listTables: Catalog['listTables'] = (database) => this.inner.listTables(database);
  getTable: Catalog['getTable'] = (database, name) => this.inner.getTable(database, name);
  schema: Catalog['schema'] = (database, name) => this.inner.schema(database, name);
  files: Catalog['files'] = (database, name) => this.inner.files(database, name);
  file: Catalog['file'] = (database, name, fileKey) => this.inner.file(database, name, fileKey);
  fileKeys: Catalog['fileKeys'] = (database, name) => this.inner.fileKeys(database, name);
  allFiles: Catalog['allFiles'] = (database) => this.inner.allFiles(database);
  versions: Catalog['versions'] = (database, name) => this.inner.versions(database, name);
  sourceOfFile: Catalog['sourceOfFile'] = (database, fileKey) => this.inner.sourceOfFile(database, fileKey);
  fileKeysFromSource: Catalog['fileKeysFromSource'] = (database, rawKey) => this.inner.fileKeysFromSource(database, rawKey);

  async registerFile(registration: FileRegistration, opts?: { fitByValue?: readonly string[] }): Promise<TableChange> {
    return this.published(await this.inner.registerFile(registration, opts));
  }

  async replaceFiles(swap: FileSwap): Promise<TableChange> {
    return this.published(await this.inner.replaceFiles(swap));
  }

  async removeFile(database: CatalogDatabase, name: string, fileKey: string): Promise<TableChange> {
    return this.published(await this.inner.removeFile(database, name, fileKey));
  }

  async removeFilesFromSource(rawKey: string, database?: CatalogDatabase): Promise<TableChange[]> {
    const changes = await this.inner.removeFilesFromSource(rawKey, database);
    for (const change of changes) await this.published(change);
    return changes;
  }

  private async published(change: TableChange): Promise<TableChange> {
    await this.publisher.publish(change, this.inner);
    return change;
  }
}
