/**
 * The preprocess stage on messy inputs, with real parts: local zones in a
 * fresh folder per test, one real DuckDB engine for the file, and the config
 * as sluice.yaml would give it. Each test writes a small raw file, runs the
 * handler and reads back what it wrote: the Parquet, the rejects CSV, the
 * quarantined copy and its reason.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import type { Json } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { sluiceConfigSchema } from '../../src/config/schema.js';
import { processedKeyFor, quarantinedFileKeyFor, rejectsKeyFor } from '../../src/core/keys.js';
import { Engine } from '../../src/engine/duckdb.js';
import { quoteString } from '../../src/engine/sql.js';
import type { Logger, StageDeps } from '../../src/stages/deps.js';
import { type ColumnReport, type PreprocessReport, type PreprocessResult, preprocess } from '../../src/stages/preprocess/handler.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { plainStageDeps } from '../helpers/factories.js';

type ConfigInput = z.input<typeof sluiceConfigSchema>;
type Row = Record<string, Json>;

const _SILENT: Logger = { info() {}, warn() {}, error() {} };
/** Whole-file failures must be quick: a parser that loops on bad input fails the test instead of stalling the suite. */
const QUICK = { timeout: 10_000 };

let engine: Engine;
let engineDir: string;
const closers: (() => void)[] = [];

beforeAll(async () => {
  engineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-preprocess-engine-'));
  engine = await Engine.open({ tempDir: path.join(engineDir, 'spill') });
});

afterAll(() => {
  engine?.close();
  fs.rmSync(engineDir, { recursive: true, force: true });
});

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Stage dependencies over a fresh temp folder: four local zones, the shared engine, a parsed config. */
function newDeps(config: ConfigInput = {}): StageDeps {
  const deps = plainStageDeps(engine, config);
  closers.push(deps.close);
  return deps;
}

interface Run {
  key: string;
  input: Buffer;
  deps: StageDeps;
  result: PreprocessResult;
  report: PreprocessReport;
}

/** Put `bytes` into the raw zone under `key` and preprocess it. */
async function run(key: string, bytes: Buffer | string, config?: ConfigInput): Promise<Run> {
  const deps = newDeps(config);
  const input = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  await deps.zones.raw.put(key, input);
  const result = await preprocess({ rawKey: key, sha256: 'test' }, deps);
  return { key, input, deps, result, report: result.report };
}

/** Lines joined with `eol`, ending with one. */
function csv(lines: string[], eol = '\n'): string {
  return lines.map((l) => l + eol).join('');
}

async function query(sql: string): Promise<Row[]> {
  return engine.withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());
}

function processedPath(r: Run): string {
  return r.deps.zones.processed.uri(processedKeyFor(r.key));
}

/** Rows of the processed Parquet: `select` over it, in file order unless `orderBy` says otherwise. */
async function readProcessed(r: Run, select = '*', orderBy = ''): Promise<Row[]> {
  return query(`SELECT ${select} FROM read_parquet(${quoteString(processedPath(r))})${orderBy ? ` ORDER BY ${orderBy}` : ''}`);
}

/** Column names and DuckDB types of the processed Parquet. */
async function processedColumns(r: Run): Promise<{ name: string; type: string }[]> {
  const schema = await engine.withConnection((c) => engine.parquetSchema(c, processedPath(r)));
  return schema.map(({ name, type }) => ({ name, type }));
}

interface RejectRow {
  kind: string;
  line: number | null;
  column: string | null;
  value: string | null;
  reason: string;
}

/** The rejects CSV of a run (kind, line, column, value, reason), read back as text. */
async function readRejects(r: Run): Promise<RejectRow[]> {
  const file = r.deps.zones.quarantine.uri(rejectsKeyFor(r.key));
  expect(fs.existsSync(file), `rejects file ${rejectsKeyFor(r.key)} exists`).toBe(true);
  const rows = await query(`SELECT * FROM read_csv(${quoteString(file)}, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true)`);
  const num = (v: Json) => (v === null || v === '' ? null : Number(v));
  const str = (v: Json) => (v === null ? null : String(v));
  return rows.map((x) => ({
    kind: String(x.kind),
    line: num(x.line ?? null),
    column: str(x.column ?? null),
    value: str(x.value ?? null),
    reason: String(x.reason),
  }));
}

async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)) as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function columnOf(report: PreprocessReport, name: string): ColumnReport {
  const col = report.columns.find((c) => c.name === name);
  if (!col) throw new Error(`no column ${name} in the report; columns: ${report.columns.map((c) => c.name).join(', ')}`);
  return col;
}

/** A whole-file failure: quarantined with a reason, the raw bytes copied next to a .error.json, the raw object untouched, nothing processed. */
async function expectQuarantined(r: Run, reason: RegExp): Promise<void> {
  expect(r.result.outcome, `outcome (reason: ${r.report.quarantine?.reason})`).toBe('quarantined');
  expect(r.report.quarantine?.reason).toMatch(reason);
  const keys = quarantinedFileKeyFor(r.key);
  expect(r.report.outputs.quarantined).toBe(keys.file);
  expect((await readObject(r.deps.zones.quarantine, keys.file)).equals(r.input)).toBe(true);
  const error = JSON.parse((await readObject(r.deps.zones.quarantine, keys.reason)).toString('utf8')) as Record<string, unknown>;
  expect(error).toMatchObject({ rawKey: r.key, sha256: 'test', reason: r.report.quarantine?.reason });
  expect((await readObject(r.deps.zones.raw, r.key)).equals(r.input)).toBe(true);
  expect(await r.deps.zones.processed.head(processedKeyFor(r.key))).toBeUndefined();
  expect(r.result.processedKey).toBeUndefined();
}

function expectProcessed(r: Run): void {
  expect(r.result.outcome, `outcome (reason: ${r.report.quarantine?.reason})`).toBe('processed');
  expect(r.result.processedKey).toBe(processedKeyFor(r.key));
}

/** `unit` repeated to `totalBytes`, gzipped as a stream so the plain text never sits in memory at once. */
async function gzipRepeated(unit: string, totalBytes: number): Promise<Buffer> {
  const block = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length)), 'utf8');
  const gz = createGzip({ level: 1 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  for (let written = 0; written < totalBytes; written += block.length) {
    if (!gz.write(block)) await new Promise((resolve) => gz.once('drain', resolve));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

describe('dialect', () => {
  it.each([
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
    ['pipe', '|'],
  ])('detects the %s delimiter and reads the values', async (_name, d) => {
    // Prepare
    const text = csv([['id', 'name', 'amount'].join(d), ['1', 'Ann Lee', '10.5'].join(d), ['2', 'Bob', '20.25'].join(d), ['3', 'Cy', '7'].join(d)]);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: d, header: true });
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect(r.report.columns.map((c) => c.name)).toEqual(['id', 'name', 'amount']);
    expect(await readProcessed(r, 'id, name, CAST(amount AS DOUBLE) AS amount')).toEqual([
      { id: '1', name: 'Ann Lee', amount: 10.5 },
      { id: '2', name: 'Bob', amount: 20.25 },
      { id: '3', name: 'Cy', amount: 7 },
    ]);
  });

  it('reads RFC 4180 quoted fields with embedded newlines, delimiters and doubled quotes exactly', async () => {
    // Prepare
    const text = csv(['id,text,n', '1,"line one\nline two",5', '2,"a, b, c",6', '3,"she said ""hi""",7', '4,"""quoted"" start, and\nnewline",8', '5,plain,9']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 5, rejected: 0, written: 5 });
    expect(await readProcessed(r, 'id, text, n')).toEqual([
      { id: '1', text: 'line one\nline two', n: '5' },
      { id: '2', text: 'a, b, c', n: '6' },
      { id: '3', text: 'she said "hi"', n: '7' },
      { id: '4', text: '"quoted" start, and\nnewline', n: '8' },
      { id: '5', text: 'plain', n: '9' },
    ]);
  });

  it('names the columns column_1.. and keeps every row when the first row is data', async () => {
    // Prepare
    const text = csv(['1,2.5,10', '2,3.5,20', '3,4.5,30']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect?.header).toBe(false);
    expect(r.report.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3']);
    expect(r.report.rows).toMatchObject({ read: 3, written: 3 });
    expect(await readProcessed(r, 'column_1, CAST(column_2 AS DOUBLE) AS column_2, column_3')).toEqual([
      { column_1: '1', column_2: 2.5, column_3: '10' },
      { column_1: '2', column_2: 3.5, column_3: '20' },
      { column_1: '3', column_2: 4.5, column_3: '30' },
    ]);
  });

  it('takes a first row of names as the header', async () => {
    // Prepare
    const text = csv(['city,population', 'Lyon,522000', 'Nice,342000']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect?.header).toBe(true);
    expect(r.report.rows).toMatchObject({ read: 2, written: 2 });
    expect(await readProcessed(r)).toEqual([
      { city: 'Lyon', population: '522000' },
      { city: 'Nice', population: '342000' },
    ]);
  });
});

describe('line endings', () => {
  const lines = ['id,name', '1,alpha', '2,beta', '3,gamma'];
  it.each([
    ['LF', csv(lines, '\n')],
    ['CRLF', csv(lines, '\r\n')],
    ['CR only (old Mac)', csv(lines, '\r')],
    ['mixed CRLF and LF', 'id,name\r\n1,alpha\n2,beta\r\n3,gamma\n'],
    ['no final newline', lines.join('\n')],
    ['no final newline, CRLF', lines.join('\r\n')],
  ])('%s: every row read, no stray CR in values', async (_name, text) => {
    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'alpha' },
      { id: '2', name: 'beta' },
      { id: '3', name: 'gamma' },
    ]);
  });
});

