/**
 * CSV dialect detection from a sample of the file's start. DuckDB's sniffer is
 * excellent on large files but guesses poorly on small ones; this decides the
 * delimiter by which candidate splits the sampled records into the most
 * consistent number of fields (quotes respected), then the lines above the
 * table (comments, a title, a line of counts) and the header.
 *
 * Columns separated by whitespace are a dialect too: `runs` when every line
 * splits on runs of spaces and tabs into the same number of fields (single
 * spaces separate; values cannot hold a space unless quoted), `aligned` when
 * the lines do not split so but keep gutters of two or more spaces at the same
 * positions (a value may hold single spaces: `New York`). DuckDB cannot split
 * on runs of spaces, so the prepare step rewrites such a file as tab-separated
 * text (see whitespaceToTabs) and the detection of that text reads it.
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
  /** Why the first record of the table was, or was not, taken as the header. */
  headerReason?: string;
  /** What the skipped lines were, when some were skipped. */
  skipReason?: string;
  /** The header line starts with `#` (as in `#id,name`): the mark and the spaces after it are not part of the first name. */
  hashHeader?: boolean;
  /** Columns separated by whitespace (see the module comment); the text is read after its rewrite as tab-separated. */
  whitespace?: WhitespaceLayout;
  /** Something the reader should know about how the file was split, e.g. that it was read as one column and why. */
  warning?: string;
}

/** How whitespace separates the columns: on any run of spaces and tabs, or at fixed positions (`starts`, 0-based character offsets of each column). */
export type WhitespaceLayout = { kind: 'runs'; columns: number } | { kind: 'aligned'; columns: number; starts: readonly number[] };

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
  return (
    /^[+-]?[$€£]?\s?\d[\d,.\s]*%?$/.test(t) ||
    /^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$/i.test(t) ||
    /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/.test(t) ||
    /^(true|false)$/i.test(t)
  );
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+[.,]\d+|[.,]\d+)$/;
const DATE_ONLY = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/;
const TIME_ONLY = /^\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*([ap]m|z|[+-]\d{2}(:?\d{2})?)?$/i;
/** Spellings of a missing value: never taken as a name that labels a column. */
const MISSING = /^(na|n\/a|nan|null|none|nil|-+|\.+|\?)$/i;
/** Lines of `#` comments above a table are taken as comments up to this many. */
const MAX_PREAMBLE = 50;
const LINE_BREAK = /\r\n|\n|\r/;
/** A `#` mark at the start of a line and the spaces after it. */
const HASH_MARK = /^\s*#[ \t]*/;

interface Candidate {
  delimiter: string;
  score: number;
  records: string[][];
  width: number;
  /** Share of the records of the table's width. */
  consistency: number;
}

function bestDelimiter(text: string, complete: boolean): Candidate | undefined {
  let best: Candidate | undefined;
  for (const delimiter of CANDIDATES) {
    const records = parseRecords(text, delimiter, '"', complete);
    if (records.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of records) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    const [modeWidth, modeCount] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] as [number, number];
    if (modeWidth < 2) continue;
    // Consistency first, then more fields: a delimiter that splits every record the same way wins.
    const consistency = modeCount / records.length;
    const score = consistency * 1000 + Math.min(modeWidth, 999);
    if (!best || score > best.score) best = { delimiter, score, records, width: modeWidth, consistency };
  }
  return best;
}

