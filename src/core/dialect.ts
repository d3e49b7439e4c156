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
 * Walks CSV text record by record, fed in chunks of UTF-8 bytes (delimiters,
 * quotes and line breaks are ASCII, so bytes suffice), and calls back at the
 * end of each record with its number, first line, field count and whether it
 * was blank. Records are numbered as DuckDB's reader numbers them in its
 * rejects: 1-based, the header and blank lines included; lines above the
 * table (`skipLines`) are counted, not read.
 */
abstract class CsvRecordWalker {
  private line = 1;
  private inQuotes = false;
  private atRecordStart = true;
  private lastWasCr = false;
  private recordBytes = 0;
  private startLine = 0;
  private fields = 1;
  private fieldsWithContent = 0;
  protected record = 0;

  constructor(
    protected readonly delimiter: string,
    protected readonly quote: string,
    protected readonly skipLines: number,
  ) {}

  /**
   * `lastContentField` is the 1-based index of the last field holding
   * anything; `unterminated` marks a last record cut off inside quotes.
   */
  protected abstract endRecord(r: { record: number; startLine: number; blank: boolean; fields: number; lastContentField: number; unterminated: boolean }): void;
  /** Bytes of the current record, for callers that keep its text. */
  protected recordBytesSeen(_bytes: Uint8Array, _start: number, _end: number): void {}

  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const q = this.quote.charCodeAt(0);
    const d = this.delimiter.charCodeAt(0);
    let segmentStart = 0;
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
        this.startLine = this.line;
        this.atRecordStart = false;
        this.recordBytes = 0;
        this.fields = 1;
        this.fieldsWithContent = 0;
        segmentStart = i;
      }
      if (ch === 10 || ch === 13) {
        this.lastWasCr = ch === 13;
        this.line++;
        if (!this.inQuotes) {
          this.recordBytesSeen(bytes, segmentStart, i);
          this.finish();
        }
        continue;
      }
      this.recordBytes++;
      if (ch === q) this.inQuotes = !this.inQuotes;
      else if (ch === d && !this.inQuotes) {
        this.fields++;
        continue;
      }
      this.fieldsWithContent = this.fields;
    }
    if (!this.atRecordStart) this.recordBytesSeen(bytes, segmentStart, bytes.length);
  }

  private finish(unterminated = false): void {
    this.atRecordStart = true;
    this.endRecord({
      record: this.record,
      startLine: this.startLine,
      blank: this.recordBytes === 0,
      fields: this.fields,
      lastContentField: this.fieldsWithContent,
      unterminated,
    });
  }

  /** Call after the last chunk: a last record without a line break, or cut off inside quotes, still counts. */
  end(): void {
    if (!this.atRecordStart) this.finish(this.inQuotes);
  }

  /** Where the next byte pushed falls when it is content (not a delimiter, quote or line break): its record, 1-based field and line. */
  protected nextContentPosition(): { record: number; field: number; line: number; aboveTable: boolean } {
    if (this.line <= this.skipLines) return { record: 0, field: 0, line: this.line, aboveTable: true };
    if (this.atRecordStart) return { record: this.record + 1, field: 1, line: this.line, aboveTable: false };
    return { record: this.record, field: this.fields, line: this.startLine, aboveTable: false };
  }
}

/**
 * Finds the physical line that records start on, keeping only the lines
 * asked for (memory stays small on large files): DuckDB record numbers of
 * rejected records, and accepted data rows numbered 1.. in file order
 * (skipping the header, blank lines and rejected records).
 */
export class RecordLineScanner extends CsvRecordWalker {
  protected ordinal = 0;
  /** A rejected record number that landed on a blank line: the next non-blank record is the rejected one. */
  private carryRejected: number[] = [];
  readonly recordLines = new Map<number, number>();
  readonly rowLines = new Map<number, number>();

  constructor(
    private readonly header: boolean,
    private readonly rejectedRecords: ReadonlySet<number>,
    private readonly wantedRows: ReadonlySet<number>,
    quote = '"',
    skipLines = 0,
    // The delimiter does not matter for lines.
    delimiter = '\u0000',
  ) {
    super(delimiter, quote, skipLines);
  }

  protected endRecord(r: { record: number; startLine: number; blank: boolean }): void {
    const rejectedHere = this.rejectedRecords.has(r.record);
    if (r.blank) {
      if (rejectedHere) this.carryRejected.push(r.record);
      return;
    }
    const rejected = rejectedHere || this.carryRejected.length > 0;
    for (const n of this.carryRejected) this.recordLines.set(n, r.startLine);
    this.carryRejected = [];
    if (rejectedHere) this.recordLines.set(r.record, r.startLine);
    if (rejected || (this.header && r.record === 1)) return;
    this.ordinal++;
    if (this.wantedRows.has(this.ordinal)) this.rowLines.set(this.ordinal, r.startLine);
  }
}