describe('encodings', () => {
  const text = csv(['name,note', 'café,€5', 'naïve,Straße']);
  const expected = [
    { name: 'café', note: '€5' },
    { name: 'naïve', note: 'Straße' },
  ];

  it('UTF-8 with a BOM: the BOM is not part of the first header name', async () => {
    // Act
    const r = await run('ds/x.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]));

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8-bom');
    expect(r.report.columns.map((c) => [c.name, c.original])).toEqual([
      ['name', 'name'],
      ['note', 'note'],
    ]);
    expect(await readProcessed(r)).toEqual(expected);
  });

  it('UTF-16LE with a BOM', async () => {
    // Act
    const r = await run('ds/x.csv', Buffer.from(`\ufeff${text}`, 'utf16le'));

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-16le');
    expect(r.report.columns.map((c) => c.original)).toEqual(['name', 'note']);
    expect(await readProcessed(r)).toEqual(expected);
  });

  it('UTF-16BE with a BOM', async () => {
    // Prepare
    const bytes = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-16be');
    expect(r.report.columns.map((c) => c.original)).toEqual(['name', 'note']);
    expect(await readProcessed(r)).toEqual(expected);
  });

  it('Windows-1252 bytes (0xE9 é, 0x80 €) are decoded', async () => {
    // Prepare: latin1 maps U+0080 to the byte 0x80, which is € in Windows-1252.
    const bytes = Buffer.from(csv(['name,note', 'caf\u00e9,\u00805', 'na\u00efve,Stra\u00dfe']), 'latin1');
    expect(bytes.includes(0xe9) && bytes.includes(0x80)).toBe(true);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('windows-1252');
    expect(await readProcessed(r)).toEqual(expected);
  });

  it('Windows-1252 bytes only after the first 256 KB: detected late, every row kept', async () => {
    // Prepare: 300 KB of ASCII rows, then one row with 0xE9.
    const lines = ['id,name'];
    for (let i = 1; i <= 20_000; i++) lines.push(`${i},name number ${i}`);
    lines.push('20001,caf\u00e9');
    const bytes = Buffer.from(csv(lines), 'latin1');
    expect(bytes.length).toBeGreaterThan(256 * 1024);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('windows-1252');
    expect(r.report.rows).toMatchObject({ read: 20_001, rejected: 0, written: 20_001 });
    expect(await readProcessed(r, 'name', 'id DESC LIMIT 1')).toEqual([{ name: 'café' }]);
  });
});

describe('UTF-8 with a few invalid bytes', () => {
  const NAMES = ['José', 'Köln', 'Müller', 'Zoë', 'Ørsted', 'Łódź', 'Crème brûlée'];
  /** Byte parts of a CSV: text parts in UTF-8, Buffers as given (the invalid bytes). */
  function bytesOf(parts: (string | Buffer)[]): Buffer {
    return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  }
  /** Characters of the text parts that take more than one byte in UTF-8. */
  function multibyte(parts: (string | Buffer)[]): number {
    return parts.reduce((n, p) => n + (typeof p === 'string' ? [...p].filter((ch) => (ch.codePointAt(0) ?? 0) >= 0x80).length : 0), 0);
  }
  /** `id,name,city` rows with accented names, as the processed Parquet gives them back. */
  function rows(from: number, to: number): { id: string; name: string; city: string }[] {
    const out: { id: string; name: string; city: string }[] = [];
    for (let i = from; i <= to; i++) out.push({ id: String(i), name: `${NAMES[i % NAMES.length]} ${i}`, city: i % 2 ? 'Köln' : 'Zürich' });
    return out;
  }
  function lines(from: number, to: number): string {
    return csv(rows(from, to).map((r) => `${r.id},${r.name},${r.city}`));
  }
  function utf8Decision(sequences: number, first: number, bytes: string, valid: number): string {
    return `read as UTF-8: ${sequences} invalid UTF-8 byte sequence${sequences === 1 ? '' : 's'} (first at byte offset ${first}: ${bytes}) beside ${valid} valid multi-byte characters; each invalid sequence is kept as U+FFFD and its cell listed in the rejects`;
  }

  it('one invalid byte in the middle: the file stays UTF-8, one cell keeps U+FFFD and is listed with its byte offset', async () => {
    // Prepare: a Latin-1 é (0xE9) pasted into row 500 of 1,000.
    const head = ['id,name,city\n', lines(1, 499), '500,Ren'];
    const tail = [' X,Köln\n', lines(501, 1000)];
    const offset = bytesOf(head).length;
    const bytes = bytesOf([...head, Buffer.from([0xe9]), ...tail]);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(r.report.rows).toMatchObject({ read: 1000, rejected: 0, written: 1000 });
    expect(await readProcessed(r)).toEqual([...rows(1, 499), { id: '500', name: 'Ren\uFFFD X', city: 'Köln' }, ...rows(501, 1000)]);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 501, column: 'name', value: 'Ren\uFFFD X', reason: `invalid UTF-8 at byte offset ${offset} (0xE9), kept as U+FFFD` },
    ]);
    expect(r.report.rejectedCells).toBe(1);
    const valid = multibyte([...head, ...tail]);
    expect(r.report.invalidUtf8).toEqual({
      sequences: 1,
      validSequences: valid,
      firstOffset: offset,
      firstBytes: '0xE9',
      firstLine: 501,
      cells: 1,
      decision: utf8Decision(1, offset, '0xE9', valid),
    });
    expect(await readObject(r.deps.zones.raw, r.key)).toEqual(bytes);
  });

  it('one invalid byte in the last rows, far past the first 256 KB: only that cell changes', async () => {
    // Prepare: 20,000 rows (over 256 KB), a truncated ö (0xC3 without its second byte) in row 19,900.
    const head = ['id,name,city\n', lines(1, 19_899), '19900,Sch'];
    const tail = ['n,Zürich\n', lines(19_901, 20_000)];
    const offset = bytesOf(head).length;
    const bytes = bytesOf([...head, Buffer.from([0xc3]), ...tail]);
    expect(offset).toBeGreaterThan(256 * 1024);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(r.report.rows).toMatchObject({ read: 20_000, rejected: 0, written: 20_000 });
    expect(await readProcessed(r, '*', 'CAST(id AS BIGINT)')).toEqual([
      ...rows(1, 19_899),
      { id: '19900', name: 'Sch\uFFFDn', city: 'Zürich' },
      ...rows(19_901, 20_000),
    ]);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 19_901, column: 'name', value: 'Sch\uFFFDn', reason: `invalid UTF-8 at byte offset ${offset} (0xC3), kept as U+FFFD` },
    ]);
    expect(r.report.invalidUtf8).toMatchObject({ sequences: 1, firstOffset: offset, firstBytes: '0xC3', firstLine: 19_901, cells: 1 });
  });

  it('an invalid byte in a quoted multi-line field: the cell is listed at the line its record starts on', async () => {
    // Prepare: row 2 spans lines 3-4; row 3's note spans lines 5-6 and holds a Latin-1 ü (0xFC).
    const head = ['id,note,city\n', '1,plain,Köln\n', '2,"two\nlines",Zürich\n', '3,"first line\nM'];
    const tail = ['nchen, too",Münster\n', '4,last,Łódź\n'];
    const offset = bytesOf(head).length;
    const bytes = bytesOf([...head, Buffer.from([0xfc]), ...tail]);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(await readProcessed(r)).toEqual([
      { id: '1', note: 'plain', city: 'Köln' },
      { id: '2', note: 'two\nlines', city: 'Zürich' },
      { id: '3', note: 'first line\nM\uFFFDnchen, too', city: 'Münster' },
      { id: '4', note: 'last', city: 'Łódź' },
    ]);
    expect(await readRejects(r)).toEqual([
      {
        kind: 'cell',
        line: 5,
        column: 'note',
        value: 'first line\nM\uFFFDnchen, too',
        reason: `invalid UTF-8 at byte offset ${offset} (0xFC), kept as U+FFFD`,
      },
    ]);
    expect(r.report.invalidUtf8).toMatchObject({ sequences: 1, firstLine: 5, cells: 1 });
  });

  it('several invalid bytes in several rows and two in one cell: one entry per cell, every other value untouched', async () => {
    // Prepare: 0xFF in row 10's name; 0xE9 and 0xF6 in row 50's city; a lone continuation byte 0x80 in row 90's name.
    const p1 = ['id,name,city\n', lines(1, 9), '10,Bad'];
    const p2 = [' one,Köln\n', lines(11, 49), '50,Ana,K'];
    const p3 = ['ln-M'];
    const p4 = ['lheim\n', lines(51, 89), '90,'];
    const p5 = ['Zoe,Zürich\n', lines(91, 100)];
    const o1 = bytesOf(p1).length;
    const o2 = o1 + 1 + bytesOf(p2).length;
    const o3 = o2 + 1 + bytesOf(p3).length;
    const o4 = o3 + 1 + bytesOf(p4).length;
    const bytes = bytesOf([...p1, Buffer.from([0xff]), ...p2, Buffer.from([0xe9]), ...p3, Buffer.from([0xf6]), ...p4, Buffer.from([0x80]), ...p5]);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(r.report.rows).toMatchObject({ read: 100, rejected: 0, written: 100 });
    expect(await readProcessed(r)).toEqual([
      ...rows(1, 9),
      { id: '10', name: 'Bad\uFFFD one', city: 'Köln' },
      ...rows(11, 49),
      { id: '50', name: 'Ana', city: 'K\uFFFDln-M\uFFFDlheim' },
      ...rows(51, 89),
      { id: '90', name: '\uFFFDZoe', city: 'Zürich' },
      ...rows(91, 100),
    ]);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 11, column: 'name', value: 'Bad\uFFFD one', reason: `invalid UTF-8 at byte offset ${o1} (0xFF), kept as U+FFFD` },
      {
        kind: 'cell',
        line: 51,
        column: 'city',
        value: 'K\uFFFDln-M\uFFFDlheim',
        reason: `invalid UTF-8 at byte offsets ${o2}, ${o3} (first 0xE9), each kept as U+FFFD`,
      },
      { kind: 'cell', line: 91, column: 'name', value: '\uFFFDZoe', reason: `invalid UTF-8 at byte offset ${o4} (0x80), kept as U+FFFD` },
    ]);
    const valid = multibyte([...p1, ...p2, ...p3, ...p4, ...p5]);
    expect(r.report.invalidUtf8).toEqual({
      sequences: 4,
      validSequences: valid,
      firstOffset: o1,
      firstBytes: '0xFF',
      firstLine: 11,
      cells: 3,
      decision: utf8Decision(4, o1, '0xFF', valid),
    });
    expect(r.report.rejectedCells).toBe(3);
  });

  it('UTF-8 with a BOM and an invalid byte: the BOM is dropped, the offset counts the file from its first byte', async () => {
    // Prepare
    const head = ['\ufeffid,name\n', '1,Jürgen\n', '2,Ren'];
    const tail = [' Ö\n', '3,Åsa\n'];
    const offset = bytesOf(head).length;
    const bytes = bytesOf([...head, Buffer.from([0xe9]), ...tail]);

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8-bom');
    expect(r.report.columns.map((c) => c.original)).toEqual(['id', 'name']);
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'Jürgen' },
      { id: '2', name: 'Ren\uFFFD Ö' },
      { id: '3', name: 'Åsa' },
    ]);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 3, column: 'name', value: 'Ren\uFFFD Ö', reason: `invalid UTF-8 at byte offset ${offset} (0xE9), kept as U+FFFD` },
    ]);
    // The BOM is a valid multi-byte character of the text.
    expect(r.report.invalidUtf8).toMatchObject({ sequences: 1, validSequences: multibyte([...head, ...tail]), firstOffset: offset, cells: 1 });
  });

  it('an invalid byte in a number column: the value is NULL and both its rejected cells show its text', async () => {
    // Prepare: 100 rows of id,city,amount; row 50's amount is `12` 0xB0 `5` (a Latin-1 degree sign).
    const good = (from: number, to: number) => csv(rows(from, to).map((x) => `${x.id},${x.city},${Number(x.id) * 2}`));
    const head = ['id,city,amount\n', good(1, 49), '50,Köln,12'];
    const tail = ['5\n', good(51, 100)];
    const offset = bytesOf(head).length;

    // Act
    const r = await run('ds/x.csv', bytesOf([...head, Buffer.from([0xb0]), ...tail]));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'amount')).toMatchObject({ type: 'BIGINT', failed: 1 });
    expect(await readProcessed(r, 'id, amount', 'id::BIGINT LIMIT 3 OFFSET 48')).toEqual([
      { id: '49', amount: '98' },
      { id: '50', amount: null },
      { id: '51', amount: '102' },
    ]);
    const rejects = await readRejects(r);
    expect(rejects.sort((a, b) => a.reason.localeCompare(b.reason))).toEqual([
      { kind: 'cell', line: 51, column: 'amount', value: '12\uFFFD5', reason: `invalid UTF-8 at byte offset ${offset} (0xB0), kept as U+FFFD` },
      { kind: 'cell', line: 51, column: 'amount', value: '12\uFFFD5', reason: 'not a valid integer (BIGINT)' },
    ]);
    expect(r.report.rejectedCells).toBe(2);
  });

  it('a gzipped UTF-8 file with an invalid byte: the offset is in the decompressed text', async () => {
    // Prepare
    const head = ['id,name,city\n', lines(1, 20), '21,Ren'];
    const tail = [' X,Köln\n', lines(22, 30)];
    const offset = bytesOf(head).length;
    const text = bytesOf([...head, Buffer.from([0xe9]), ...tail]);

    // Act
    const r = await run('ds/x.csv.gz', gzipSync(text));

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(await readProcessed(r)).toEqual([...rows(1, 20), { id: '21', name: 'Ren\uFFFD X', city: 'Köln' }, ...rows(22, 30)]);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 22, column: 'name', value: 'Ren\uFFFD X', reason: `invalid UTF-8 at byte offset ${offset} (0xE9), kept as U+FFFD` },
    ]);
    expect(r.report.invalidUtf8?.decision).toBe(
      `read as UTF-8: 1 invalid UTF-8 byte sequence (first at byte offset ${offset} of the decompressed text: 0xE9) beside ${multibyte([...head, ...tail])} valid multi-byte characters; each invalid sequence is kept as U+FFFD and its cell listed in the rejects`,
    );
  });

  it('a real Windows-1252 file stays Windows-1252: é, ö, ü, €, curly quotes read right', async () => {
    // Prepare: 0x80 is € and 0x93/0x94 are curly quotes in Windows-1252 only.
    const text = ['id,name,note', ...rows(1, 200).map((x) => `${x.id},${x.name.replace(/[ŁłŚśźŹ]/g, 'z')},${x.city} \u20ac5 \u201cok\u201d`)];
    const win1252 = Buffer.from(
      csv(text)
        .replace(/\u20ac/g, '\u0080')
        .replace(/\u201c/g, '\u0093')
        .replace(/\u201d/g, '\u0094'),
      'latin1',
    );

    // Act
    const r = await run('ds/x.csv', win1252);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('windows-1252');
    expect(await readProcessed(r)).toEqual(
      rows(1, 200).map((x) => ({ id: x.id, name: x.name.replace(/[ŁłŚśźŹ]/g, 'z'), note: `${x.city} \u20ac5 \u201cok\u201d` })),
    );
    expect(r.report.invalidUtf8?.decision).toMatch(/^read as Windows-1252: \d+ invalid UTF-8 byte sequences .*; the non-ASCII bytes are mostly not UTF-8$/);
    expect(r.report.invalidUtf8).toMatchObject({ validSequences: 0, cells: 0 });
    expect(fs.existsSync(r.deps.zones.quarantine.uri(rejectsKeyFor(r.key)))).toBe(false);
  });

  it('a Latin-1 file with many accented bytes is read as a single-byte file, every value right', async () => {
    // Prepare
    const words = ['àéîõü', 'ÇÑß', 'Ærøskøbing', 'Ångström', 'façade', 'Göteborg', 'señor'];
    const text = ['id,word', ...words.map((w, i) => `${i + 1},${w}`)];

    // Act
    const r = await run('ds/x.csv', Buffer.from(csv(text), 'latin1'));

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('windows-1252');
    expect(await readProcessed(r)).toEqual(words.map((word, i) => ({ id: String(i + 1), word })));
    expect(r.report.invalidUtf8).toMatchObject({ sequences: [...words.join('')].filter((ch) => ch > '\u007f').length, validSequences: 0, cells: 0 });
  });

  it('a pure ASCII file is UTF-8 with nothing to report and every value as written', async () => {
    // Prepare
    const text = csv(['id,name', '1,Jose', '2,Koln', '3,"quoted, with comma"']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.encoding).toBe('utf-8');
    expect(r.report.invalidUtf8).toBeUndefined();
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'Jose' },
      { id: '2', name: 'Koln' },
      { id: '3', name: 'quoted, with comma' },
    ]);
    expect(fs.existsSync(r.deps.zones.quarantine.uri(rejectsKeyFor(r.key)))).toBe(false);
  });
});

