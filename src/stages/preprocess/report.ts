/**
 * The report of a preprocess run: every decision made on the file (its
 * encoding, dialect, each column's type and why, the rows rejected, dropped
 * and written). It starts empty and each step fills in what it decided.
 */
import type { LetterCase } from '../../config/schema.js';
import type { Dialect } from '../../core/dialect.js';
import type { TypeDecision } from '../../core/infer.js';
import { datasetOf } from '../../core/keys.js';
import type { Encoding } from './input.js';
import { missingPolicyFor, type NullCounts } from './missing-values.js';
import { columnSpec, type PreprocessRun } from './run.js';
import type { Loaded } from './typing.js';
import type { ColumnVariants } from './variants.js';

export interface ColumnReport {
  original: string;
  name: string;
  type: string;
  logical: string;
  reason: string;
  /** Non-null values before typing, how many parsed and how many became NULL (rejected cells). */
  values: number;
  parsed: number;
  failed: number;
  nulls: number;
  ambiguousDateOrder?: boolean;
  override?: boolean;
  fill?: string;
  /** Values filled by the missing-value policy. */
  filled?: number;
  /** The column's `case` option, applied to its values before typing. */
  case?: LetterCase;
  /** Distinct values that differ only by case or spacing, in a category-like text column (variants.ts). */
  variants?: ColumnVariants;
}

/**
 * What the dedupe policy did: under `auto`, how many rows were identical to
 * an earlier row, whether they were dropped and which column showed them to
 * be re-sends; `dropped` is `rows.duplicates`.
 */
export interface DuplicatesReport {
  policy: 'auto' | 'exact' | 'none' | 'keys';
  identical?: number;
  dropped: number;
  key?: string;
  decision: string;
}

export interface PreprocessReport {
  rawKey: string;
  sha256: string;
  dataset: string;
  encoding?: Encoding;
  /**
   * Set when the text is not all valid UTF-8: how many invalid byte sequences
   * and valid multi-byte characters it holds, where the first invalid one is
   * (byte offset from 0, its bytes and the line its record starts on), how
   * many rejected cells list them, and what was decided.
   */
  invalidUtf8?: { sequences: number; validSequences: number; firstOffset: number; firstBytes: string; firstLine?: number; cells: number; decision: string };
  compressed?: boolean;
  bytes?: number;
  dialect?: Omit<Dialect, 'columns'>;
  /** read: records in the file; rejected: unreadable (ragged) rows; invalid: rows breaking a rule; dropped: missing values with `drop`. */
  rows: { read: number; rejected: number; invalid: number; duplicates: number; dropped: number; written: number };
  duplicates?: DuplicatesReport;
  rejectedCells: number;
  /**
   * Set when the file has more rows than types were decided on: how many rows
   * decided them, and whether every other value bore the decisions out (when
   * not, the types were decided again from all values).
   */
  typeSample?: { rows: number; held: boolean };
  columns: ColumnReport[];
  outputs: { processed?: string; rejects?: string; quarantined?: string };
  quarantine?: { reason: string };
  durationMs: number;
}

/** The report of a run that has decided nothing yet. */
export function newReport(input: { rawKey: string; sha256: string }): PreprocessReport {
  return {
    rawKey: input.rawKey,
    sha256: input.sha256,
    dataset: datasetOf(input.rawKey),
    rows: { read: 0, rejected: 0, invalid: 0, duplicates: 0, dropped: 0, written: 0 },
    rejectedCells: 0,
    columns: [],
    outputs: {},
    durationMs: 0,
  };
}

/** Report each column: its type and why, its values, parsed and failed, and its NULLs after filling. */
export function reportColumns(run: PreprocessRun, loaded: Loaded, nulls: NullCounts): void {
  const { ds, report } = run;
  const { decisions, counts } = loaded;
  report.columns = run.headers.map((h, i) => {
    const d = decisions[i] as TypeDecision;
    const spec = columnSpec(ds, h.name, h.original);
    const policy = missingPolicyFor(run, h, d.duckType);
    const before = nulls.before[i] ?? 0;
    const after = nulls.after[i] ?? 0;
    return {
      original: h.original,
      name: h.name,
      type: d.duckType,
      logical: d.logical,
      reason: d.reason,
      values: counts[i]?.values ?? 0,
      parsed: counts[i]?.parsed ?? 0,
      failed: counts[i]?.failed ?? 0,
      nulls: after,
      ...(d.ambiguousDateOrder ? { ambiguousDateOrder: true } : {}),
      ...(spec?.type ? { override: true } : {}),
      ...(policy !== 'keep' ? { fill: typeof policy === 'object' ? `constant ${JSON.stringify(policy.constant)}` : policy, filled: before - after } : {}),
    };
  });
  report.rejectedCells = report.columns.reduce((n, col) => n + col.failed, 0);
}
