/**
 * The preprocess stage on every input ending and compression, with real
 * parts: local zones in a fresh folder per test, a real DuckDB engine, and
 * compressed files made here by the system's gzip (Node's zlib), bzip2, xz,
 * zstd and zip commands. Each test puts one raw file in place, runs the
 * handler and reads back what it wrote: the Parquet, or the quarantined copy
 * and its reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import type { sluiceConfigSchema } from '../../src/config/schema.js';
import { processedKeyFor, quarantinedFileKeyFor } from '../../src/core/keys.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { type PreprocessRunResult, type Row, usePreprocessHarness } from '../helpers/preprocess-harness.js';

type ConfigInput = z.input<typeof sluiceConfigSchema>;

const h = usePreprocessHarness();
let workDir: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-compression-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

type Run = PreprocessRunResult & { input: Buffer };

async function run(key: string, input: Buffer, config: ConfigInput = {}): Promise<Run> {
  return { ...(await h.attempt(key, input, config)), input };
}

/** `input` through a compression command (`bzip2 -c`, …), as a user's shell would make the file. */
function viaCommand(command: string, args: string[], input: Buffer): Buffer {
  return execFileSync(command, args, { input, maxBuffer: 64 * 1024 * 1024 });
}

let zipCount = 0;
/** A zip archive made by the `zip` command from `members` (name → content; a name ending in / is a folder), with extra `zip` options. */
function zipOf(members: Record<string, Buffer | string>, options: string[] = []): Buffer {
  const dir = path.join(workDir, `zip-${zipCount++}`);
  for (const [name, content] of Object.entries(members)) {
    const target = path.join(dir, name);
    if (name.endsWith('/')) fs.mkdirSync(target, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  execFileSync('zip', ['-q', '-r', ...options, 'out.zip', ...Object.keys(members)], { cwd: dir });
  return fs.readFileSync(path.join(dir, 'out.zip'));
}

const COMPRESS: Record<string, (text: Buffer) => Buffer> = {
  '': (t) => t,
  '.gz': (t) => gzipSync(t),
  '.bz2': (t) => viaCommand('bzip2', ['-c'], t),
  '.xz': (t) => viaCommand('xz', ['-c'], t),
  '.zst': (t) => viaCommand('zstd', ['-c', '-q'], t),
  '.zstd': (t) => viaCommand('zstd', ['-c', '-q'], t),
};

/** The same two rows in each text ending, with the separator files of that ending usually have. */
const TEXTS: Record<string, string> = {
  '.csv': 'id,name\n1,café\n2,bob\n',
  '.tsv': 'id\tname\n1\tcafé\n2\tbob\n',
  '.tab': 'id\tname\n1\tcafé\n2\tbob\n',
  '.txt': 'id;name\n1;café\n2;bob\n',
  '.psv': 'id|name\n1|café\n2|bob\n',
};

const EXPECTED_ROWS = [
  { id: '1', name: 'café' },
  { id: '2', name: 'bob' },
];

async function readProcessed(r: Run): Promise<Row[]> {
  return h.rows(r, '*', 'ORDER BY id');
}

async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await store.get(key)) as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function expectProcessed(r: Run, processedKey: string): void {
  expect(r.result.outcome, `outcome (reason: ${r.report.quarantine?.reason})`).toBe('processed');
  expect(r.result.processedKey).toBe(processedKey);
}

/** Quarantined with a reason, the raw bytes copied next to a .error.json, the raw object untouched, nothing processed, no decompressed leftovers. */
async function expectQuarantined(r: Run, reason: RegExp): Promise<void> {
  expect(r.result.outcome, `outcome (reason: ${r.report.quarantine?.reason})`).toBe('quarantined');
  expect(r.report.quarantine?.reason).toMatch(reason);
  const keys = quarantinedFileKeyFor(r.key);
  expect((await readObject(r.deps.zones.quarantine, keys.file)).equals(r.input)).toBe(true);
  const error = JSON.parse((await readObject(r.deps.zones.quarantine, keys.reason)).toString('utf8')) as Record<string, unknown>;
  expect(error).toMatchObject({ rawKey: r.key, reason: r.report.quarantine?.reason });
  expect((await readObject(r.deps.zones.raw, r.key)).equals(r.input)).toBe(true);
  expect(await r.deps.zones.processed.head(processedKeyFor(r.key))).toBeUndefined();
  const left = fs.existsSync(r.deps.tmpDir) ? fs.readdirSync(r.deps.tmpDir).filter((f) => f.includes('decompressed')) : [];
  expect(left).toEqual([]);
}

describe('text endings, plain and compressed', () => {
  const cases = Object.keys(TEXTS).flatMap((text) => Object.keys(COMPRESS).map((compression) => [`${text}${compression}`, text, compression] as const));

  it.each(cases)('reads ds/x%s to its two rows', async (_ending, text, compression) => {
    // Prepare
    const bytes = (COMPRESS[compression] as (t: Buffer) => Buffer)(Buffer.from(TEXTS[text] as string, 'utf8'));

    // Act
    const r = await run(`ds/x${text}${compression}`, bytes);

    // Assess
    expectProcessed(r, 'ds/x.parquet');
    expect(r.report.compressed).toBe(compression !== '');
    expect(r.report.rows).toMatchObject({ read: 2, rejected: 0, written: 2 });
    expect(await readProcessed(r)).toEqual(EXPECTED_ROWS);
  });

  it.each(Object.keys(TEXTS))('reads a zip holding one %s file, named for it or not', async (text) => {
    // Prepare
    const bytes = zipOf({ [`x${text}`]: TEXTS[text] as string });

    // Act
    const named = await run(`ds/x${text}.zip`, bytes);
    const plain = await run('ds/y.zip', bytes);

    // Assess
    expectProcessed(named, 'ds/x.parquet');
    expectProcessed(plain, 'ds/y.parquet');
    expect(named.report.compressed).toBe(true);
    expect(await readProcessed(named)).toEqual(EXPECTED_ROWS);
    expect(await readProcessed(plain)).toEqual(EXPECTED_ROWS);
  });

  it('reads a stored (uncompressed) zip member, and one inside a folder beside macOS metadata', async () => {
    // Prepare
    const stored = zipOf({ 'x.csv': TEXTS['.csv'] as string }, ['-0']);
    const foldered = zipOf({ 'export/': '', 'export/x.csv': TEXTS['.csv'] as string, '__MACOSX/export/._x.csv': 'meta', 'export/.DS_Store': 'meta' });

    // Act
    const a = await run('ds/a.zip', stored);
    const b = await run('ds/b.zip', foldered);

    // Assess
    expectProcessed(a, 'ds/a.parquet');
    expectProcessed(b, 'ds/b.parquet');
    expect(await readProcessed(a)).toEqual(EXPECTED_ROWS);
    expect(await readProcessed(b)).toEqual(EXPECTED_ROWS);
  });
});

describe('zip archives yauzl reads beyond the basic format', () => {
  it('reads a Zip64 archive (as zip -fz writes one, sizes in the Zip64 extra field)', async () => {
    // Prepare
    const bytes = zipOf({ 'x.csv': TEXTS['.csv'] as string }, ['-fz']);

    // Act
    const r = await run('ds/x.zip', bytes);

    // Assess
    expect(bytes.readUInt32LE(18)).toBe(0xffffffff);
    expectProcessed(r, 'ds/x.parquet');
    expect(await readProcessed(r)).toEqual(EXPECTED_ROWS);
  });
});

describe('zip archives that are not one text file', () => {
  it('quarantines a zip of several files, naming them and the fix', async () => {
    // Prepare
    const bytes = zipOf({ 'a.csv': TEXTS['.csv'] as string, 'b.csv': TEXTS['.csv'] as string, 'notes.txt': 'hello\n' });

    // Act
    const r = await run('ds/many.zip', bytes);

    // Assess
    await expectQuarantined(
      r,
      /^ds\/many\.zip: the zip archive holds 3 files \(a\.csv, b\.csv, notes\.txt\); a zip must hold exactly one delimited text file: unzip it/,
    );
  });

  it('quarantines a zip holding only a folder', async () => {
    // Prepare
    const bytes = zipOf({ 'empty/': '' });

    // Act
    const r = await run('ds/folder.zip', bytes);

    // Assess
    await expectQuarantined(r, /^ds\/folder\.zip: the zip archive holds no file \(only empty\/\); zip the CSV file itself/);
  });

  it('quarantines a zip whose one member is not delimited text by its name', async () => {
    // Prepare
    const bytes = zipOf({ 'report.json': '{"id": 1}\n' });

    // Act
    const r = await run('ds/report.zip', bytes);

    // Assess
    await expectQuarantined(
      r,
      /^ds\/report\.zip: the zip archive holds report\.json, which is not a delimited text file \(\.csv, \.tsv, \.tab, \.txt, \.psv\)/,
    );
  });

  it('quarantines a zip whose member is binary though named .csv', async () => {
    // Prepare
    const bytes = zipOf({ 'x.csv': Buffer.from([0, 1, 2, 3, 0, 255, 0, 7, 0, 0]) });

    // Act
    const r = await run('ds/binary.zip', bytes);

    // Assess
    await expectQuarantined(r, /^ds\/binary\.zip: not a text file/);
  });

  it('quarantines an encrypted zip member', async () => {
    // Prepare
    const bytes = zipOf({ 'x.csv': TEXTS['.csv'] as string }, ['-P', 'secret']);

    // Act
    const r = await run('ds/locked.zip', bytes);

    // Assess
    await expectQuarantined(r, /^ds\/locked\.zip: the zip member x\.csv is encrypted; upload the file unencrypted$/);
  });

  it('quarantines a zip whose member is compressed with Deflate64, naming the method and the fix', async () => {
    // Prepare
    const bytes = Buffer.from(zipOf({ 'x.csv': 'id,name\n'.repeat(2000) }));
    // Mark the member as Deflate64 (method 9) in its local header and in its central directory entry.
    bytes.writeUInt16LE(9, 8);
    bytes.writeUInt16LE(9, bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);

    // Act
    const r = await run('ds/d64.zip', bytes);

    // Assess
    await expectQuarantined(
      r,
      /^ds\/d64\.zip: the zip member x\.csv is compressed with Deflate64, which is not read; re-create the zip with standard Deflate compression/,
    );
  });

  it('quarantines a zip whose Deflate data is damaged', async () => {
    // Prepare
    const good = zipOf({ 'x.csv': 'id,name\n'.repeat(2000) });
    const bytes = Buffer.from(good);
    // Overwrite bytes 40–80: the local header's extra field and the start of the member's Deflate data.
    bytes.fill(0xff, 40, 80);

    // Act
    const r = await run('ds/damaged.zip', bytes);

    // Assess
    await expectQuarantined(r, /^ds\/damaged\.zip: not a valid zip (file|archive)/);
  });

  it('quarantines a file named .zip that is not one', async () => {
    // Act
    const r = await run('ds/fake.zip', Buffer.from(TEXTS['.csv'] as string));

    // Assess
    await expectQuarantined(r, /^ds\/fake\.zip: not a valid zip archive \(no end of central directory record\)/);
  });
});

describe('compressed files read with no system command', () => {
  it.each(['.bz2', '.xz', '.zst'])('processes x.csv%s with PATH emptied, as in a Lambda that has no bzip2, xz or zstd', async (ending) => {
    // Prepare
    const bytes = (COMPRESS[ending] as (t: Buffer) => Buffer)(Buffer.from(TEXTS['.csv'] as string));
    const emptyBin = fs.mkdtempSync(path.join(workDir, 'bin-'));
    vi.stubEnv('PATH', emptyBin);

    // Act
    const r = await run(`ds/x.csv${ending}`, bytes);

    // Assess
    vi.unstubAllEnvs();
    expectProcessed(r, 'ds/x.parquet');
    expect(await readProcessed(r)).toEqual(EXPECTED_ROWS);
  });
});

describe('compressed files that cannot be read', () => {
  it.each([
    ['.bz2', 'bzip2'],
    ['.xz', 'xz'],
    ['.zst', 'zstd'],
  ])('quarantines x.csv%s cut short as not a valid %s file ending early', async (ending, compression) => {
    // Prepare
    const whole = (COMPRESS[ending] as (t: Buffer) => Buffer)(Buffer.from(Array.from({ length: 3000 }, (_, i) => `${i},name${i}\n`).join('')));
    const bytes = whole.subarray(0, Math.floor(whole.length / 2));

    // Act
    const r = await run(`ds/x.csv${ending}`, bytes);

    // Assess
    await expectQuarantined(
      r,
      new RegExp(
        `^ds/x\\.csv${ending.replace('.', '\\.')}: not a valid ${compression} file \\(unexpected (end of input|EOF)\\); upload the file again or check it with \`${compression} -t\`$`,
      ),
    );
  });

  it.each([
    ['.bz2', 'bzip2'],
    ['.xz', 'xz'],
    ['.zst', 'zstd'],
  ])('quarantines a plain CSV named x.csv%s as not a valid %s file', async (ending, compression) => {
    // Act
    const r = await run(`ds/x.csv${ending}`, Buffer.from(TEXTS['.csv'] as string));

    // Assess
    await expectQuarantined(r, new RegExp(`^ds/x\\.csv${ending.replace('.', '\\.')}: not a valid ${compression} file \\(`));
  });
});

describe('decompression bombs', () => {
  it('quarantines 200 MB of zeros gzipped when defaults.maxFileBytes is 10 MB, leaving no decompressed file behind', { timeout: 30_000 }, async () => {
    // Prepare
    const gz = createGzip({ level: 1 });
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve, reject) => gz.on('end', resolve).on('error', reject));
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 200; i++) if (!gz.write(block)) await new Promise((resolve) => gz.once('drain', resolve));
    gz.end();
    await done;
    const bytes = Buffer.concat(out);

    // Act
    const r = await run('ds/zeros.csv.gz', bytes, { defaults: { maxFileBytes: 10 * 1024 * 1024 } });

    // Assess
    await expectQuarantined(
      r,
      /^ds\/zeros\.csv\.gz: decompresses to over \d+ bytes \(cap 10485760: .*defaults\.maxFileBytes in sluice\.yaml\); refusing a possible gzip bomb/,
    );
  });

  it.each([
    ['.bz2', 'bzip2'],
    ['.xz', 'xz'],
    ['.zst', 'zstd'],
    ['.zip', 'zip'],
  ])('quarantines 4 MB of CSV lines in x.csv%s over a 1 MB defaults.maxFileBytes', { timeout: 30_000 }, async (ending, compression) => {
    // Prepare
    const text = Buffer.from('a,b\n'.repeat(1024 * 1024));
    const bytes = ending === '.zip' ? zipOf({ 'x.csv': text }) : (COMPRESS[ending] as (t: Buffer) => Buffer)(text);

    // Act
    const r = await run(`ds/x.csv${ending}`, bytes, { defaults: { maxFileBytes: 1024 * 1024 } });

    // Assess
    await expectQuarantined(
      r,
      new RegExp(
        `decompresses to over \\d+ bytes \\(cap \\d+: 100x the compressed size or defaults\\.maxFileBytes in sluice\\.yaml\\); refusing a possible ${compression} bomb`,
      ),
    );
  });
});

describe('decoders stopped by the cap', () => {
  it.each(['.bz2', '.xz', '.zst'])('reads the next x.csv%s after one was stopped over defaults.maxFileBytes', { timeout: 30_000 }, async (ending) => {
    // Prepare
    const compress = COMPRESS[ending] as (t: Buffer) => Buffer;
    const big = compress(Buffer.from('a,b\n'.repeat(1024 * 1024)));
    const small = compress(Buffer.from(TEXTS['.csv'] as string));

    // Act
    const stopped = await run(`ds/big.csv${ending}`, big, { defaults: { maxFileBytes: 1024 * 1024 } });
    const next = await run(`ds/x.csv${ending}`, small, { defaults: { maxFileBytes: 1024 * 1024 } });

    // Assess
    await expectQuarantined(stopped, /decompresses to over \d+ bytes/);
    expectProcessed(next, 'ds/x.parquet');
    expect(await readProcessed(next)).toEqual(EXPECTED_ROWS);
  });
});