describe('gzip', () => {
  it('reads a .csv.gz file', async () => {
    // Prepare
    const bytes = gzipSync(Buffer.from(csv(['id,name', '1,café', '2,bob']), 'utf8'));

    // Act
    const r = await run('ds/x.csv.gz', bytes);

    // Assess
    expectProcessed(r);
    expect(r.result.processedKey).toBe('ds/x.parquet');
    expect(r.report.compressed).toBe(true);
    expect(r.report.rows).toMatchObject({ read: 2, written: 2 });
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'café' },
      { id: '2', name: 'bob' },
    ]);
  });

  it('quarantines a gzip bomb (200 MB of CSV lines) and leaves the raw file untouched', QUICK, async () => {
    // Prepare
    const bytes = await gzipRepeated('a,b\n', 200 * 1024 * 1024);
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);

    // Act
    const r = await run('ds/bomb.csv.gz', bytes);

    // Assess
    await expectQuarantined(r, /gzip bomb/);
    expect(r.report.quarantine?.reason).toMatch(/decompresses/);
  });

  it('quarantines a file named .csv.gz that is not gzip', QUICK, async () => {
    // Act
    const r = await run('ds/x.csv.gz', csv(['id,name', '1,a', '2,b']));

    // Assess
    await expectQuarantined(r, /not a valid gzip file/);
  });
});