/** Where a byte of the text is: its record, field and line, and the data row (1-based) when its record is one. */
export interface ByteLocation {
  offset: number;
  /** The byte at the offset. */
  byte: number;
  record: number;
  field: number;
  line: number;
  /** The accepted data row (as RecordLineScanner numbers them); absent for the header, a rejected record or a line above the table. */
  row?: number;
  aboveTable: boolean;
}

/**
 * Finds the record, field, line and data row of given byte offsets of the
 * text (ascending; each the first byte of a non-ASCII sequence, so never a
 * delimiter, quote or line break). The chunks are cut at the offsets, so the
 * walk itself does no more work per byte than the line scan.
 */
export class ByteOffsetLocator extends RecordLineScanner {
  readonly located: ByteLocation[] = [];
  private base = 0;
  private next = 0;
  /** Located offsets whose record has not ended yet (its row is known at its end). */
  private open: ByteLocation[] = [];

  constructor(
    delimiter: string,
    quote: string,
    header: boolean,
    rejectedRecords: ReadonlySet<number>,
    skipLines: number,
    private readonly offsets: readonly number[],
  ) {
    super(header, rejectedRecords, new Set(), quote, skipLines, delimiter);
  }

  override push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    while (this.next < this.offsets.length && (this.offsets[this.next] as number) < this.base + bytes.length) {
      const at = (this.offsets[this.next] as number) - this.base;
      if (at > from) super.push(bytes.subarray(from, at));
      from = Math.max(from, at);
      const where = { offset: this.offsets[this.next] as number, byte: bytes[at] as number, ...this.nextContentPosition() };
      this.located.push(where);
      if (!where.aboveTable) this.open.push(where);
      this.next++;
    }
    if (from < bytes.length) super.push(bytes.subarray(from));
    this.base += bytes.length;
  }

  protected override endRecord(r: { record: number; startLine: number; blank: boolean }): void {
    const before = this.ordinal;
    super.endRecord(r);
    if (this.open.length === 0) return;
    for (const where of this.open) if (where.record === r.record && this.ordinal > before) where.row = this.ordinal;
    this.open = this.open.filter((where) => where.record > r.record);
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
 * Checks every record's field count against the header the way DuckDB's
 * strict reader does (empty fields after the last column count as none).
 * Cheaper in memory than DuckDB's rejects store on large files; the caller
 * compares its count of good rows with the engine's and falls back to the
 * engine's own rejects if they differ.
 */
export class CsvRecordChecker extends CsvRecordWalker {
  accepted = 0;
  readonly rejected: RejectedRecord[] = [];
  /** True once more records were rejected than `maxRejects`: the list is incomplete. */
  overflow = false;
  /** The current record's bytes (views into the chunks; copied when the record is rejected). */
  private text: Uint8Array[] = [];
  private textBytes = 0;
  private textRecord = 0;

  constructor(
    delimiter: string,
    quote: string,
    private readonly columns: number,
    private readonly header: boolean,
    skipLines = 0,
    private readonly maxRejects = 1_000_000,
  ) {
    super(delimiter, quote, skipLines);
  }

  protected override recordBytesSeen(bytes: Uint8Array, start: number, end: number): void {
    if (this.textRecord !== this.record) {
      this.textRecord = this.record;
      this.text = [];
      this.textBytes = 0;
    }
    if (this.textBytes >= MAX_REJECT_TEXT || end <= start) return;
    const piece = bytes.subarray(start, Math.min(end, start + MAX_REJECT_TEXT - this.textBytes));
    this.text.push(piece);
    this.textBytes += piece.length;
  }

  private reject(errorType: RejectedRecord['errorType'], message: string): void {
    if (this.rejected.length >= this.maxRejects) {
      this.overflow = true;
      return;
    }
    // Decoded into a new string, so no megabyte-sized chunk stays alive for a few bytes of it.
    const text = this.textRecord === this.record ? Buffer.concat(this.text).toString('utf8') : '';
    this.rejected.push({ record: this.record, errorType, message, text });
  }

  protected endRecord(r: { record: number; blank: boolean; fields: number; lastContentField: number; unterminated: boolean }): void {
    if (r.blank || (this.header && r.record === 1)) return;
    if (r.unterminated) this.reject('UNQUOTED VALUE', 'Value with unterminated quote found.');
    else if (r.fields < this.columns) this.reject('MISSING COLUMNS', `Expected Number of Columns: ${this.columns} Found: ${r.fields}`);
    else if (r.lastContentField > this.columns) this.reject('TOO MANY COLUMNS', `Expected Number of Columns: ${this.columns} Found: ${r.fields}`);
    else this.accepted++;
  }
}