/** The sample's complete lines: the last one is dropped when the sample is partial (it may be cut). */
function sampleLines(sample: string, complete: boolean): string[] {
  const lines = sample.split(LINE_BREAK);
  if (!complete && !/[\r\n]$/.test(sample)) lines.pop();
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Detect delimiter and header. `complete` says whether the sample is the whole file. */
export function detectDialect(sample: string, complete: boolean): Dialect {
  return detect(sample, complete, true);
}

/** `whitespace`: whether a whitespace layout may be tried (not on the tab-separated rewrite of one). */
function detect(sample: string, complete: boolean, whitespace: boolean): Dialect {
  // Excel writes "sep=;" as a first line to name the delimiter.
  const sep = /^sep=(.)(?:\r\n|\n|\r)/i.exec(sample);
  if (sep) {
    const delimiter = sep[1] as string;
    const rest = sample.slice(sep[0].length);
    const records = parseRecords(rest, delimiter, '"', complete, 51);
    const first = records[0] ?? [];
    const decided = decideHeader(first, records.slice(1));
    return {
      delimiter,
      quote: '"',
      escape: '"',
      header: decided.header,
      columns: first.length,
      skipLines: 1,
      headerReason: decided.reason,
      skipReason: 'an Excel "sep=" line names the delimiter',
    };
  }
  const lines = sample.split(LINE_BREAK);
  // `#` lines on top: comments, or the last of them the header (see hashHeaderLine).
  let comments = 0;
  let tableFound = false;
  for (let i = 0; i < Math.min(lines.length, MAX_PREAMBLE + 1); i++) {
    const line = lines[i] as string;
    if (line.trimStart().startsWith('#')) comments = i + 1;
    else if (line.trim() !== '') {
      tableFound = true;
      break;
    }
  }
  // Rows that start with `#` (colour codes, a headerless file of them) are no comments: a block of comments ends above the table.
  if (!tableFound || comments > MAX_PREAMBLE) comments = 0;
  const tableText = comments > 0 ? lines.slice(comments).join('\n') : sample;
  const best = bestDelimiter(tableText, complete);
  if (whitespace && (!best || best.consistency < 1)) {
    const rows = sampleLines(tableText, complete);
    // The last `#` line may be the header: the layout over it and the rows, else over the rows alone.
    const layout =
      (comments > 0 ? whitespaceLayout([lines[comments - 1] as string, ...rows], best?.consistency ?? 0) : undefined) ??
      whitespaceLayout(rows, best?.consistency ?? 0);
    if (layout) {
      // Read as the tab-separated text the prepare step writes; kept only when that text is the table the layout promised.
      const tabbed = sample
        .split(LINE_BREAK)
        .map((line) => whitespaceToTabs(line, layout))
        .join('\n');
      const read = detect(tabbed, complete, false);
      if (read.delimiter === '\t' && read.columns === layout.columns) return { ...read, whitespace: layout };
    }
  }
  if (!best) {
    const records = parseRecords(sample, ',', '"', complete);
    const dialect: Dialect = {
      delimiter: ',',
      quote: '"',
      escape: '"',
      header: true,
      columns: records[0]?.length ?? 1,
      skipLines: 0,
      headerReason: 'no delimiter splits the lines: one column, its first line the name',
    };
    const warning = oneColumnWarning(sampleLines(tableText, complete));
    return warning ? { ...dialect, warning } : dialect;
  }
  const { delimiter, width } = best;
  const tableLines = tableText.split(LINE_BREAK);
  let skip = (best.records[0]?.length ?? width) < width ? preambleLines(tableText, delimiter, width) : 0;
  const recordsFrom = (n: number) => parseRecords(n > 0 ? tableLines.slice(n).join('\n') : tableText, delimiter, '"', complete, 52);
  let records = recordsFrom(skip);
  const reasons: string[] = [];
  if (comments > 0) reasons.push(`${comments} "#" comment line${comments > 1 ? 's' : ''}`);
  if (skip > 0) {
    const last = parseRecords(tableLines[skip - 1] ?? '', delimiter, '"', true, 1)[0];
    reasons.push(
      last && isCountsLine(last)
        ? `${skip} line${skip > 1 ? 's' : ''} above the table, the last only counts (${countsOf(last)}): metadata, not data`
        : `${skip} line${skip > 1 ? 's' : ''} above the table narrower than it (a title or notes)`,
    );
  } else if (records[0] && isCountsLine(records[0]) && records[0].length === width && records[1] && isHeaderAbove(records[1], records.slice(2))) {
    // A line of counts padded to the table's width (`506,13,,,`) above a header.
    reasons.push(`a line of counts above the header (${countsOf(records[0])}): metadata, not data`);
    skip = 1;
    records = recordsFrom(skip);
  } else if (complete && records[0] && records[0].length <= width) {
    const size = sizeLine(records[0], () => parseRecords(tableText, delimiter, '"', true, Number.MAX_SAFE_INTEGER).length - 1, width);
    if (size) {
      reasons.push(`a line giving the table's size (${size}): metadata, not data`);
      skip = 1;
      records = recordsFrom(skip);
    }
  }
  const first = records[0] ?? [];
  const skipReason = reasons.length > 0 ? `skipped ${reasons.join(', then ')}` : undefined;
  const hash = skip === 0 && comments > 0 ? hashHeaderLine(lines, comments, delimiter, width, records, !whitespace) : undefined;
  if (hash) {
    const rest = comments - 1;
    return {
      delimiter,
      quote: '"',
      escape: '"',
      header: true,
      columns: width,
      skipLines: rest,
      headerReason: hash,
      hashHeader: true,
      ...(rest > 0 ? { skipReason: `skipped ${rest} "#" comment line${rest > 1 ? 's' : ''}` } : {}),
    };
  }
  const decided = decideHeader(first, records.slice(1));
  return {
    delimiter,
    quote: '"',
    escape: '"',
    header: decided.header,
    columns: first.length,
    skipLines: comments + skip,
    headerReason: decided.reason,
    ...(skipReason ? { skipReason } : {}),
  };
}

/** True when a header record passes as one: every name present and the header test says so. */
function isHeaderAbove(record: string[], below: string[][]): boolean {
  return record.every((f) => f.trim() !== '') && decideHeader(record, below).header;
}

/** A record of one to three whole numbers followed only by empty fields (`506,13` or `506,13,,,`): counts of rows and columns, as some data packages write above the header. */
function isCountsLine(record: string[]): boolean {
  const filled = record.findIndex((f) => f.trim() === '');
  const k = filled < 0 ? record.length : filled;
  if (k < 1 || k > 3 || record.slice(k).some((f) => f.trim() !== '')) return false;
  return record.slice(0, k).every((f) => /^\d+$/.test(f.trim()));
}

/**
 * A first line that gives the table's size as scikit-learn's data files do
 * (`150,4,setosa,versicolor,virginica` above the rows of iris.csv, `506,13`
 * above the header of the Boston file): its first number is the count of the
 * records below (the header included or not), its second the count of the
 * columns (the target included or not). Returns the size in words.
 */
function sizeLine(record: string[], countBelow: () => number, width: number): string | undefined {
  const [rows, columns] = record.map((f) => f.trim());
  if (!rows || !columns || !/^\d+$/.test(rows) || !/^\d+$/.test(columns)) return undefined;
  const n = Number(rows);
  const c = Number(columns);
  if (n < 2 || (c !== width && c !== width - 1)) return undefined;
  const below = countBelow();
  if (n !== below && n !== below - 1) return undefined;
  return `${n} rows, ${c} columns`;
}

function countsOf(record: string[]): string {
  return record
    .filter((f) => f.trim() !== '')
    .map((f) => f.trim())
    .join(', ');
}

/**
 * The `#` line right above the table names its columns when it is as wide as
 * the table and no other line of the sample starts with `#`, and either the
 * first record below it is data, or it is the only `#` line and reads as
 * names (no prose; not in a file split on whitespace, where any line of words
 * does). Returns why, or undefined when the `#` lines are comments.
 */
function hashHeaderLine(lines: string[], comments: number, delimiter: string, width: number, records: string[][], splitOnSpaces: boolean): string | undefined {
  const line = lines[comments - 1] as string;
  if (lines.slice(comments).some((l) => l.trimStart().startsWith('#'))) return undefined;
  const names = parseRecords(line.trimStart().replace(/^#[ \t]*/, ''), delimiter, '"', true, 1)[0] ?? [];
  if (names.length !== width || names.every((n) => n.trim() === '')) return undefined;
  const first = records[0] ?? [];
  const firstIsData = !decideHeader(first, records.slice(1)).header;
  if (firstIsData) return 'the "#" line above the rows names the columns: the first row below it holds values';
  // Split on spaces, a line of prose is as many names as it has words: it names the columns only above values.
  if (splitOnSpaces) return undefined;
  const alone = lines.slice(0, comments - 1).every((l) => l.trim() === '');
  const prose = names.some((n) => n.trim().split(/\s+/).length >= 3 || n.trim().length > 40);
  if (alone && !prose) return 'the only "#" line, right above the rows and as wide as the table, names the columns';
  return undefined;
}

/**
 * Lines above the table: when the first records are narrower than the
 * table (a title, a "generated on" line, blank lines), the number of lines
 * before the first record of full width. At most 50 lines are skipped.
 */
function preambleLines(sample: string, delimiter: string, width: number): number {
  const lines = sample.split(LINE_BREAK, MAX_PREAMBLE + 1);
  for (let i = 0; i < Math.min(lines.length, MAX_PREAMBLE + 1); i++) {
    const fields = parseRecords(lines[i] as string, delimiter, '"', true, 1)[0]?.length ?? 0;
    if (fields === width) return i;
    if (fields > width) return 0;
  }
  return 0;
}

/** A row of whole numbers, distinct and in strictly rising or falling order at `at`, and whether their steps are all the same. */
function numberRun(row: string[], at: number[]): { ordered: boolean; evenSteps: boolean; values: number[] } {
  const cells = at.map((i) => (row[i] ?? '').trim());
  if (cells.some((c) => !INTEGER.test(c))) return { ordered: false, evenSteps: false, values: [] };
  const values = cells.map(Number);
  const steps = values.slice(1).map((v, i) => v - (values[i] as number));
  const ordered = steps.length > 0 && (steps.every((s) => s > 0) || steps.every((s) => s < 0));
  return { ordered, evenSteps: ordered && steps.every((s) => s === steps[0]), values };
}

/**
 * Whether the first record of the table is its header, and why. A record
 * whose names look like no value (no number, date or boolean) is a header:
 * files without one are the exception. A record holding values is a header
 * still when its types differ from the rows below in a way names do and data
 * does not:
 * - its numbers are whole, distinct and in order (years `1960,1961,…`,
 *   wavelengths `400,410,…`), and either they run in even steps (at least
 *   three such names beside text names, four when all are numbers) while
 *   most rows below do not, or at least half of them stand above columns
 *   holding decimals while most rows below are not in order;
 * - a text name (not a missing-value spelling) stands above a column whose
 *   values below (at least two) are all numbers, dates or booleans.
 * Otherwise the record is data.
 */
export function decideHeader(first: string[], below: string[][] = []): { header: boolean; reason: string } {
  if (first.length === 0) return { header: true, reason: 'no record to read' };
  const typed = first.map(looksTyped);
  if (!typed.some(Boolean)) return { header: true, reason: 'no name in the first row looks like a value (a number, date or boolean)' };
  const numbered = first.flatMap((_, i) => (typed[i] ? [i] : []));
  const rows = below;
  if (rows.length > 0 && numbered.length >= 2) {
    const run = numberRun(first, numbered);
    const distinct = new Set(run.values).size === run.values.length;
    if (run.ordered && distinct) {
      const texts = first.filter((f, i) => !typed[i] && f.trim() !== '').length;
      const shown = `${run.values[0]} … ${run.values[run.values.length - 1]}`;
      const runs = rows.map((r) => numberRun(r, numbered));
      if (run.evenSteps && numbered.length >= (texts > 0 ? 3 : 4) && runs.filter((r) => r.evenSteps).length < rows.length / 2) {
        return { header: true, reason: `the first row's numbers (${shown}) run in even steps, as names of columns do, and the rows below do not` };
      }
      const decimalColumns = numbered.filter((i) => rows.some((r) => DECIMAL.test((r[i] ?? '').trim()))).length;
      if (decimalColumns >= numbered.length / 2 && (numbered.length >= 3 || texts > 0) && runs.filter((r) => r.ordered).length < rows.length / 2) {
        return { header: true, reason: `the first row's whole numbers (${shown}) stand above columns of decimals` };
      }
    }
  }
  if (rows.length >= 2) {
    for (let i = 0; i < first.length; i++) {
      const name = (first[i] as string).trim();
      if (typed[i] || name === '' || MISSING.test(name)) continue;
      const values = rows.map((r) => (r[i] ?? '').trim()).filter((v) => v !== '' && !MISSING.test(v));
      if (values.length >= 2 && values.every(looksTyped)) return { header: true, reason: `"${name}" stands above a column of values` };
    }
  }
  const value = first[typed.indexOf(true)] as string;
  return { header: false, reason: `the first row holds a value (${value.trim()}) as data rows do` };
}

/** The position after the quoted field that opens at `start` (a `"`; doubled quotes inside it), or the end of `text`. */
function pastQuoted(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] !== '"') i++;
    else if (text[i + 1] === '"') i += 2;
    else return i + 1;
  }
  return i;
}