describe('unreadable files', () => {
  it('quarantines random bytes with NULs named .csv as not a text file', QUICK, async () => {
    // Prepare
    const bytes = randomBytes(4096);
    for (let i = 0; i < bytes.length; i += 97) bytes[i] = 0;

    // Act
    const r = await run('ds/x.csv', bytes);

    // Assess
    await expectQuarantined(r, /not a text file/);
  });

  it('quarantines a PNG named .csv as not a text file', QUICK, async () => {
    // Prepare: PNG signature, IHDR chunk of a 1x1 image, then noise.
    const bytes = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00]),
      randomBytes(512),
    ]);

    // Act
    const r = await run('ds/image.csv', bytes);

    // Assess
    await expectQuarantined(r, /not a text file/);
  });

  it('quarantines an empty file', QUICK, async () => {
    // Act
    const r = await run('ds/x.csv', Buffer.alloc(0));

    // Assess
    await expectQuarantined(r, /empty/);
  });

  it('quarantines a header with no data rows', QUICK, async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,name,amount']));

    // Assess
    await expectQuarantined(r, /no data rows/);
  });

  it('quarantines a file of whitespace only', QUICK, async () => {
    // Act
    const r = await run('ds/x.csv', '  \n\n \t \r\n   \n');

    // Assess
    await expectQuarantined(r, /empty/);
  });

  it('an unterminated quote rejects the rows after it (or quarantines the file) saying so, without hanging', QUICK, async () => {
    // Prepare
    const text = csv(['id,name', '1,ok', '2,"broken', '3,after', '4,more']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    if (r.result.outcome === 'quarantined') {
      await expectQuarantined(r, /unterminated/i);
    } else {
      expect(await readProcessed(r)).toEqual([{ id: '1', name: 'ok' }]);
      expect(r.report.rows.rejected).toBeGreaterThanOrEqual(1);
      const rejects = await readRejects(r);
      expect(rejects[0]).toMatchObject({ kind: 'row', line: 3 });
      expect(rejects[0]?.reason).toMatch(/unterminated/i);
    }
  });

  it('an unterminated quote near the start of a large file finishes quickly', QUICK, async () => {
    // Prepare
    const lines = ['id,name', '1,"never closed'];
    for (let i = 2; i <= 50_000; i++) lines.push(`${i},row ${i}`);

    // Act
    const r = await run('ds/x.csv', csv(lines));

    // Assess
    if (r.result.outcome === 'quarantined') {
      await expectQuarantined(r, /unterminated/i);
    } else {
      const rejects = await readRejects(r);
      expect(rejects.some((x) => /unterminated/i.test(x.reason))).toBe(true);
    }
  });
});

describe('ragged rows', () => {
  it('rejects rows with too many or too few fields, with line numbers and reasons, never padded or cut', async () => {
    // Prepare: the header is line 1.
    const text = csv(['id,name,amount', '1,a,10', '2,b,20,extra', '3,c', '4,d,40', '5,e,50,x,y', '6,f,60', '7']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 7, rejected: 4, written: 3 });
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'a', amount: '10' },
      { id: '4', name: 'd', amount: '40' },
      { id: '6', name: 'f', amount: '60' },
    ]);
    expect(r.report.outputs.rejects).toBe('ds/x.rejects.csv');
    const rejects = await readRejects(r);
    expect(rejects.map(({ kind, line, value }) => ({ kind, line, value }))).toEqual([
      { kind: 'row', line: 3, value: '2,b,20,extra' },
      { kind: 'row', line: 4, value: '3,c' },
      { kind: 'row', line: 6, value: '5,e,50,x,y' },
      { kind: 'row', line: 8, value: '7' },
    ]);
    expect(rejects.map((x) => x.reason)).toEqual([
      expect.stringMatching(/too many/i),
      expect.stringMatching(/missing|too few/i),
      expect.stringMatching(/too many/i),
      expect.stringMatching(/missing|too few/i),
    ]);
  });

  it('takes empty fields after the last column (a trailing delimiter) as no value, without shifting anything', async () => {
    // A deliberate choice: exports often end rows with a delimiter; the extra fields hold nothing, so nothing is lost.
    const text = csv(['id,name,amount', '1,a,10,', '2,b,20,,', '3,c,30']);

    const r = await run('ds/x.csv', text);

    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'a', amount: '10' },
      { id: '2', name: 'b', amount: '20' },
      { id: '3', name: 'c', amount: '30' },
    ]);
  });
});

describe('rejects file', () => {
  it('gives formula-looking text an apostrophe, so a spreadsheet opening it runs nothing', async () => {
    // Prepare: qty is a whole-number column; its bad cells and one bad row hold formula text.
    const good = Array.from({ length: 200 }, (_, i) => `${i + 1},${i + 1}`);
    const bad = [`201,=cmd|' /C calc'!A0`, '202,@SUM(A1:A2)', '203,+1+1', '204,-2-3', '=1+2,3,extra'];
    const text = csv(['id,qty', ...good, ...bad, '205,-7']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    const rejects = await readRejects(r);
    expect(rejects.map(({ kind, line, column, value }) => ({ kind, line, column, value }))).toEqual([
      { kind: 'cell', line: 202, column: 'qty', value: `'=cmd|' /C calc'!A0` },
      { kind: 'cell', line: 203, column: 'qty', value: "'@SUM(A1:A2)" },
      { kind: 'cell', line: 204, column: 'qty', value: "'+1+1" },
      { kind: 'cell', line: 205, column: 'qty', value: "'-2-3" },
      { kind: 'row', line: 206, column: null, value: "'=1+2,3,extra" },
    ]);
    // A real negative number stays a number in the processed file.
    expect(await readProcessed(r, 'qty', 'id DESC LIMIT 1')).toEqual([{ qty: '-7' }]);
  });
});

describe('size', () => {
  it('keeps a single 5 MB field whole', async () => {
    // Prepare
    const big = 'x'.repeat(5_000_000);
    const text = csv(['id,blob', `1,${big}`, '2,short']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 2, rejected: 0, written: 2 });
    expect(await readProcessed(r, "id, length(blob) AS n, blob = repeat('x', 5000000) AS same")).toEqual([
      { id: '1', n: '5000000', same: true },
      { id: '2', n: '5', same: false },
    ]);
  });

  // Width handling: every column named, typed and written. How long 2,000 columns take is a benchmark matter
  // (`npm run bench`, the wide file, which checks the same things of its output).
  it('processes 300 columns × 20 rows with every column named', async () => {
    // Prepare
    const width = 300;
    const header = Array.from({ length: width }, (_, j) => `Col ${j + 1}`).join(',');
    const lines = [header];
    for (let i = 1; i <= 20; i++) lines.push(Array.from({ length: width }, (_, j) => String(i * 10_000 + j)).join(','));

    // Act
    const r = await run('ds/wide.csv', csv(lines));

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 20, written: 20 });
    const names = Array.from({ length: width }, (_, j) => `col_${j + 1}`);
    expect(r.report.columns.map((c) => c.name)).toEqual(names);
    const columns = await processedColumns(r);
    expect(columns.map((c) => c.name)).toEqual(names);
    expect(new Set(columns.map((c) => c.type))).toEqual(new Set(['BIGINT']));
    expect(await readProcessed(r, 'col_1, col_300', 'col_1 DESC LIMIT 1')).toEqual([{ col_1: '200000', col_300: '200299' }]);
  });

  it('quarantines a file over defaults.maxFileBytes', QUICK, async () => {
    // Prepare
    const lines = ['id,name'];
    for (let i = 1; lines.join('\n').length < 5 * 1024; i++) lines.push(`${i},name ${i}`);

    // Act
    const r = await run('ds/x.csv', csv(lines), { defaults: { maxFileBytes: 1000 } });

    // Assess
    await expectQuarantined(r, /maxFileBytes/);
  });
});

