/**
 * Property-based fuzzing of the preprocess stage with fast-check: random
 * dialects, quoting (embedded delimiters, quotes and newlines; broken quotes),
 * encodings (UTF-8 with and without BOM, UTF-16LE with BOM, Windows-1252),
 * ragged rows, binary noise, empty and header-only files. Every input must end
 * processed (its bad rows rejected with reasons) or quarantined with a reason,
 * never throw, never hang, and leave the raw bytes as they were. Runs in
 * process on one DuckDB engine; SLUICE_FUZZ_SEED replays a failure (fast-check
 * prints the seed and the shrunk input); SLUICE_FUZZ_RUNS sets how many.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processedKeyFor, quarantinedFileKeyFor, rejectsKeyFor } from '../../src/core/keys.js';
import { Engine } from '../../src/engine/duckdb.js';
import { quoteString } from '../../src/engine/sql.js';
import type { Logger, StageDeps } from '../../src/stages/deps.js';
import { preprocess } from '../../src/stages/preprocess/handler.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { plainStageDeps } from '../helpers/factories.js';

const _SILENT: Logger = { info() {}, warn() {}, error() {} };
/** A case taking longer than this counts as a hang. */
const CASE_MS = 20_000;
const RUNS = Number(process.env.SLUICE_FUZZ_RUNS ?? 150);
const seed = process.env.SLUICE_FUZZ_SEED ? Number(process.env.SLUICE_FUZZ_SEED) : undefined;

let engine: Engine;
let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fuzz-'));
  engine = await Engine.open({ tempDir: path.join(root, 'spill') });
});

afterAll(() => {
  engine?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

type Encoding = 'utf8' | 'utf8-bom' | 'utf16le-bom' | 'windows-1252';

interface FuzzInput {
  name: string;
  delimiter: string;
  eol: string;
  encoding: Encoding;
  header: string[] | undefined;
  rows: string[][];
  /** Quote every field, not only those that need it. */
  quoteAll: boolean;
  /** Drop the closing quote of one field (index into the fields, counted across rows). */
  brokenQuoteAt: number | undefined;
  noise: { at: number; bytes: Uint8Array } | undefined;
}

const field = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => d.toFixed(2)),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('', 'NA', 'null', '-', 'yes', 'no', 'TRUE', '€12,50', '(3.00)', '007', 'café', 'naïve "quoted"', 'a,b', 'x;y', 'tab\there', 'p|q'),
  fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '|', '\t', '"', '\n', '\r', 'é', '€', 'ß', '日', '0', '9', '.'), maxLength: 12 }),
);

const input: fc.Arbitrary<FuzzInput> = fc
  .record({
    name: fc.constantFrom('ds/f.csv', 'ds/f.tsv', 'ds/f.txt'),
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    eol: fc.constantFrom('\n', '\r\n'),
    encoding: fc.constantFrom<Encoding>('utf8', 'utf8-bom', 'utf16le-bom', 'windows-1252'),
    columns: fc.integer({ min: 1, max: 6 }),
    withHeader: fc.boolean(),
    rowCount: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 5 }),
    quoteAll: fc.boolean(),
    raggedShare: fc.constantFrom(0, 0, 0.1, 0.5),
    broken: fc.option(fc.nat(200), { freq: 4 }),
    noise: fc.option(fc.record({ at: fc.nat(2_000), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }), { freq: 4 }),
  })
  .chain((shape) =>
    fc
      .record({
        header: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _%?-]{0,10}$/), { minLength: shape.columns, maxLength: shape.columns }),
        rows: fc.array(
          fc
            .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: shape.columns + 3 }))
            .chain(([r, ragged]) =>
              fc.array(field, { minLength: r < shape.raggedShare ? ragged : shape.columns, maxLength: r < shape.raggedShare ? ragged : shape.columns }),
            ),
          { minLength: shape.rowCount, maxLength: shape.rowCount },
        ),
      })
      .map(({ header, rows }) => ({
        name: shape.name,
        delimiter: shape.delimiter,
        eol: shape.eol,
        encoding: shape.encoding,
        header: shape.withHeader ? header : undefined,
        rows,
        quoteAll: shape.quoteAll,
        brokenQuoteAt: shape.broken ?? undefined,
        noise: shape.noise ?? undefined,
      })),
  );

/** Windows-1252 for the characters the generator uses beyond Latin-1. */
const CP1252: Record<string, number> = { '€': 0x80 };

function encode(text: string, encoding: Encoding): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  if (encoding === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return Buffer.from([...text].map((ch) => CP1252[ch] ?? (ch.charCodeAt(0) <= 0xff ? ch.charCodeAt(0) : 0x3f)));
}

