/**
 * What the read models (status, catalog views, DDL, dashboards, explore,
 * query) read from: the state ports and the zones, never a concrete backend.
 * The CLI and the HTTP API both call them with the open project.
 */
import type { SluiceConfig } from '../config/schema.js';
import type { Zones } from '../stages/deps.js';
import type { BookmarkStore, Catalog, EventLog, JobRunLog, RawObjectIndex, ReportStore, RunLogReader, RunQueue } from '../stages/ports.js';
import type { LocalCopyCache } from '../storage/copy-cache.js';

export interface ReadContext {
  config: SluiceConfig;
  zones: Zones;
  catalog: Catalog;
  queue: RunQueue;
  reports: ReportStore;
  events: EventLog;
  bookmarks: BookmarkStore;
  jobRuns: JobRunLog;
  rawObjects: RawObjectIndex;
  runLogs: RunLogReader;
  /** Bounds the read-only query sessions run at once. */
  queries: { run<T>(fn: () => Promise<T>): Promise<T> };
  /** Scratch space (copies of a remote zone's files for a query). */
  tmpDir: string;
  /** Where copies of a remote zone's files are kept between queries; without it, each query downloads its own. */
  copies?: LocalCopyCache;
}