describe('headers', () => {
  it('become unique snake_case identifiers; the originals are kept in the report', async () => {
    // Prepare
    const originals = ['Order ID', 'x', '', 'x', 'Café', 'select', '2024 total'];
    const text = csv([originals.join(','), 'A1,a,b,c,d,e,f', 'A2,g,h,i,j,k,l']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    const names = ['order_id', 'x', 'column_3', 'x_2', 'cafe', 'select', '2024_total'];
    expect(r.report.columns.map((c) => c.name)).toEqual(names);
    expect(r.report.columns.map((c) => c.original)).toEqual(originals);
    expect((await processedColumns(r)).map((c) => c.name)).toEqual(names);
    expect(await readProcessed(r, '"select", "2024_total", column_3, x_2', 'order_id')).toEqual([
      { select: 'e', '2024_total': 'f', column_3: 'b', x_2: 'c' },
      { select: 'k', '2024_total': 'l', column_3: 'h', x_2: 'i' },
    ]);
  });
});

describe('types from whole-column evidence', () => {
  it('a column of 1,000 integers ending in 12.5 is DECIMAL, not BIGINT', async () => {
    // Prepare
    const lines = ['id,v'];
    for (let i = 1; i <= 1000; i++) lines.push(`${i},${i * 7}`);
    lines.push('1001,12.5');

    // Act
    const r = await run('ds/x.csv', csv(lines));

    // Assess
    expectProcessed(r);
    const v = columnOf(r.report, 'v');
    // One decimal place is typed at the even step 2 (core/infer.ts decimalType).
    expect(v.type).toMatch(/^DECIMAL\(\d+,2\)$/);
    expect(v.failed).toBe(0);
    expect(r.report.rows.written).toBe(1001);
    expect(await readProcessed(r, 'CAST(v AS VARCHAR) AS v', 'id DESC LIMIT 2')).toEqual([{ v: '12.50' }, { v: '7000.00' }]);
  });

  it('zip codes with leading zeros stay text and keep the zero', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,zip', '1,02134', '2,10001', '3,00501']));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'zip').type).toBe('VARCHAR');
    expect(await readProcessed(r, 'zip')).toEqual([{ zip: '02134' }, { zip: '10001' }, { zip: '00501' }]);
  });

  it('20-digit integers stay exact as DECIMAL(38,0)', async () => {
    // Prepare
    const values = ['12345678901234567890', '98765432109876543211', '-10000000000000000001'];

    // Act
    const r = await run('ds/x.csv', csv(['id,big', ...values.map((v, i) => `${i + 1},${v}`)]));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'big').type).toBe('DECIMAL(38,0)');
    expect((await readProcessed(r, 'CAST(big AS VARCHAR) AS big')).map((x) => x.big)).toEqual(values);
  });

  it("'1.234,56' style values are read with a decimal comma", async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id;amount', '1;1.234,56', '2;2.000,00', '3;15,5', '4;-0,75']));

    // Assess
    expectProcessed(r);
    expect(r.report.dialect?.delimiter).toBe(';');
    expect(columnOf(r.report, 'amount').type).toMatch(/^DECIMAL\(\d+,2\)$/);
    expect((await readProcessed(r, 'CAST(amount AS DOUBLE) AS amount')).map((x) => x.amount)).toEqual([1234.56, 2000, 15.5, -0.75]);
  });

  it('currency symbols and codes, percentages and accounting negatives become numbers', async () => {
    // Prepare
    const text = csv(['id,price,rate', '1,"$1,234.50",12.5%', '2,€12,50%', '3,(12.50),(3%)', '4,USD 7.25,0.5%', '5,-£3.10,100%']);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'price').type).toMatch(/^DECIMAL\(\d+,2\)$/);
    expect(columnOf(r.report, 'rate').type).toMatch(/^DECIMAL\(\d+,4\)$/);
    expect(r.report.rejectedCells).toBe(0);
    expect(await readProcessed(r, 'CAST(price AS DOUBLE) AS price, CAST(rate AS DOUBLE) AS rate')).toEqual([
      { price: 1234.5, rate: 0.125 },
      { price: 12, rate: 0.5 },
      { price: -12.5, rate: -0.03 },
      { price: 7.25, rate: 0.005 },
      { price: -3.1, rate: 1 },
    ]);
  });

  it('yes/no values are BOOLEAN', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,paid', '1,yes', '2,no', '3,Yes', '4,NO']));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'paid').type).toBe('BOOLEAN');
    expect((await readProcessed(r, 'paid')).map((x) => x.paid)).toEqual([true, false, true, false]);
  });

  it('a column of only 0 and 1 is BIGINT by default', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,flag', '1,0', '2,1', '3,1', '4,0']));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'flag').type).toBe('BIGINT');
    expect((await readProcessed(r, 'flag')).map((x) => x.flag)).toEqual(['0', '1', '1', '0']);
  });

  it('a column of only 0 and 1 is BOOLEAN with zeroOneAsBoolean', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,flag', '1,0', '2,1', '3,1', '4,0']), { defaults: { zeroOneAsBoolean: true } });

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'flag').type).toBe('BOOLEAN');
    expect((await readProcessed(r, 'flag')).map((x) => x.flag)).toEqual([false, true, true, false]);
  });

  it('mixed ISO, 03/15/2024 and 5 Mar 2024 dates are one DATE column', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,day', '1,2024-03-15', '2,03/15/2024', '3,5 Mar 2024', '4,2023-12-31']));

    // Assess
    expectProcessed(r);
    const day = columnOf(r.report, 'day');
    expect(day.type).toBe('DATE');
    expect(day.failed).toBe(0);
    expect((await readProcessed(r, 'day')).map((x) => x.day)).toEqual(['2024-03-15', '2024-03-15', '2024-03-05', '2023-12-31']);
  });

  it('slashed dates with a day over 12 are read day-first', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,day', '1,25/03/2024', '2,03/04/2024', '3,15/12/2023']));

    // Assess
    expectProcessed(r);
    const day = columnOf(r.report, 'day');
    expect(day.type).toBe('DATE');
    expect(day.ambiguousDateOrder).toBeUndefined();
    expect((await readProcessed(r, 'day')).map((x) => x.day)).toEqual(['2024-03-25', '2024-04-03', '2023-12-15']);
  });

  it('a column that fits both day orders reports ambiguousDateOrder and reads month-first', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,day', '1,03/05/2024', '2,04/06/2024']));

    // Assess
    expectProcessed(r);
    const day = columnOf(r.report, 'day');
    expect(day.type).toBe('DATE');
    expect(day.ambiguousDateOrder).toBe(true);
    expect((await readProcessed(r, 'day')).map((x) => x.day)).toEqual(['2024-03-05', '2024-04-06']);
  });

  it('timestamps with offsets are normalised to UTC', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,at', '1,2024-03-05T10:00:00+02:00', '2,2024-03-05 23:30:00-05:00', '3,2024-03-05T08:00:00Z']));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'at').type).toBe('TIMESTAMP');
    expect((await readProcessed(r, '"at"')).map((x) => x.at)).toEqual(['2024-03-05 08:00:00', '2024-03-06 04:30:00', '2024-03-05 08:00:00']);
  });

  it('one junk value in 100 integers: BIGINT, the junk is NULL and listed as a rejected cell', async () => {
    // Prepare
    const lines = ['id,n'];
    for (let i = 1; i <= 100; i++) lines.push(`${i},${i === 50 ? 'n/a?' : i * 3}`);

    // Act
    const r = await run('ds/x.csv', csv(lines));

    // Assess
    expectProcessed(r);
    const n = columnOf(r.report, 'n');
    expect(n.type).toBe('BIGINT');
    expect(n.failed).toBe(1);
    expect(n.parsed).toBe(99);
    expect(r.report.rejectedCells).toBe(1);
    expect(r.report.rows).toMatchObject({ read: 100, rejected: 0, written: 100 });
    expect(await readProcessed(r, 'id, n', 'id LIMIT 3 OFFSET 48')).toEqual([
      { id: '49', n: '147' },
      { id: '50', n: null },
      { id: '51', n: '153' },
    ]);
    const rejects = await readRejects(r);
    expect(rejects).toHaveLength(1);
    // Line 51: the header is line 1.
    expect(rejects[0]).toMatchObject({ kind: 'cell', line: 51, column: 'n', value: 'n/a?' });
    expect(rejects[0]?.reason).toMatch(/not a valid integer/);
  });
});

describe('null tokens', () => {
  it('the default tokens become NULL after trimming', async () => {
    // Prepare
    const tokens = ['', 'NA', 'N/A', 'n/a', 'null', 'NULL', 'None', '-', 'NaN', '#N/A', ' NA '];
    const lines = ['id,label,amount', '0,real,5', ...tokens.map((t, i) => `${i + 1},${t},${t}`)];

    // Act
    const r = await run('ds/x.csv', csv(lines));

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'amount').type).toBe('BIGINT');
    expect(columnOf(r.report, 'label').nulls).toBe(tokens.length);
    expect(r.report.rejectedCells).toBe(0);
    const rows = await readProcessed(r, 'label, amount');
    expect(rows[0]).toEqual({ label: 'real', amount: '5' });
    expect(rows.slice(1)).toEqual(tokens.map(() => ({ label: null, amount: null })));
  });

  it('defaults.nullTokens replaces the default list', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,label', '1,NA', '2,MISSING', '3,ok']), { defaults: { nullTokens: ['MISSING'] } });

    // Assess
    expectProcessed(r);
    expect((await readProcessed(r, 'label')).map((x) => x.label)).toEqual(['NA', null, 'ok']);
  });

  it('a column can have its own null tokens', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,c,d', '1,x,x', '2,NA,NA', '3,ok,ok']), {
      datasets: { ds: { columns: { c: { nullTokens: ['x'] } } } },
    });

    // Assess
    expectProcessed(r);
    expect(await readProcessed(r, 'c, d')).toEqual([
      { c: null, d: 'x' },
      { c: 'NA', d: null },
      { c: 'ok', d: 'ok' },
    ]);
  });
});

