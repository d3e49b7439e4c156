/**
 * Turn a raw object into a local UTF-8 file DuckDB can read: decompress
 * (gzip, bzip2, xz, zstd, a one-file zip; see decompress.ts) with caps on size
 * and ratio, detect the encoding (BOM; else UTF-8 unless the non-ASCII bytes
 * of the whole file are mostly invalid UTF-8, then Windows-1252) and
 * transcode when needed, refuse binary files; a file whose columns are
 * separated by whitespace (see core/dialect.ts) is rewritten as tab-separated
 * text, line for line. Streams only: no whole-file strings in memory.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { detectDialect, markWhitespaceFields, type WhitespaceLayout, whitespaceToTabs } from '../../core/dialect.js';
import { InputError } from '../../core/errors.js';
import { compressionOf } from '../../core/keys.js';
import { isMostlyUtf8, type Utf8Count, Utf8Counter } from '../../core/utf8.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { decompress } from './decompress.js';

export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface PreparedInput {
  /** Local UTF-8 file without BOM. */
  path: string;
  encoding: Encoding;
  compressed: boolean;
  newlinesNormalized: boolean;
  /** Bytes of the raw object and of the decompressed text. */
  rawBytes: number;
  textBytes: number;
  /** The first bytes of the text, decoded, for dialect detection. */
  sample: string;
  /** True when the sample is the whole file. */
  sampleIsComplete: boolean;
  /**
   * The whole text checked as UTF-8 (not for UTF-16): its counts, and the
   * decompressed text before transcoding (`source`), where the invalid
   * offsets are. A UTF-8 text with invalid sequences is transcoded with each
   * of them as U+FFFD.
   */
  utf8?: Utf8Count & { source: string };
  /** Set when the columns are separated by whitespace: the file at `path` is its rewrite as tab-separated text, line for line. */
  whitespace?: WhitespaceLayout;
  cleanup: () => Promise<void>;
}

export interface InputLimits {
  maxFileBytes: number;
  /** Largest decompressed/compressed ratio accepted for compressed input. */
  maxGzipRatio: number;
}

const SAMPLE_BYTES = 256 * 1024;

class ByteLimit extends Transform {
  private seen = 0;
  get bytes(): number {
    return this.seen;
  }
  constructor(
    private readonly limit: number,
    private readonly onExceed: (seen: number) => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) cb(this.onExceed(this.seen));
    else cb(null, chunk);
  }
}

/** Decode to UTF-8 and, when asked, turn CRLF and lone CR into LF (DuckDB's strict parser wants one line ending per file). */
class Transcode extends Transform {
  private readonly decoder: TextDecoder;
  private pendingCr = false;
  constructor(
    encoding: string,
    private readonly normalizeNewlines: boolean,
  ) {
    super();
    this.decoder = new TextDecoder(encoding);
  }
  private fix(text: string): string {
    if (!this.normalizeNewlines) return text;
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    return t.replace(/\r\n?/g, '\n');
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    cb(null, Buffer.from(this.fix(this.decoder.decode(chunk, { stream: true })), 'utf8'));
  }
  override _flush(cb: (err?: Error | null, data?: Buffer) => void): void {
    const rest = this.fix(this.decoder.decode()) + (this.pendingCr ? '\n' : '');
    cb(null, Buffer.from(rest, 'utf8'));
  }
}

/**
 * Rewrite whitespace-separated UTF-8 text as tab-separated, line for line
 * (see whitespaceToTabs), holding one line at a time. Line breaks become LF;
 * the number of lines stays the same, so line numbers still point into the
 * raw file.
 */
export class WhitespaceToTabs extends Transform {
  private readonly decoder = new TextDecoder('utf-8');
  /** The text after the last line break seen, in pieces: a long line is joined once, not once per chunk. */
  private pending: string[] = [];
  constructor(private readonly layout: WhitespaceLayout) {
    super();
  }
  private lines(piece: string, final: boolean): string {
    if (!final && !/[\r\n]/.test(piece)) {
      this.pending.push(piece);
      return '';
    }
    const text = this.pending.join('') + piece;
    // A CR at the end may be the first half of a CRLF: keep it for the next chunk.
    const cut = final ? text.length : text.endsWith('\r') ? text.length - 1 : Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
    this.pending = cut < text.length ? [text.slice(cut)] : [];
    if (cut === 0) return '';
    const lines = text.slice(0, cut).split(/\r\n|\n|\r/);
    const last = lines.pop() as string;
    const done = lines.map((l) => `${whitespaceToTabs(l, this.layout)}\n`).join('');
    // Text after the last line break: a line cut before its CR, or the file's last line without a break.
    return last === '' ? done : done + whitespaceToTabs(last, this.layout);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    cb(null, Buffer.from(this.lines(this.decoder.decode(chunk, { stream: true }), false), 'utf8'));
  }
  override _flush(cb: (err?: Error | null, data?: Buffer) => void): void {
    cb(null, Buffer.from(this.lines(this.decoder.decode(), true), 'utf8'));
  }
}

