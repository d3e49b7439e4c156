/**
 * A deterministic generator of a realistically messy orders CSV: mixed date
 * formats, thousands separators and currency, stray whitespace, null tokens,
 * exact duplicate rows, leading-zero codes, quoted fields with commas, quotes
 * and newlines, and a few ragged rows. Same seed, same bytes.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface MessyOptions {
  rows: number;
  seed?: number;
  /** Emit this share of rows again later as exact duplicates. */
  duplicateShare?: number;
  /** Insert a ragged row (wrong field count) every N rows; 0 for none. */
  raggedEvery?: number;
}

export interface MessyStats {
  /** Data lines written (including duplicates and ragged rows). */
  lines: number;
  duplicates: number;
  ragged: number;
  /** Rows that should reach `final`: distinct, well-formed rows. */
  expectedRows: number;
  bytes: number;
}

export const MESSY_HEADER = ['Order ID', 'Customer Code', 'Order Date', 'Amount', 'Quantity', ' Country ', 'Paid?', 'Discount %', 'Zip', 'Created At', 'Notes'];

/** A small seeded RNG (floats in [0, 1)): same seed, same sequence. Tests use it to replay a random schedule. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES = ['US', ' us', 'DE ', 'FR', 'GB', 'NL', 'ES', ' IT '];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NOTES = ['', 'gift wrap', 'leave at door, ring twice', 'said "urgent"', 'line one\nline two', 'N/A', '  call first  '];
const NULLS = ['', 'NA', 'N/A', 'null', '-'];

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Lines of the CSV, header first, each ending in a newline (CRLF in places, as exports do). */
export function* messyOrderLines(opts: MessyOptions, stats?: MessyStats): Generator<string> {
  const rand = mulberry32(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const dupShare = opts.duplicateShare ?? 0.04;
  const raggedEvery = opts.raggedEvery ?? 97;
  const s: MessyStats = stats ?? { lines: 0, duplicates: 0, ragged: 0, expectedRows: 0, bytes: 0 };
  const emit = (line: string) => {
    s.bytes += Buffer.byteLength(line);
    return line;
  };
  yield emit(`${MESSY_HEADER.map(csvField).join(',')}\r\n`);
  const recent: string[] = [];
  for (let i = 1; i <= opts.rows; i++) {
    if (raggedEvery > 0 && i % raggedEvery === 0) {
      s.lines++;
      s.ragged++;
      yield emit(`${100000 + i},${pad(i, 5)},2024-01-01,oops\n`);
      continue;
    }
    if (recent.length > 0 && rand() < dupShare) {
      s.lines++;
      s.duplicates++;
      yield emit(pick(recent));
      continue;
    }
    const day = 1 + Math.floor(rand() * 28);
    const month = 1 + Math.floor(rand() * 12);
    const year = 2023 + Math.floor(rand() * 2);
    const dateStyle = rand();
    const date =
      dateStyle < 0.5 ? `${year}-${pad(month)}-${pad(day)}` : dateStyle < 0.8 ? `${pad(month)}/${pad(day)}/${year}` : `${day} ${MONTHS[month - 1]} ${year}`;
    const cents = Math.floor(rand() * 500000) + 100;
    const amountNum = (cents / 100).toFixed(2);
    const amountStyle = rand();
    const amount =
      rand() < 0.03
        ? pick(NULLS)
        : amountStyle < 0.3
          ? `$${Number(amountNum).toLocaleString('en-US', { minimumFractionDigits: 2 })}`
          : amountStyle < 0.5
            ? ` ${amountNum} `
            : amountStyle < 0.55
              ? `(${amountNum})`
              : Number(amountNum).toLocaleString('en-US', { minimumFractionDigits: 2 });
    const quantity = rand() < 0.05 ? pick(NULLS) : String(1 + Math.floor(rand() * 20));
    const paid = pick(['yes', 'no', 'Y', 'N', 'TRUE', 'false']);
    const discount = rand() < 0.5 ? `${Math.floor(rand() * 30)}%` : pick(NULLS);
    const zip = pad(Math.floor(rand() * 99999), 5);
    const hour = Math.floor(rand() * 24);
    const created = rand() < 0.5 ? `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:15:00Z` : `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:15:00+02:00`;
    const fields = [String(100000 + i), pad(Math.floor(rand() * 5000), 6), date, amount, quantity, pick(COUNTRIES), paid, discount, zip, created, pick(NOTES)];
    const line = `${fields.map(csvField).join(',')}${rand() < 0.1 ? '\r\n' : '\n'}`;
    recent.push(line);
    if (recent.length > 50) recent.shift();
    s.lines++;
    s.expectedRows++;
    yield emit(line);
  }
}

export function messyOrdersCsv(opts: MessyOptions): { text: string; stats: MessyStats } {
  const stats: MessyStats = { lines: 0, duplicates: 0, ragged: 0, expectedRows: 0, bytes: 0 };
  const text = [...messyOrderLines(opts, stats)].join('');
  return { text, stats };
}

/** Stream the CSV to a file (for large benchmark inputs); stops once `targetBytes` is reached if given. */
export async function writeMessyOrders(file: string, opts: MessyOptions): Promise<MessyStats> {
  const stats: MessyStats = { lines: 0, duplicates: 0, ragged: 0, expectedRows: 0, bytes: 0 };
  const out = createWriteStream(file);
  for (const line of messyOrderLines(opts, stats)) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return stats;
}