describe('duplicates', () => {
  const text = csv(['id,v', '1,a', '1,a', '2,b', ' 1 , a ', '2,c']);

  it('exact duplicate rows (after trimming and typing) are dropped, the first kept', async () => {
    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 5, duplicates: 2, written: 3 });
    expect(await readProcessed(r)).toEqual([
      { id: '1', v: 'a' },
      { id: '2', v: 'b' },
      { id: '2', v: 'c' },
    ]);
  });

  it("dedupe: 'none' keeps them", async () => {
    // Act
    const r = await run('ds/x.csv', text, { defaults: { dedupe: 'none' } });

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 5, duplicates: 0, written: 5 });
    expect((await readProcessed(r, 'v')).map((x) => x.v)).toEqual(['a', 'a', 'b', 'a', 'c']);
  });
});

describe('missing values', () => {
  // v: 10, NULL, 10, NULL, 40 → mean 20, median 10, mode 10.
  const text = csv(['id,v', '1,10', '2,', '3,10', '4,NA', '5,40']);

  it.each([
    ['drop', 'drop', ['1', '3', '5'], ['10', '10', '40']],
    ['constant 0', { constant: 0 }, ['1', '2', '3', '4', '5'], ['10', '0', '10', '0', '40']],
    ['mean', 'mean', ['1', '2', '3', '4', '5'], ['10', '20', '10', '20', '40']],
    ['median', 'median', ['1', '2', '3', '4', '5'], ['10', '10', '10', '10', '40']],
    ['mode', 'mode', ['1', '2', '3', '4', '5'], ['10', '10', '10', '10', '40']],
    ['ffill', 'ffill', ['1', '2', '3', '4', '5'], ['10', '10', '10', '10', '40']],
  ] as const)('%s', async (name, missing, ids, values) => {
    // Act
    const r = await run('ds/x.csv', text, { datasets: { ds: { columns: { v: { missing } } } } });

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'v').type).toBe('BIGINT');
    expect(columnOf(r.report, 'v').fill).toBe(name);
    expect(r.report.rows).toMatchObject({ read: 5, dropped: name === 'drop' ? 2 : 0, written: ids.length });
    const rows = await readProcessed(r, 'id, v');
    expect(rows.map((x) => x.id)).toEqual(ids);
    expect(rows.map((x) => x.v)).toEqual(values);
  });

  it('ffill leaves a leading NULL and fills from the previous row in file order', async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,v', '1,', '2,5', '3,', '4,', '5,7', '6,']), { datasets: { ds: { columns: { v: { missing: 'ffill' } } } } });

    // Assess
    expectProcessed(r);
    expect((await readProcessed(r, 'v')).map((x) => x.v)).toEqual([null, '5', '5', '5', '7', '7']);
  });
});

describe('column overrides', () => {
  it("type: 'string' keeps codes and numeric-looking text as written", async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,code,ref', '1,00123,1.50', '2,00456,2.0', '3,789,100']), {
      datasets: { ds: { columns: { code: { type: 'string' }, ref: { type: 'string' } } } },
    });

    // Assess
    expectProcessed(r);
    for (const name of ['code', 'ref']) {
      expect(columnOf(r.report, name)).toMatchObject({ type: 'VARCHAR', override: true, failed: 0 });
    }
    expect(await readProcessed(r, 'code, ref')).toEqual([
      { code: '00123', ref: '1.50' },
      { code: '00456', ref: '2.0' },
      { code: '789', ref: '100' },
    ]);
  });

  it("type: 'date' with format '%d.%m.%Y' reads the dates by that format", async () => {
    // Act
    const r = await run('ds/x.csv', csv(['id,shipped', '1,05.03.2024', '2,31.12.2023', '3,01.02.2024']), {
      datasets: { ds: { columns: { shipped: { type: 'date', format: '%d.%m.%Y' } } } },
    });

    // Assess
    expectProcessed(r);
    expect(columnOf(r.report, 'shipped')).toMatchObject({ type: 'DATE', override: true, failed: 0 });
    expect(r.report.rejectedCells).toBe(0);
    expect((await readProcessed(r, 'shipped')).map((x) => x.shipped)).toEqual(['2024-03-05', '2023-12-31', '2024-02-01']);
  });
});

describe('types decided on a sample and checked against every value', () => {
  const SAMPLE = { defaults: { typeSampleRows: 10 } };
  const WHOLE = { defaults: { typeSampleRows: 1_000_000 } };
  /** `id,v` rows: `first` for rows 1..n, then `later` after the sample. */
  const file = (first: (i: number) => string, n: number, later: string[]) =>
    csv(['id,v', ...Array.from({ length: n }, (_, i) => `${i + 1},${first(i + 1)}`), ...later.map((v, i) => `${n + i + 1},${v}`)]);
  const withoutSampleNote = (c: ColumnReport) => ({ ...c, reason: c.reason.replace(/ \(decided on the first \d+ rows\)$/, '') });

  /** Preprocess `text` deciding types on 10 rows and on every row: the two must agree on everything they write. */
  async function bothWays(text: string, config: { defaults?: Record<string, unknown> } = {}) {
    const sampled = await run('ds/x.csv', text, { ...config, defaults: { ...config.defaults, ...SAMPLE.defaults } });
    const whole = await run('ds/x.csv', text, { ...config, defaults: { ...config.defaults, ...WHOLE.defaults } });
    expectProcessed(sampled);
    expectProcessed(whole);
    // At least typeSampleRows, and at least 6% of the rows the file is estimated to hold.
    expect(sampled.report.typeSample?.rows).toBeGreaterThanOrEqual(10);
    expect(sampled.report.typeSample?.rows).toBeLessThan(sampled.report.rows.read);
    expect(whole.report.typeSample).toBeUndefined();
    expect(sampled.report.columns.map(withoutSampleNote)).toEqual(whole.report.columns);
    expect(sampled.report.rows).toEqual(whole.report.rows);
    expect(await readProcessed(sampled)).toEqual(await readProcessed(whole));
    return { sampled, whole, v: sampled.report.columns.find((c) => c.name === 'v') };
  }

  it('a clean file keeps the sample decisions: whole numbers, dates, words and text', async () => {
    // Act
    const text = csv([
      'id,day,flag,name',
      ...Array.from({ length: 60 }, (_, i) => `${i + 1},2024-03-${String((i % 28) + 1).padStart(2, '0')},${i % 2 ? 'yes' : 'no'},name ${i}`),
    ]);
    const { sampled } = await bothWays(text);

    // Assess
    expect(sampled.report.typeSample).toEqual({ rows: 10, held: true });
    expect(sampled.report.columns.map((c) => c.type)).toEqual(['BIGINT', 'DATE', 'BOOLEAN', 'VARCHAR']);
    expect(columnOf(sampled.report, 'name').reason).toBe('free text (decided on the first 10 rows)');
  });

  const cases: [string, string, string, (v: ColumnReport) => void][] = [
    ['a word after the sample in a column of whole numbers', file(String, 57, ['abc', 'def', 'ghi']), 'BIGINT', (v) => expect(v.failed).toBe(3)],
    ['a decimal after the sample', file(String, 40, ['2.5']), 'DECIMAL(18,2)', (v) => expect(v.failed).toBe(0)],
    ['a leading zero after the sample', file((i) => String(i + 10), 40, ['007']), 'VARCHAR', () => {}],
    ['a percentage after the sample', file(String, 40, ['12%']), 'DECIMAL(18,4)', () => {}],
    ['scientific notation after the sample', file(String, 40, ['1e3']), 'DOUBLE', () => {}],
    ['more decimal places after the sample', file((i) => `${i}.5`, 40, ['2.125']), 'DECIMAL(18,4)', () => {}],
    ['a number wider than BIGINT after the sample', file(String, 40, ['12345678901234567890']), 'DECIMAL(38,0)', () => {}],
    ['a decimal comma after the sample', file(String, 40, ['"2,5"']), 'DECIMAL(18,2)', () => {}],
    [
      'an empty sample, then numbers',
      file(
        () => '',
        20,
        Array.from({ length: 20 }, (_, i) => String(i)),
      ),
      'BIGINT',
      (v) => expect(v.values).toBe(20),
    ],
    [
      'text in the sample, numbers in 97% of the file',
      file(
        () => 'pending',
        10,
        Array.from({ length: 320 }, (_, i) => String(i)),
      ),
      'BIGINT',
      (v) => expect(v.failed).toBe(10),
    ],
    ['ambiguous dates, then a day-first one', file((i) => `0${(i % 9) + 1}/0${(i % 3) + 1}/2024`, 30, ['25/12/2024']), 'DATE', () => {}],
    [
      'dates, then times of day in 10% of the file',
      file(() => '2024-01-02', 36, ['2024-01-02 10:00', '2024-01-03 11:00', '2024-01-04 12:00', '2024-01-05 13:00']),
      'TIMESTAMP',
      () => {},
    ],
  ];
  it.each(cases)('%s: typed as if decided on every value', async (_name, text, type, more) => {
    // Act
    const { sampled, v } = await bothWays(text);

    // Assess
    expect(v?.type).toBe(type);
    expect(sampled.report.typeSample?.held).toBe(false);
    more(v as ColumnReport);
  });

  it('0/1 with zeroOneAsBoolean, then a word after the sample, is typed as if decided on every value', async () => {
    // Act
    const { sampled, v } = await bothWays(
      file((i) => String(i % 2), 40, ['yes']),
      { defaults: { zeroOneAsBoolean: true } },
    );

    // Assess: the word beside the 0/1 makes them one flag written two ways (before, the word was a failed number).
    expect(sampled.report.typeSample?.held).toBe(false);
    expect(v?.type).toBe('BOOLEAN');
    expect(v).toMatchObject({ parsed: 41, failed: 0 });
  });

  it('a rejects file lists the cells that failed after the sample, at their lines', async () => {
    // Act
    const { sampled } = await bothWays(file(String, 57, ['abc', 'def', 'ghi']));

    // Assess
    expect((await readRejects(sampled)).map((x) => [x.kind, x.line, x.column, x.value])).toEqual([
      ['cell', 59, 'v', 'abc'],
      ['cell', 60, 'v', 'def'],
      ['cell', 61, 'v', 'ghi'],
    ]);
  });

  it('a record too long for the first read is typed with the rest: its value counts like any other', async () => {
    // Prepare: 30 whole numbers and, in a 1.5 MB record the first read skips, a decimal.
    const text = csv(['id,v,note', ...Array.from({ length: 30 }, (_, i) => `${i + 1},${i},short`), `31,2.5,${'x'.repeat(1_500_000)}`]);

    // Act
    const r = await run('ds/x.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.rows).toMatchObject({ read: 31, rejected: 0, written: 31 });
    expect(columnOf(r.report, 'v')).toMatchObject({ type: 'DECIMAL(18,2)', failed: 0 });
    expect(r.report.typeSample?.held).toBe(false);
    expect((await readProcessed(r, 'v', 'id DESC LIMIT 1'))[0]?.v).toBe('2.50');
  });

  it('leaves no work table or view behind, whichever way the file was typed', async () => {
    // Act: one file retyped from all values, with rejected rows, rejected cells and a broken rule.
    const text = file(String, 57, ['abc', '1,2,3,4', '-5']);
    const sampled = await run('ds/x.csv', text, { defaults: { typeSampleRows: 10 }, datasets: { ds: { rules: [{ column: 'v', min: 0 }] } } });
    await run('ds/x.csv', text);

    // Assess
    expect(sampled.report.typeSample?.held).toBe(false);
    expect(sampled.report.rows).toMatchObject({ rejected: 1, invalid: 1 });
    expect(sampled.report.rejectedCells).toBe(1);
    const left = await query(
      `SELECT table_name AS name FROM duckdb_tables() WHERE table_name LIKE 'sluice%' UNION ALL SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'sluice%'`,
    );
    expect(left).toEqual([]);
  });

  it('refuses a column format DuckDB cannot read with the YAML key, without touching the file', async () => {
    // Act
    const deps = newDeps({ datasets: { ds: { columns: { day: { type: 'date', format: '%Q-%m' } } } } });
    await deps.zones.raw.put('ds/x.csv', Buffer.from(csv(['id,day', '1,2024-01'])));
    const failure = await preprocess({ rawKey: 'ds/x.csv', sha256: 'test' }, deps).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^sluice\.yaml: datasets\.ds\.columns\.day\.format: .*%Q.*use strptime specifiers/);
    const quarantined: string[] = [];
    for await (const o of deps.zones.quarantine.list('')) quarantined.push(o.key);
    expect(quarantined).toEqual([]);
  });
});