function render(inp: FuzzInput): Buffer {
  let index = 0;
  const cell = (v: string) => {
    const needs = v.includes(inp.delimiter) || /["\r\n]/.test(v);
    const quoted = needs || inp.quoteAll ? `"${v.replaceAll('"', '""')}"` : v;
    return index++ === inp.brokenQuoteAt ? `"${v}` : quoted;
  };
  const lines = [...(inp.header ? [inp.header] : []), ...inp.rows].map((fields) => fields.map(cell).join(inp.delimiter));
  const bytes = encode(lines.map((l) => l + inp.eol).join(''), inp.encoding);
  if (!inp.noise) return bytes;
  const at = Math.min(inp.noise.at, bytes.length);
  return Buffer.concat([bytes.subarray(0, at), inp.noise.bytes, bytes.subarray(at)]);
}

let cases = 0;
/** How the inputs ended, so the suite shows it reached both outcomes (and rejects). */
const outcomes = { processed: 0, partly: 0, quarantined: 0 };

function newDeps(): StageDeps {
  return plainStageDeps(engine, {}, path.join(root, `case-${cases++}`));
}

async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)) as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function withinCaseTime<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`preprocess did not finish within ${CASE_MS} ms`)), CASE_MS);
  });
  return Promise.race([work, hang]).finally(() => clearTimeout(timer));
}

/** One input through preprocess; throws (with what went wrong) unless it ended in one of the allowed states. */
async function checkOne(inp: FuzzInput): Promise<void> {
  const deps = newDeps();
  const bytes = render(inp);
  const key = inp.name;
  await deps.zones.raw.put(key, bytes);

  const result = await withinCaseTime(preprocess({ rawKey: key, sha256: sha256(bytes) }, deps));

  expect(sha256(await readObject(deps.zones.raw, key)), 'raw bytes unchanged').toBe(sha256(bytes));
  outcomes[result.outcome === 'quarantined' ? 'quarantined' : result.report.rows.rejected > 0 ? 'partly' : 'processed']++;
  if (result.outcome === 'quarantined') {
    const reason = result.report.quarantine?.reason ?? '';
    expect(reason.length, 'a quarantined file says why').toBeGreaterThan(0);
    const keys = quarantinedFileKeyFor(key);
    const error = JSON.parse((await readObject(deps.zones.quarantine, keys.reason)).toString('utf8')) as { reason?: string };
    expect(error.reason).toBe(reason);
    expect(sha256(await readObject(deps.zones.quarantine, keys.file))).toBe(sha256(bytes));
    expect(await deps.zones.processed.head(processedKeyFor(key))).toBeUndefined();
  } else {
    expect(result.processedKey).toBe(processedKeyFor(key));
    expect(await deps.zones.processed.head(processedKeyFor(key))).toBeDefined();
    const { rows } = result.report;
    expect(rows.written).toBeLessThanOrEqual(rows.read);
    if (rows.rejected > 0) {
      const file = deps.zones.quarantine.uri(rejectsKeyFor(key));
      const noReason = await engine.withConnection(async (c) =>
        (
          await c.runAndReadAll(
            `SELECT count(*) AS n FROM read_csv(${quoteString(file)}, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true) WHERE coalesce(reason, '') = ''`,
          )
        ).getRowObjectsJson(),
      );
      expect(noReason, 'every rejected row has a reason').toEqual([{ n: '0' }]);
    }
  }
}

describe('random CSV inputs', () => {
  it('each ends processed (bad rows rejected with reasons) or quarantined with a reason, quickly, with the raw bytes kept', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(input, async (inp) => {
        await checkOne(inp);
      }),
      { numRuns: RUNS, ...(seed !== undefined ? { seed } : {}), verbose: 1 },
    );
    console.log(`csv fuzz: ${RUNS} inputs: ${JSON.stringify(outcomes)}`);
    expect(
      Object.values(outcomes).every((n) => n > 0),
      JSON.stringify(outcomes),
    ).toBe(true);
  });

  it('the edge files: empty, header only, BOM only, one delimiter, binary noise only', { timeout: 60_000 }, async () => {
    const base: FuzzInput = {
      name: 'ds/f.csv',
      delimiter: ',',
      eol: '\n',
      encoding: 'utf8',
      header: undefined,
      rows: [],
      quoteAll: false,
      brokenQuoteAt: undefined,
      noise: undefined,
    };
    const edges: FuzzInput[] = [
      base,
      { ...base, header: ['a', 'b'] },
      { ...base, encoding: 'utf8-bom' },
      { ...base, encoding: 'utf16le-bom', header: ['a', 'b'] },
      { ...base, rows: [['', '']] },
      { ...base, noise: { at: 0, bytes: new Uint8Array([0, 1, 2, 0xff, 0xfe, 0, 0x22, 0x0a, 0x2c]) } },
    ];
    for (const edge of edges) await checkOne(edge);
    expect(cases).toBeGreaterThanOrEqual(edges.length);
  });
});