/**
 * Mark the field breaks of whitespace-separated bytes with tabs in place (see
 * markWhitespaceFields): the same length, line for line, so the byte offsets
 * of invalid UTF-8 found in the text still point at them.
 */
export class MarkWhitespaceFields extends Transform {
  /** The bytes after the last line break seen, in pieces (see WhitespaceToTabs). */
  private pending: Buffer[] = [];
  constructor(private readonly layout: WhitespaceLayout) {
    super();
  }
  private mark(bytes: Buffer): Buffer {
    return Buffer.from(markWhitespaceFields(bytes.toString('latin1'), this.layout), 'latin1');
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    if (chunk.indexOf(10) < 0 && chunk.indexOf(13) < 0) {
      this.pending.push(chunk);
      cb();
      return;
    }
    const bytes = Buffer.concat([...this.pending, chunk]);
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== 10 && b !== 13) continue;
      out.push(this.mark(bytes.subarray(start, i)), bytes.subarray(i, i + 1));
      start = i + 1;
    }
    this.pending = start < bytes.length ? [Buffer.from(bytes.subarray(start))] : [];
    cb(null, Buffer.concat(out));
  }
  override _flush(cb: (err?: Error | null, data?: Buffer) => void): void {
    cb(null, this.mark(Buffer.concat(this.pending)));
  }
}

/** Count the whole text's valid and invalid UTF-8 in one streaming pass (and a second over the part before the first invalid sequence, when there is one). */
async function countUtf8(file: string): Promise<Utf8Count> {
  const counter = new Utf8Counter();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) counter.push(chunk as Buffer);
  counter.end();
  // Valid characters before the first invalid sequence are counted only when there is one.
  if (counter.invalidSequences > 0 && counter.uncountedBytes > 0) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, end: counter.uncountedBytes - 1 })) counter.countValid(chunk as Buffer);
  }
  return counter;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const h = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await h.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

/**
 * True when the text uses more than one line ending outside quoted fields
 * (CRLF and LF, or lone CR): DuckDB's strict parser wants one per file.
 */
export function hasMixedLineEndings(sample: string, quote = '"'): boolean {
  let inQuotes = false;
  let crlf = false;
  let lf = false;
  let cr = false;
  const q = quote.charCodeAt(0);
  for (let i = 0; i < sample.length; i++) {
    const ch = sample.charCodeAt(i);
    if (ch === q) inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (ch === 13) {
      if (sample.charCodeAt(i + 1) === 10) {
        crlf = true;
        i++;
      } else if (i + 1 < sample.length) cr = true;
    } else if (ch === 10) lf = true;
  }
  return Number(crlf) + Number(lf) + Number(cr) > 1;
}

/** Detect the text encoding of a file's first bytes, or undefined when it is not text. */
export function detectEncoding(head: Buffer, complete: boolean): Encoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  // NUL bytes and most C0 controls never appear in CSV text.
  let controls = 0;
  for (const b of head) {
    if (b === 0) return undefined;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) controls++;
  }
  if (head.length > 0 && controls / head.length > 0.01) return undefined;
  // A multi-byte character may be cut at the end of a partial sample: drop up to 3 trailing bytes.
  const body = complete ? head : head.subarray(0, Math.max(0, head.length - 3));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

function tooLarge(key: string, bytes: number, limit: number): InputError {
  return new InputError(
    `${key}: file is ${bytes} bytes, over the limit of ${limit} bytes (defaults.maxFileBytes in sluice.yaml); raise defaults.maxFileBytes to take it, or split the file`,
    key,
  );
}

/**
 * Prepare a raw object for reading. `retry` is used on a second try: when
 * the sample looked like UTF-8 but a later part was not, or when the file mixes
 * line endings.
 */