describe('files as scientific and public-data packages ship them', () => {
  it('a World Bank wide table: title lines skipped, the years are column names, the populations numbers', async () => {
    // Prepare: the layout of the World Bank's API_*.csv downloads (a trailing comma on every line).
    const text = csv([
      '"Data Source","World Development Indicators",',
      '',
      '"Last Updated Date","2024-06-28",',
      '',
      '"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","1962","1963",',
      '"Aruba","ABW","Population, total","SP.POP.TOTL","54608","55811","56682","57475",',
      '"Africa Eastern and Southern","AFE","Population, total","SP.POP.TOTL","130692579","134169237","137835590","141630546",',
      '"Afghanistan","AFG","Population, total","SP.POP.TOTL","8622466","8790140","","9157465",',
    ]);

    // Act
    const r = await run('ds/wb.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: ',', header: true, skipLines: 4 });
    expect(r.report.dialect?.headerReason).toMatch(/1960 … 1963/);
    expect(r.report.columns.map((c) => c.original)).toEqual([
      'Country Name',
      'Country Code',
      'Indicator Name',
      'Indicator Code',
      '1960',
      '1961',
      '1962',
      '1963',
      '',
    ]);
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect(await processedColumns(r)).toEqual([
      { name: 'country_name', type: 'VARCHAR' },
      { name: 'country_code', type: 'VARCHAR' },
      { name: 'indicator_name', type: 'VARCHAR' },
      { name: 'indicator_code', type: 'VARCHAR' },
      { name: '1960', type: 'BIGINT' },
      { name: '1961', type: 'BIGINT' },
      { name: '1962', type: 'BIGINT' },
      { name: '1963', type: 'BIGINT' },
      { name: 'column_9', type: 'VARCHAR' },
    ]);
    expect(await readProcessed(r, 'country_code, CAST("1960" AS VARCHAR) AS y1960, CAST("1962" AS VARCHAR) AS y1962')).toEqual([
      { country_code: 'ABW', y1960: '54608', y1962: '56682' },
      { country_code: 'AFE', y1960: '130692579', y1962: '137835590' },
      { country_code: 'AFG', y1960: '8622466', y1962: null },
    ]);
  });

  it.each([
    ['padded to the width', '506,13,,,,'],
    ['not padded', '506,13'],
  ])('the Boston housing CSV: a line of counts %s above the header is skipped and reported, the rest typed', async (_what, counts) => {
    // Prepare: the first lines of scikit-learn's boston_house_prices.csv, cut to six columns.
    const text = csv([counts, 'CRIM,ZN,INDUS,CHAS,NOX,MEDV', '0.00632,18,2.31,0,0.538,24', '0.02731,0,7.07,0,0.469,21.6', '0.02729,0,7.07,0,0.469,34.7']);

    // Act
    const r = await run('ds/boston.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: ',', header: true, skipLines: 1 });
    expect(r.report.dialect?.skipReason).toMatch(/counts.* \(506, 13\): metadata, not data/);
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    const columns = await processedColumns(r);
    expect(columns.map((c) => c.name)).toEqual(['crim', 'zn', 'indus', 'chas', 'nox', 'medv']);
    expect(columns.find((c) => c.name === 'zn')?.type).toBe('BIGINT');
    expect(columns.find((c) => c.name === 'crim')?.type).toMatch(/^(DOUBLE|DECIMAL)/);
    expect(await readProcessed(r, 'CAST(crim AS DOUBLE) AS crim, CAST(medv AS DOUBLE) AS medv')).toEqual([
      { crim: 0.00632, medv: 24 },
      { crim: 0.02731, medv: 21.6 },
      { crim: 0.02729, medv: 34.7 },
    ]);
  });

  it("scikit-learn's iris.csv: the size line above headerless rows is skipped, the rows are data", async () => {
    // Prepare: its layout, with 6 rows (the size line says so).
    const text = csv([
      '6,4,setosa,versicolor,virginica',
      '5.1,3.5,1.4,0.2,0',
      '4.9,3.0,1.4,0.2,0',
      '7.0,3.2,4.7,1.4,1',
      '6.4,3.2,4.5,1.5,1',
      '6.3,3.3,6.0,2.5,2',
      '5.8,2.7,5.1,1.9,2',
    ]);

    // Act
    const r = await run('ds/iris.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ header: false, skipLines: 1 });
    expect(r.report.dialect?.skipReason).toBe("skipped a line giving the table's size (6 rows, 4 columns): metadata, not data");
    expect(r.report.rows).toMatchObject({ read: 6, rejected: 0, written: 6 });
    const columns = await processedColumns(r);
    expect(columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3', 'column_4', 'column_5']);
    expect(columns[0]?.type).toMatch(/^(DOUBLE|DECIMAL)/);
    expect(columns[4]?.type).toBe('BIGINT');
    expect(r.report.rejectedCells).toBe(0);
  });

  it.each([
    ['#id,name,value', ','],
    ['# id\tname\tvalue', '\t'],
  ])('a header line "%s" names the columns without its "#"', async (header, d) => {
    // Prepare
    const text = csv([header, ['1', 'alpha', '3.5'].join(d), ['2', 'beta', '4'].join(d)]);

    // Act
    const r = await run('ds/hash.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: d, header: true, hashHeader: true, skipLines: 0 });
    expect(r.report.columns.map((c) => c.original)).toEqual(['id', 'name', 'value']);
    expect(r.report.rows).toMatchObject({ read: 2, rejected: 0, written: 2 });
    expect(await readProcessed(r, 'id, name, CAST(value AS DOUBLE) AS value')).toEqual([
      { id: '1', name: 'alpha', value: 3.5 },
      { id: '2', name: 'beta', value: 4 },
    ]);
  });

  it('a "#" column of row numbers keeps its name', async () => {
    // Prepare
    const text = csv(['#,name,value', '1,alpha,3.5', '2,beta,4']);

    // Act
    const r = await run('ds/numbered.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ header: true, skipLines: 0 });
    expect(r.report.columns.map((c) => c.original)).toEqual(['#', 'name', 'value']);
    expect(r.report.rows).toMatchObject({ read: 2, rejected: 0, written: 2 });
  });

  it('"#" comment lines above a header stay comments', async () => {
    // Prepare
    const text = csv(['# exported by tool, v2', '# units: m, s', 'id,name', '1,a', '2,b']);

    // Act
    const r = await run('ds/comments.csv', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ header: true, skipLines: 2, skipReason: 'skipped 2 "#" comment lines' });
    expect(r.report.dialect?.hashHeader).toBeUndefined();
    expect(await readProcessed(r)).toEqual([
      { id: '1', name: 'a' },
      { id: '2', name: 'b' },
    ]);
  });

  it('aligned columns whose values hold spaces are split at their positions and typed', async () => {
    // Prepare
    const text = csv(['id   city          value', '1    New York      3.5', '2    Boston        4', '3    Los Angeles   12.25']);

    // Act
    const r = await run('ds/aligned.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: 'whitespace', header: true, whitespace: { kind: 'aligned', columns: 3 } });
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect((await processedColumns(r)).map((c) => c.name)).toEqual(['id', 'city', 'value']);
    expect(columnOf(r.report, 'id').type).toBe('BIGINT');
    expect(await readProcessed(r, 'id, city, CAST(value AS DOUBLE) AS value')).toEqual([
      { id: '1', city: 'New York', value: 3.5 },
      { id: '2', city: 'Boston', value: 4 },
      { id: '3', city: 'Los Angeles', value: 12.25 },
    ]);
  });

  it('an 800 KB aligned CRLF file is rewritten across chunks: every row kept, one overflowing its gutter past the sample rejected at its line', async () => {
    // Prepare: 30,000 rows; row 25,000 (line 25,001) has a city too long for its column.
    const cities = ['New York', 'Boston', 'Los Angeles', 'San Jose'];
    const row = (i: number) => `${String(i).padEnd(7)}${(i === 25_000 ? 'Santa Clara County X' : (cities[i % 4] as string)).padEnd(14)}${(i % 100) / 4}`;
    const text = csv(['id     city          value', ...Array.from({ length: 30_000 }, (_, i) => row(i + 1))], '\r\n');

    // Act
    const r = await run('ds/big-aligned.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: 'whitespace', header: true, whitespace: { kind: 'aligned', columns: 3, starts: [0, 7, 21] } });
    expect(r.report.rows).toMatchObject({ read: 30_000, rejected: 1, written: 29_999 });
    const rejects = await readRejects(r);
    expect(rejects.map((x) => [x.kind, x.line])).toEqual([['row', 25_001]]);
    expect(await readProcessed(r, 'count(*) AS n, count(DISTINCT city) AS cities, sum(CAST(value AS DOUBLE)) AS total')).toEqual([
      {
        n: '29999',
        cities: '4',
        total: Array.from({ length: 30_000 }, (_, i) => i + 1)
          .filter((i) => i !== 25_000)
          .reduce((t, i) => t + (i % 100) / 4, 0),
      },
    ]);
  });

  it.each([
    ['runs of spaces', 'id  name   city', ['1  Zoë    Köln', '2  Ren'], [' Zürich', '3  José   Köln']],
    ['aligned columns', 'id  name     city', ['1   Zoë      Köln', '2   Ren'], ['     Zürich', '3   Ana Lu   Köln']],
  ])('an invalid UTF-8 byte in a file of %s is listed at its cell, by its offset in the raw file', async (_what, header, before, after) => {
    // Prepare: a Latin-1 é (0xE9) in the name of row 2, after multi-byte characters in row 1.
    const head = Buffer.from(`${header}\n${before.join('\n')}`, 'utf8');
    const bytes = Buffer.concat([head, Buffer.from([0xe9]), Buffer.from(`${after.join('\n')}\n`, 'utf8')]);

    // Act
    const r = await run('ds/latin.txt', bytes);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect?.delimiter).toBe('whitespace');
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect((await readProcessed(r, 'name, city')).map((x) => x.name)).toEqual(['Zoë', 'Ren\uFFFD', header.includes('name     ') ? 'Ana Lu' : 'José']);
    expect(await readRejects(r)).toEqual([
      { kind: 'cell', line: 3, column: 'name', value: 'Ren\uFFFD', reason: `invalid UTF-8 at byte offset ${head.length} (0xE9), kept as U+FFFD` },
    ]);
    expect(r.report.invalidUtf8).toMatchObject({ sequences: 1, firstOffset: head.length, firstLine: 3, cells: 1 });
  });

  it("a headerless matrix in scientific notation (scipy's iris.txt) is split on its spaces into numbers", async () => {
    // Prepare
    const text = csv([
      '5.099999999999999645e+00 3.500000000000000000e+00 1.399999999999999911e+00 2.000000000000000111e-01',
      '4.900000000000000355e+00 3.000000000000000000e+00 1.399999999999999911e+00 2.000000000000000111e-01',
      '4.700000000000000178e+00 3.200000000000000178e+00 1.300000000000000044e+00 2.000000000000000111e-01',
    ]);

    // Act
    const r = await run('ds/iris.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: 'whitespace', header: false, whitespace: { kind: 'runs', columns: 4 } });
    expect(r.report.rows).toMatchObject({ read: 3, rejected: 0, written: 3 });
    expect(r.report.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3', 'column_4']);
    expect(r.report.columns.every((c) => /^(DOUBLE|DECIMAL)/.test(c.type))).toBe(true);
    expect(await readProcessed(r, 'CAST(column_1 AS DOUBLE) AS a, CAST(column_4 AS DOUBLE) AS d')).toEqual([
      { a: 5.1, d: 0.2 },
      { a: 4.9, d: 0.2 },
      { a: 4.7, d: 0.2 },
    ]);
  });

  it('single-space separated CRLF text, gzipped, is split on the spaces', async () => {
    // Prepare
    const text = csv(['station temp_c date', 'A 12.5 2024-03-01', 'B -3 2024-03-02', 'C 7.25 2024-03-03'], '\r\n');

    // Act
    const r = await run('ds/obs.txt.gz', gzipSync(Buffer.from(text, 'utf8')));

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: 'whitespace', header: true, whitespace: { kind: 'runs', columns: 3 } });
    expect(r.report.columns.map((c) => [c.name, c.type])).toEqual([
      ['station', 'VARCHAR'],
      ['temp_c', expect.stringMatching(/^(DOUBLE|DECIMAL)/)],
      ['date', 'DATE'],
    ]);
    expect(await readProcessed(r, 'station, CAST(temp_c AS DOUBLE) AS temp_c, CAST(date AS VARCHAR) AS date')).toEqual([
      { station: 'A', temp_c: 12.5, date: '2024-03-01' },
      { station: 'B', temp_c: -3, date: '2024-03-02' },
      { station: 'C', temp_c: 7.25, date: '2024-03-03' },
    ]);
  });

  it('a row of a whitespace file that does not split like the others is rejected at its line, the rest kept', async () => {
    // Prepare: runs of spaces decided on the sample; line 4 has one field too many.
    const rows = Array.from({ length: 20 }, (_, i) => `${i + 1}  x${i}  ${i}.5`);
    const text = csv(['id  name  value', ...rows.slice(0, 2), '3  two words  3.5', ...rows.slice(3)]);

    // Act
    const r = await run('ds/ragged.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect).toMatchObject({ delimiter: 'whitespace', whitespace: { kind: 'runs', columns: 3 } });
    expect(r.report.rows).toMatchObject({ read: 20, rejected: 1, written: 19 });
    const rejects = await readRejects(r);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ kind: 'row', line: 4 });
  });

  it('lines that no delimiter or whitespace splits the same way are one column, and the report says why', async () => {
    // Prepare
    const text = csv(['full name', 'Ann Lee', 'Bob Ray Jr', 'Cy Young']);

    // Act
    const r = await run('ds/names.txt', text);

    // Assess
    expectProcessed(r);
    expect(r.report.dialect?.whitespace).toBeUndefined();
    expect(r.report.dialect?.warning).toMatch(/^read as one column: /);
    expect(await readProcessed(r)).toEqual([{ full_name: 'Ann Lee' }, { full_name: 'Bob Ray Jr' }, { full_name: 'Cy Young' }]);
  });
});