/** Split a line on runs of spaces and tabs, a field in double quotes kept whole (quotes included). */
function splitRuns(line: string): string[] {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const start = i;
    if (line[i] === '"') i = pastQuoted(line, i);
    while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
    fields.push(line.slice(start, i));
  }
  return fields;
}

/** Where aligned columns start: past every gutter of two or more positions that are a space (or past the end) in every line. */
function alignedStarts(lines: string[]): number[] {
  const longest = Math.max(...lines.map((l) => l.length));
  const blank = new Array<boolean>(longest).fill(true);
  for (const line of lines) for (let p = 0; p < line.length; p++) if (line[p] !== ' ') blank[p] = false;
  const starts: number[] = [];
  let gutter = 0;
  for (let p = 0; p < longest; p++) {
    if (blank[p]) gutter++;
    else {
      if (starts.length === 0 || gutter >= 2) starts.push(p);
      gutter = 0;
    }
  }
  return starts;
}

/**
 * How whitespace splits the table's lines, when it does better than the best
 * delimiter (`consistency`: its share of records of the table's width):
 * - `runs` when every non-blank line splits into the same number (two or
 *   more) of fields, set apart by a tab or two spaces somewhere or with a
 *   column of values below the first line (lines of words stay one column);
 * - else, when no delimiter splits the lines and they hold no tab, `aligned`
 *   when gutters of two or more spaces at the same positions in every line
 *   cut them into two or more columns;
 * - else `runs` still when at least nine lines in ten of ten or more split
 *   the same way, the first line among them, and a column of those lines
 *   below the first holds only numbers, dates or booleans: a table with a
 *   few odd rows (they are rejected, each listed), not lines of words.
 * At least two lines are needed. Lines that each hold a date and a time are
 * one column of timestamps.
 */
