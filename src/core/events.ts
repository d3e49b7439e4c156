import type { SchemaDiff } from './schema.js';

/** Pipeline events, named in the past tense. Every source (watcher, upload API, ingest, S3 notification) produces `object.created`. */
export interface ObjectCreated {
  type: 'object.created';
  zone: 'raw';
  key: string;
  hash: string;
  size: number;
  source: 'watcher' | 'ingest' | 'upload' | 'scan' | 'replay' | 's3';
}

/** A catalog table's files changed: `files` were added or replaced (none when files were removed). */
export interface TableUpdated {
  type: 'table.updated';
  table: string;
  version: number;
  files: string[];
  /** Present when the schema changed with it. */
  diff?: SchemaDiff;
}

/**
 * A file's schema differed from its table's. `applied`: the table took the
 * change (policy `update`, a new version); otherwise the table kept its schema
 * (`log`: the file was registered; `fail`: the file was quarantined).
 */
export interface SchemaChanged {
  type: 'schema.changed';
  table: string;
  version: number;
  policy: 'update' | 'log' | 'fail';
  applied: boolean;
  file?: string;
  rawKey?: string;
  diff: SchemaDiff;
}

export interface RunFinished {
  type: 'run.succeeded' | 'run.failed' | 'run.quarantined';
  runId: number;
  stage: string;
  subject: string;
  error?: string;
}

export type PipelineEvent = ObjectCreated | TableUpdated | SchemaChanged | RunFinished;
