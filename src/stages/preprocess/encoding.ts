/**
 * A UTF-8 file with a few invalid byte sequences stays UTF-8 (input.ts counts
 * them over the whole file; isMostlyUtf8 decides). Each invalid sequence is
 * read as U+FFFD and the cell holding it is listed in the rejects with the
 * sequence's byte offset; every other value of the file is untouched.
 *
 * Why U+FFFD and a rejected cell rather than the whole record to the rejects:
 * one bad byte (a truncated export, a single pasted Latin-1 name) then costs
 * one character of one value, not every other value of its row (amounts,
 * dates, keys that later joins and totals need). The replacement is visible
 * in the data, the rejects name the row, column and byte offset so the value
 * can be fixed at the source, and the raw file is never changed.
 */
import { ByteOffsetLocator } from '../../core/dialect.js';
import { quoteIdentifier as q, quoteString } from '../../engine/sql.js';
import { feedFile } from './reading.js';
import type { PreprocessRun } from './run.js';
import type { Loaded } from './typing.js';

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Report a text's invalid UTF-8 and what was done: read as Windows-1252 (mostly invalid), or kept as UTF-8 with each invalid sequence as U+FFFD. */
function reportInvalidUtf8(run: PreprocessRun): void {
  const { prepared, report } = run;
  const u = prepared.utf8;
  if (!u || u.invalidSequences === 0) return;
  const counted = `${u.invalidSequences} invalid UTF-8 byte sequence${u.invalidSequences === 1 ? '' : 's'} (first at byte offset ${u.invalidOffsets[0]}${prepared.compressed ? ' of the decompressed text' : ''}: ${u.firstInvalidBytes}) beside ${u.validSequences} valid multi-byte character${u.validSequences === 1 ? '' : 's'}`;
  report.invalidUtf8 = {
    sequences: u.invalidSequences,
    validSequences: u.validSequences,
    firstOffset: u.invalidOffsets[0] ?? 0,
    firstBytes: u.firstInvalidBytes ?? '',
    cells: 0,
    decision:
      prepared.encoding === 'windows-1252'
        ? `read as Windows-1252: ${counted}; the non-ASCII bytes are mostly not UTF-8`
        : `read as UTF-8: ${counted}; each invalid sequence is kept as U+FFFD and its cell listed in the rejects`,
  };
}

/**
 * The rejected-cell queries (row, column, value, reason) for the cells holding
 * an invalid UTF-8 sequence, and the report of them. A sequence in a record
 * rejected as unreadable is in a rejected row already. Walks the text once more, only when it has invalid sequences.
 */
export async function invalidUtf8Cells(run: PreprocessRun, loaded: Loaded): Promise<string[]> {
  const rejectedRecords = loaded.rejectRows.map((r) => Number(r.line));
  reportInvalidUtf8(run);
  const { prepared, dialect, headers, report, tables } = run;
  const u = prepared.utf8;
  const info = report.invalidUtf8;
  if (!u || !info || prepared.encoding === 'windows-1252') return [];
  const locator = new ByteOffsetLocator(dialect.delimiter, dialect.quote, dialect.header, new Set(rejectedRecords), dialect.skipLines, u.invalidOffsets);
  await feedFile(u.source, locator);
  locator.end();
  const first = locator.located[0];
  if (first) info.firstLine = first.line;
  // One entry per cell: row -> field -> the cell's invalid sequences.
  const cells = new Map<number, Map<number, { offset: number; byte: number }[]>>();
  let inHeader = 0;
  let elsewhere = 0;
  for (const where of locator.located) {
    if (where.row === undefined || where.field < 1 || where.field > headers.length) {
      if (dialect.header && where.record === 1) inHeader++;
      else elsewhere++;
      continue;
    }
    const row = cells.get(where.row) ?? new Map();
    cells.set(where.row, row);
    row.set(where.field, [...(row.get(where.field) ?? []), { offset: where.offset, byte: where.byte }]);
  }
  const byColumn = new Map<number, string[]>();
  for (const [row, fields] of cells) {
    for (const [field, seqs] of fields) {
      const [one] = seqs;
      if (!one) continue;
      const reason =
        seqs.length === 1
          ? `invalid UTF-8 at byte offset ${one.offset} (${hex(one.byte)}), kept as U+FFFD`
          : `invalid UTF-8 at byte offsets ${seqs.map((s) => s.offset).join(', ')} (first ${hex(one.byte)}), each kept as U+FFFD`;
      byColumn.set(field, [...(byColumn.get(field) ?? []), `(${row}::BIGINT, ${quoteString(reason)})`]);
      info.cells++;
    }
  }
  const notes = [
    inHeader > 0 ? `${inHeader} in the header` : '',
    elsewhere > 0 ? `${elsewhere} in rejected rows or lines above the table` : '',
    u.invalidSequences > u.invalidOffsets.length ? `${u.invalidSequences - u.invalidOffsets.length} after the first ${u.invalidOffsets.length} not listed` : '',
  ].filter(Boolean);
  if (notes.length > 0) info.decision += ` (${notes.join('; ')})`;
  return [...byColumn].map(([field, values]) => {
    const h = headers[field - 1] as (typeof headers)[number];
    // A typed column's value holding U+FFFD failed to parse (it is NULL there): its text is in the clean table, kept for failed values.
    const textKept = loaded.decisions[field - 1]?.duckType !== 'VARCHAR' && (loaded.counts[field - 1]?.failed ?? 0) > 0;
    const source = textKept ? `${q(tables.clean)} t ON t.rowid = v."row" - 1` : `${q(tables.typed)} t ON t."__row" = v."row"`;
    return `SELECT v."row", ${quoteString(h.original)} AS "column", CAST(t.${q(h.name)} AS VARCHAR) AS value, v.reason
            FROM (VALUES ${values.join(', ')}) v("row", reason) JOIN ${source}`;
  });
}