function whitespaceLayout(lines: string[], consistency: number): WhitespaceLayout | undefined {
  const table = lines.filter((l) => l.trim() !== '').slice(0, 200);
  if (table.length < 2) return undefined;
  const split = table.map((l) => splitRuns(l.replace(HASH_MARK, '')));
  const counts = new Map<number, number>();
  for (const f of split) counts.set(f.length, (counts.get(f.length) ?? 0) + 1);
  const [columns, count] = [...counts.entries()].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0] as [number, number];
  if (columns < 2) return undefined;
  // Lines that are each one timestamp (`2024-03-01 10:00:00`) are one column of them, not a date and a time.
  const rest = split.slice(1);
  if (columns === 2 && rest.every((f) => f.length !== 2 || (DATE_ONLY.test(f[0] as string) && TIME_ONLY.test(f[1] as string)))) return undefined;
  // Every line the same number of words is a table when its fields are set apart by a tab or two spaces somewhere,
  // or a column below the first line holds values (numbers, dates, booleans); lines of words alone (a headerless
  // list of names, `Ann Lee`) stay one column, as they read before whitespace tables were known.
  if (count === table.length) {
    const gapped = table.some((l) => /\S(?:\t| {2,})\S/.test(l.trim()));
    const valuesBelow = Array.from({ length: columns }, (_, c) => c).some((c) => rest.length > 0 && rest.every((f) => looksTyped(f[c] ?? '')));
    if (gapped || valuesBelow) return { kind: 'runs', columns };
  }
  if (consistency === 0 && !table.some((l) => l.includes('\t'))) {
    const raw = alignedStarts(table.map((l) => l.replace(/^(\s*)#/, '$1 ')));
    // A column starts where text starts after a gutter; the first column may start after leading spaces (right-aligned numbers): it starts at 0.
    const starts = raw.length > 0 ? [0, ...raw.slice(1)] : [];
    if (starts.length >= 2) return { kind: 'aligned', columns: starts.length, starts };
  }
  const share = count / table.length;
  if (table.length < 10 || share < 0.9 || share <= consistency || split[0]?.length !== columns) return undefined;
  const rows = rest.filter((f) => f.length === columns);
  for (let c = 0; c < columns; c++) if (rows.every((f) => looksTyped(f[c] as string))) return { kind: 'runs', columns };
  return undefined;
}

/**
 * One line of a whitespace-separated file as tab-separated text. `runs`: the
 * fields split on runs of spaces and tabs, quoted ones kept whole. `aligned`:
 * the text between column starts, trimmed; a line with text where a gutter
 * should be is left as it is (it reads as one field and is rejected as a
 * short row, listed with its line). A leading `#` stays on the first field.
 * Blank lines stay blank.
 */
export function whitespaceToTabs(line: string, layout: WhitespaceLayout): string {
  if (line.trim() === '') return '';
  const hash = HASH_MARK.exec(line);
  if (layout.kind === 'runs') return (hash ? '#' : '') + splitRuns(hash ? line.slice(hash[0].length) : line).join('\t');
  // Aligned: the mark is blanked in place, so the columns keep their positions.
  if (hash) return `#${whitespaceToTabs(line.replace('#', ' '), layout)}`;
  const { starts } = layout;
  const fields: string[] = [];
  for (let c = 0; c < starts.length; c++) {
    const from = starts[c] as number;
    const to = starts[c + 1] ?? line.length;
    // The gutter before a column's start must be blank: otherwise a value runs into it.
    if (c > 0 && [from - 1, from - 2].some((p) => p < line.length && line[p] !== ' ')) return line;
    fields.push(line.slice(from, Math.max(from, to)).trim());
  }
  return fields.join('\t');
}

/** UTF-16 units a UTF-8 lead byte's character takes (2 for a 4-byte sequence), or 1 for a stray byte (read as U+FFFD). */
function utf8Units(bytes: string, i: number): { length: number; units: number } {
  const b = bytes.charCodeAt(i);
  const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
  for (let k = 1; k <= need; k++) {
    const c = bytes.charCodeAt(i + k);
    if (!(c >= 0x80 && c <= 0xbf)) return { length: 1, units: 1 };
  }
  return { length: need + 1, units: need === 3 ? 2 : 1 };
}

/**
 * One line of a whitespace-separated file's bytes (as a Latin-1 string, a
 * character a byte) with a tab where whitespaceToTabs puts each field break,
 * and nothing else changed: the line keeps its length, so byte offsets into
 * the raw text still hold while its fields can be counted by tabs (the
 * invalid UTF-8 bytes of a file are located so). `aligned` columns are found
 * at their character positions, a stray byte counted as one character; a
 * line that whitespaceToTabs leaves as it is stays so; empty fields at the end
 * of a short line get no tab (that would move the bytes after it).
 */
export function markWhitespaceFields(bytes: string, layout: WhitespaceLayout): string {
  const chars = bytes.split('');
  const n = bytes.length;
  const blank = (ch: string | undefined) => ch === ' ' || ch === '\t';
  if (layout.kind === 'runs') {
    let i = HASH_MARK.exec(bytes)?.[0].length ?? 0;
    while (i < n && blank(bytes[i])) i++;
    while (i < n) {
      if (bytes[i] === '"') i = pastQuoted(bytes, i);
      while (i < n && !blank(bytes[i])) i++;
      const gap = i;
      while (i < n && blank(bytes[i])) i++;
      if (i < n) chars[gap] = '\t';
    }
    return chars.join('');
  }
  // Byte index of each character position (UTF-16 units), as the decoded line has them.
  const at: number[] = [];
  for (let i = 0; i < n; ) {
    const { length, units } = utf8Units(bytes, i);
    for (let u = 0; u < units; u++) at.push(i);
    i += length;
  }
  // The mark of a `#` line counts as blank, as whitespaceToTabs blanks it.
  const check = bytes.replace(/^(\s*)#/, '$1 ');
  for (const start of layout.starts.slice(1)) {
    if ([start - 1, start - 2].some((p) => p < at.length && check[at[p] as number] !== ' ')) return bytes;
  }
  for (const start of layout.starts.slice(1)) if (start - 1 < at.length) chars[at[start - 1] as number] = '\t';
  return chars.join('');
}

/** Why a file is read as one column, when its lines hold spaces that could have been separators. */
function oneColumnWarning(lines: string[]): string | undefined {
  const table = lines.filter((l) => l.trim() !== '').slice(0, 200);
  const spaced = table.filter((l) => /\S[ \t]+\S/.test(l));
  if (table.length < 2 || spaced.length < table.length / 2) return undefined;
  const widths = table.map((l) => splitRuns(l).length);
  return `read as one column: no delimiter (comma, semicolon, tab or pipe) splits the lines, and runs of spaces split them into differing numbers of fields (${Math.min(...widths)} to ${Math.max(...widths)}) without columns aligned at two or more spaces`;
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
