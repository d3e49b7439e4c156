/**
 * The default transform job: with no job configured for a dataset, each
 * processed file is published unchanged as a file of `final.<dataset>`. One
 * output per input file, at a key derived from it, so a changed input
 * replaces exactly its own output; the job's bookmark records which input
 * version each output came from.
 */

import type { TableChange } from '../../core/catalog.js';
import { datasetOf, partitionValuesOf } from '../../core/keys.js';
import { describeDiff } from '../../core/schema.js';
import type { StageDeps } from '../deps.js';

export interface PublishInput {
  processedKey: string;
  sha256: string;
  rawKey: string;
  rawSha256: string;
}

export interface PublishResult {
  job: string;
  table: string;
  outputKey: string;
  rows: number;
  /** False when the bookmark showed this input version was already published. */
  written: boolean;
  change?: TableChange;
}

export function publishJobName(dataset: string): string {
  return `publish_${dataset}`;
}

export async function publish(input: PublishInput, deps: StageDeps): Promise<PublishResult> {
  const dataset = datasetOf(input.rawKey);
  const job = publishJobName(dataset);
  const outputKey = input.processedKey;
  const source = await deps.catalog.file('processed', dataset, input.processedKey);
  const rows = source?.rows ?? 0;
  const bookmark = await deps.bookmarks.get(job, input.processedKey);
  const existing = await deps.zones.final.head(outputKey);
  if (bookmark?.inputHash === input.sha256 && existing) {
    return { job, table: `final.${dataset}`, outputKey, rows, written: false };
  }
  const stat = await deps.zones.final.put(outputKey, await deps.zones.processed.get(input.processedKey));
  const file = {
    fileKey: outputKey,
    sha256: stat.sha256,
    sourceRawKey: input.rawKey,
    sourceSha256: input.rawSha256,
    rows,
    bytes: stat.size,
    columns: source?.columns ?? [],
    partitionValues: partitionValuesOf(outputKey),
  };
  const location = deps.zones.final.uri(dataset);
  // The published table mirrors processed key for key. Files of another shape were written by a job that no longer
  // exists (it was removed from sluice.yaml): the first publish takes the table over, swapping them out in one step.
  const mirrored = new Set(await deps.catalog.fileKeys('processed', dataset));
  const foreign = (await deps.catalog.fileKeys('final', dataset)).filter((k) => !mirrored.has(k) && k !== outputKey);
  const change = foreign.length
    ? await deps.catalog.replaceFiles({ database: 'final', table: dataset, location, remove: foreign, add: [file] })
    : await deps.catalog.registerFile({ database: 'final', table: dataset, location, ...file });
  for (const key of foreign) await deps.zones.final.delete(key);
  if (change.rejected) {
    // Cannot happen while final mirrors processed (the file was accepted there with these column types); never hide it if it does.
    throw new Error(`final.${dataset} refused ${outputKey} although processed.${dataset} accepted it: ${describeDiff(change.rejected).join(', ')}`);
  }
  await deps.bookmarks.set(job, { inputKey: input.processedKey, inputHash: input.sha256, outputKey });
  return { job, table: `final.${dataset}`, outputKey, rows, written: true, change };
}
