/** Pipeline events, named in the past tense. Every source (watcher, upload API, ingest, S3 notification) produces `object.created`. */
export interface ObjectCreated {
  type: 'object.created';
  zone: 'raw';
  key: string;
  hash: string;
  size: number;
  source: 'watcher' | 'ingest' | 'upload' | 'scan' | 'replay' | 's3';
}

export interface TableUpdated {
  type: 'table.updated';
  table: string;
  version: number;
  files: string[];
}

export interface RunFinished {
  type: 'run.succeeded' | 'run.failed' | 'run.quarantined';
  runId: number;
  stage: string;
  subject: string;
  error?: string;
}

export type PipelineEvent = ObjectCreated | TableUpdated | RunFinished;
