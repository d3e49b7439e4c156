/**
 * CSV dialect detection from a sample of the file's start. DuckDB's sniffer is
 * excellent on large files but guesses poorly on small ones; this decides the
 * delimiter by which candidate splits the sampled records into the most
 * consistent number of fields (quotes respected), then decides the header.
 */
export interface Dialect {
  delimiter: string;
  quote: string;
  /** Escape character inside quoted fields; RFC 4180 doubles the quote. */
  escape: string;
  header: boolean;
  /** Number of fields of the header (or first) record. */
  columns: number;
  /** Lines before the header: a title or notes that exports put above the table. */
  skipLines: number;
}

const CANDIDATES = [',', ';', '\t', '|'];

/** Split a sample into records of fields, honouring RFC 4180 quoting. The last, possibly cut, record is dropped when the sample is partial. */
export function parseRecords(sample: string, delimiter: string, quote = '"', complete = true, maxRecords = 200): string[][] {
  const records: string[][] = [];
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let i = 0;
  const n = sample.length;
  while (i < n && records.length < maxRecords) {
    const ch = sample[i] as string;
    if (inQuotes) {
      if (ch === quote) {
        if (sample[i + 1] === quote) {
          field += quote;
          i += 2;
          continue;
        }
        inQuotes = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === quote && field.length === 0) inQuotes = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      records.push(row);
      row = [];
      field = '';
      if (ch === '\r' && sample[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (complete && i >= n && (field.length > 0 || row.length > 0)) {
    row.push(field);
    records.push(row);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

function looksTyped(v: string): boolean {
  const t = v.trim();
  if (t === '') return false;
  return /^[+-]?[$€£]?\s?\d[\d,.\s]*%?$/.test(t) || /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/.test(t) || /^(true|false)$/i.test(t);
}

/** Detect delimiter and header. `complete` says whether the sample is the whole file. */
export function detectDialect(sample: string, complete: boolean): Dialect {
  // Excel writes "sep=;" as a first line to name the delimiter.
  const sep = /^sep=(.)(?:\r\n|\n|\r)/i.exec(sample);
  if (sep) {
    const delimiter = sep[1] as string;
    const rest = sample.slice(sep[0].length);
    const first = parseRecords(rest, delimiter, '"', complete, 1)[0] ?? [];
    return { delimiter, quote: '"', escape: '"', header: decideHeader(first), columns: first.length, skipLines: 1 };
  }
  let best: { delimiter: string; score: number; records: string[][]; width: number } | undefined;
  for (const delimiter of CANDIDATES) {
    const records = parseRecords(sample, delimiter, '"', complete);
    if (records.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of records) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    const [modeWidth, modeCount] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] as [number, number];
    if (modeWidth < 2) continue;
    // Consistency first, then more fields: a delimiter that splits every record the same way wins.
    const score = (modeCount / records.length) * 1000 + Math.min(modeWidth, 999);
    if (!best || score > best.score) best = { delimiter, score, records, width: modeWidth };
  }
  if (!best) {
    const records = parseRecords(sample, ',', '"', complete);
    return { delimiter: ',', quote: '"', escape: '"', header: true, columns: records[0]?.length ?? 1, skipLines: 0 };
  }
  const width = best.width;
  const skipLines = (best.records[0]?.length ?? width) < width ? preambleLines(sample, best.delimiter, width) : 0;
  const first =
    skipLines > 0
      ? parseRecords(
          sample
            .split(/\r\n|\n|\r/)
            .slice(skipLines)
            .join('\n'),
          best.delimiter,
          '"',
          complete,
          1,
        )[0]
      : best.records[0];
  const header = decideHeader(first ?? []);
  return { delimiter: best.delimiter, quote: '"', escape: '"', header, columns: first?.length ?? 0, skipLines };
}

/**
 * Lines above the table: when the first records are narrower than the
 * table (a title, a "generated on" line, blank lines), the number of lines
 * before the first record of full width. At most 50 lines are skipped.
 */
function preambleLines(sample: string, delimiter: string, width: number): number {
  const lines = sample.split(/\r\n|\n|\r/, 51);
  for (let i = 0; i < Math.min(lines.length, 51); i++) {
    const fields = parseRecords(lines[i] as string, delimiter, '"', true, 1)[0]?.length ?? 0;
    if (fields === width) return i;
    if (fields > width) return 0;
  }
  return 0;
}

/**
 * A first record is data, not a header, when some field in it looks like a
 * number, date or boolean while the header-like reading would leave that
 * column's name typed. Without such evidence a header is assumed: files
 * without one are the exception.
 */
function decideHeader(first: string[]): boolean {
  if (first.length === 0) return true;
  const nonEmpty = first.filter((f) => f.trim() !== '');
  if (nonEmpty.length < first.length) {
    // Blank names are common in exports (an index column); only treat the row as data if it also has typed values.
    return !first.some(looksTyped);
  }
  return !first.some(looksTyped);
}

/**
 * Finds the physical line each CSV record starts on, fed the text in chunks,
 * keeping only the lines asked for (memory stays small on large files).
 * Records are numbered as DuckDB's reader numbers them in its rejects
 * (1-based, the header and blank lines included); accepted data rows are
 * numbered 1.. in file order, skipping the header, blank lines and rejected
 * records.
 */
export class RecordLineScanner {
  private line = 1;
  private inQuotes = false;
  private atRecordStart = true;
  private lastWasCr = false;
  private recordChars = 0;
  private startLine = 0;
  private record = 0;
  private ordinal = 0;
  /** A rejected record number landed on a blank line: the next non-blank record is the rejected one. */
  private carryRejected: number[] = [];
  /** DuckDB record number → physical line; accepted row ordinal → physical line. */
  readonly recordLines = new Map<number, number>();
  readonly rowLines = new Map<number, number>();

  constructor(
    private readonly header: boolean,
    private readonly rejectedRecords: ReadonlySet<number>,
    private readonly wantedRows: ReadonlySet<number>,
    private readonly quote = '"',
    /** Lines above the table (Dialect.skipLines): counted, not read as records. */
    private readonly skipLines = 0,
  ) {}

  private endRecord(): void {
    const blank = this.recordChars === 0;
    const rejectedHere = this.rejectedRecords.has(this.record);
    if (blank) {
      if (rejectedHere) this.carryRejected.push(this.record);
      return;
    }
    const rejected = rejectedHere || this.carryRejected.length > 0;
    for (const r of this.carryRejected) this.recordLines.set(r, this.startLine);
    this.carryRejected = [];
    if (rejectedHere) this.recordLines.set(this.record, this.startLine);
    if (rejected || (this.header && this.record === 1)) return;
    this.ordinal++;
    if (this.wantedRows.has(this.ordinal)) this.rowLines.set(this.ordinal, this.startLine);
  }

  /** Feed the next chunk: bytes of UTF-8 text (delimiters, quotes and line breaks are ASCII, so bytes suffice) or a string. */
  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const q = this.quote.charCodeAt(0);
    for (let i = 0; i < bytes.length; i++) {
      const ch = bytes[i] as number;
      if (this.lastWasCr && ch === 10) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = false;
      if (this.line <= this.skipLines) {
        if (ch === 10 || ch === 13) {
          this.lastWasCr = ch === 13;
          this.line++;
        }
        continue;
      }
      if (this.atRecordStart) {
        this.record++;
        this.startLine = this.line;
        this.atRecordStart = false;
        this.recordChars = 0;
      }
      if (ch === 10 || ch === 13) {
        this.lastWasCr = ch === 13;
        this.line++;
        if (!this.inQuotes) {
          this.endRecord();
          this.atRecordStart = true;
        }
        continue;
      }
      this.recordChars++;
      if (ch === q) this.inQuotes = !this.inQuotes;
    }
  }

  /** Call after the last chunk: a final record without a newline still counts. */
  end(): void {
    if (!this.atRecordStart) {
      this.endRecord();
      this.atRecordStart = true;
    }
  }
}

export interface RejectedRecord {
  /** Record number as DuckDB counts them (1-based, header and blank lines included). */
  record: number;
  errorType: 'TOO MANY COLUMNS' | 'MISSING COLUMNS' | 'UNQUOTED VALUE';
  message: string;
  /** The record's text, cut at 4,096 bytes. */
  text: string;
}

const MAX_REJECT_TEXT = 4096;

/**
 * Checks every record's field count against the header, fed the text in
 * chunks, the way DuckDB's strict reader does (empty fields after the last
 * column count as none). Cheaper in memory than DuckDB's rejects store on
 * large files; the caller compares its count of good rows with the engine's
 * and falls back to the engine's own rejects if they differ.
 */
export class CsvRecordChecker {
  private inQuotes = false;
  private atRecordStart = true;
  private lastWasCr = false;
  private recordChars = 0;
  private fieldIndex = 0;
  private extraNonEmpty = false;
  private record = 0;
  /** The current record's bytes (views into the chunks; copied when the record is rejected). */
  private text: Uint8Array[] = [];
  private textBytes = 0;
  accepted = 0;
  readonly rejected: RejectedRecord[] = [];
  /** True once more records were rejected than `maxRejects`: the list is incomplete. */
  overflow = false;

  private line = 1;

  constructor(
    private readonly delimiter: string,
    private readonly quote: string,
    private readonly columns: number,
    private readonly header: boolean,
    private readonly skipLines = 0,
    private readonly maxRejects = 1_000_000,
  ) {}

  private reject(errorType: RejectedRecord['errorType'], message: string): void {
    if (this.rejected.length >= this.maxRejects) {
      this.overflow = true;
      return;
    }
    // Decoded into a new string, so no megabyte-sized chunk stays alive for a few bytes of it.
    this.rejected.push({ record: this.record, errorType, message, text: Buffer.concat(this.text).toString('utf8') });
  }

  private endRecord(): void {
    if (this.recordChars === 0 || (this.header && this.record === 1)) return;
    const fields = this.fieldIndex + 1;
    if (fields < this.columns) this.reject('MISSING COLUMNS', `Expected Number of Columns: ${this.columns} Found: ${fields}`);
    else if (fields > this.columns && this.extraNonEmpty) this.reject('TOO MANY COLUMNS', `Expected Number of Columns: ${this.columns} Found: ${fields}`);
    else this.accepted++;
  }

  /** Feed the next chunk: bytes of UTF-8 text (delimiters, quotes and line breaks are ASCII, so bytes suffice) or a string. */
  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const q = this.quote.charCodeAt(0);
    const d = this.delimiter.charCodeAt(0);
    let segmentStart = 0;
    const keepText = (end: number) => {
      if (this.textBytes < MAX_REJECT_TEXT && end > segmentStart) {
        const piece = bytes.subarray(segmentStart, Math.min(end, segmentStart + MAX_REJECT_TEXT - this.textBytes));
        this.text.push(piece);
        this.textBytes += piece.length;
      }
    };
    for (let i = 0; i < bytes.length; i++) {
      const ch = bytes[i] as number;
      if (this.lastWasCr && ch === 10) {
        this.lastWasCr = false;
        segmentStart = i + 1;
        continue;
      }
      this.lastWasCr = false;
      if (this.line <= this.skipLines) {
        if (ch === 10 || ch === 13) {
          this.lastWasCr = ch === 13;
          this.line++;
        }
        segmentStart = i + 1;
        continue;
      }
      if (this.atRecordStart) {
        this.record++;
        this.atRecordStart = false;
        this.recordChars = 0;
        this.fieldIndex = 0;
        this.extraNonEmpty = false;
        this.text = [];
        this.textBytes = 0;
        segmentStart = i;
      }
      if ((ch === 10 || ch === 13) && !this.inQuotes) {
        keepText(i);
        this.lastWasCr = ch === 13;
        this.endRecord();
        this.atRecordStart = true;
        continue;
      }
      this.recordChars++;
      if (ch === q) this.inQuotes = !this.inQuotes;
      else if (ch === d && !this.inQuotes) {
        this.fieldIndex++;
        continue;
      }
      if (this.fieldIndex >= this.columns) this.extraNonEmpty = true;
    }
    if (!this.atRecordStart) keepText(bytes.length);
  }

  end(): void {
    if (this.atRecordStart) return;
    if (this.inQuotes) {
      if (!(this.header && this.record === 1)) this.reject('UNQUOTED VALUE', 'Value with unterminated quote found.');
    } else this.endRecord();
    this.atRecordStart = true;
  }
}