export async function prepareInput(
  store: ObjectStore,
  key: string,
  tmpDir: string,
  limits: InputLimits,
  retry: { encoding?: Encoding; normalizeNewlines?: boolean } = {},
): Promise<PreparedInput> {
  // The size a store tells without reading is checked first: a remote object over the limit is never downloaded.
  const info = await store.head(key);
  if (info && info.size > limits.maxFileBytes) throw tooLarge(key, info.size, limits.maxFileBytes);
  await fs.mkdir(tmpDir, { recursive: true });
  const temps: string[] = [];
  const tempFile = (suffix: string) => {
    const p = path.join(tmpDir, `${process.pid}-${Math.random().toString(36).slice(2)}-${suffix}`);
    temps.push(p);
    return p;
  };
  const local = await store.materialize(key, tmpDir);
  const cleanup = async () => {
    await local.cleanup();
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
  };
  try {
    const rawBytes = (await fs.stat(local.path)).size;
    if (rawBytes > limits.maxFileBytes) throw tooLarge(key, rawBytes, limits.maxFileBytes);
    let textPath = local.path;
    const compression = compressionOf(key);
    const compressed = compression !== undefined;
    if (compression) {
      const cap = Math.min(limits.maxFileBytes, Math.max(rawBytes, 1) * limits.maxGzipRatio);
      textPath = tempFile('decompressed');
      const source = await decompress(key, compression, local.path);
      const counter = new ByteLimit(
        cap,
        (seen) =>
          new InputError(
            `${key}: decompresses to over ${seen} bytes (cap ${cap}: ${limits.maxGzipRatio}x the compressed size or defaults.maxFileBytes in sluice.yaml); refusing a possible ${compression} bomb. If the file is genuine, raise defaults.maxFileBytes or upload it uncompressed`,
            key,
          ),
      );
      try {
        await pipeline(source.stream, counter, createWriteStream(textPath));
      } catch (err) {
        source.abort();
        if (err instanceof InputError) throw err;
        throw new InputError(`${key}: not a valid ${compression} file: ${(err as Error).message}`, key, undefined, undefined, { cause: err });
      }
    }
    const textBytesBefore = (await fs.stat(textPath)).size;
    const head = await readHead(textPath, SAMPLE_BYTES);
    const complete = head.length >= textBytesBefore;
    let encoding = retry.encoding ?? detectEncoding(head, complete);
    if (!encoding) throw new InputError(`${key}: not a text file (binary bytes found near the start); upload a CSV file`, key);
    // The first bytes only tell BOMs, UTF-16 and binary apart: whether the text is UTF-8 is counted over the whole of it.
    let utf8: PreparedInput['utf8'];
    if (encoding !== 'utf-16le' && encoding !== 'utf-16be') {
      utf8 = { ...(await countUtf8(textPath)), source: textPath };
      if (encoding !== 'utf-8-bom' && !retry.encoding) encoding = isMostlyUtf8(utf8) ? 'utf-8' : 'windows-1252';
    }
    const repair = encoding.startsWith('utf-8') && (utf8?.invalidSequences ?? 0) > 0;
    const normalizeNewlines = retry.normalizeNewlines || (encoding.startsWith('utf-8') && hasMixedLineEndings(head.toString('utf8')));
    if (encoding !== 'utf-8' || normalizeNewlines || repair) {
      const out = tempFile('utf8');
      const decoderName = encoding === 'utf-8-bom' ? 'utf-8' : encoding;
      // TextDecoder drops the BOM itself, and turns each invalid UTF-8 sequence into U+FFFD.
      await pipeline(createReadStream(textPath), new Transcode(decoderName, normalizeNewlines), createWriteStream(out));
      textPath = out;
    }
    const readSample = async () => {
      const textBytes = (await fs.stat(textPath)).size;
      const textHead = textPath === local.path ? head : await readHead(textPath, SAMPLE_BYTES);
      const sampleIsComplete = textHead.length >= textBytes;
      const sample = new TextDecoder('utf-8').decode(sampleIsComplete ? textHead : textHead.subarray(0, textHead.lastIndexOf(0x0a) + 1 || textHead.length));
      return { textBytes, sampleIsComplete, sample };
    };
    let { textBytes, sampleIsComplete, sample } = await readSample();
    // DuckDB cannot split on runs of spaces: such a file is read as its rewrite with tabs.
    const whitespace = detectDialect(sample, sampleIsComplete).whitespace;
    if (whitespace) {
      const out = tempFile('tabs');
      await pipeline(createReadStream(textPath), new WhitespaceToTabs(whitespace), createWriteStream(out));
      textPath = out;
      ({ textBytes, sampleIsComplete, sample } = await readSample());
      // Invalid UTF-8 is located in the text as it came (its offsets are the raw file's): the same bytes with the field breaks marked.
      if (utf8 && utf8.invalidSequences > 0) {
        const marked = tempFile('marked');
        await pipeline(createReadStream(utf8.source), new MarkWhitespaceFields(whitespace), createWriteStream(marked));
        utf8 = { ...utf8, source: marked };
      }
    }
    return {
      path: textPath,
      encoding,
      compressed,
      newlinesNormalized: normalizeNewlines,
      rawBytes,
      textBytes,
      sample,
      sampleIsComplete,
      ...(utf8 ? { utf8 } : {}),
      ...(whitespace ? { whitespace } : {}),
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
