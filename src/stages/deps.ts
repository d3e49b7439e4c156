/** What every stage handler is given. The same handler runs in the local runner and in a Lambda. */
import type { SluiceConfig } from '../config/schema.js';
import type { Zone } from '../core/keys.js';
import type { Engine } from '../engine/duckdb.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { BookmarkStore, Catalog } from './ports.js';

export type Zones = Record<Zone, ObjectStore>;

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface StageDeps {
  zones: Zones;
  engine: Engine;
  config: SluiceConfig;
  catalog: Catalog;
  bookmarks: BookmarkStore;
  /** Scratch space for temp files; cleaned by the stage that made them. */
  tmpDir: string;
  log: Logger;
  /**
   * Fault points for tests: the runtime kills the process when
   * SLUICE_CRASH_AT names the point reached, or pauses it there
   * (SLUICE_PAUSE_AT). Absent in a Lambda.
   */
  faults?: (point: string) => void | Promise<void>;
}
