/**
 * Streams of a compressed raw file's text, all decoded in process by
 * libraries, so that the same code runs on a machine and in AWS Lambda with no
 * system command: gzip by Node's zlib, zip by yauzl (Stored or Deflate members,
 * Zip64 included), bzip2 by unbzip2-stream, xz by xz-decompress (xz-embedded
 * compiled to WebAssembly, which the package carries inline) and zstd by
 * fzstd's streaming decoder. Every decoder reads the file as a stream and
 * gives its text as the reader asks for it; the caller caps the bytes that
 * come out. A file the decoder cannot read is an InputError naming the file
 * and what to do, which quarantines it with that reason. xz-decompress decodes
 * one file at a time in a process (its contexts share one WebAssembly
 * instance): a second .xz waits for the first to end or be stopped.
 */
import { createReadStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2 from 'unbzip2-stream';
// A CommonJS (UMD) module whose exports Node cannot name for an ESM import: taken from its default export.
import xzDecompress from 'xz-decompress';
import yauzl from 'yauzl';
import { InputError } from '../../core/errors.js';
import { type Compression, isHiddenKey, TEXT_ENDINGS } from '../../core/keys.js';

/** A decompressed stream, and how to stop its decoder when the reader gives up early (a cap was hit). */
export interface Decompressed {
  stream: Readable;
  abort: () => void;
}

/** The command a user can check a file with, named in the reason a file is refused for. */
const CHECK_COMMANDS = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' } as const;

export async function decompress(key: string, compression: Compression, file: string): Promise<Decompressed> {
  if (compression === 'gzip') {
    const raw = createReadStream(file);
    const stream = raw.pipe(createGunzip());
    raw.on('error', (err) => stream.destroy(err));
    return { stream, abort: () => raw.destroy() };
  }
  if (compression === 'zip') return openZipMember(key, file);
  const invalid = (err: Error) =>
    new InputError(
      `${key}: not a valid ${compression} file (${decoderMessage(compression, err)}); upload the file again or check it with \`${CHECK_COMMANDS[compression]} -t\``,
      key,
    );
  if (compression === 'bzip2') {
    const raw = createReadStream(file);
    // unbzip2-stream is a classic (through) stream: pipe() carries the backpressure both ways.
    const decoder = unbzip2();
    raw.on('error', (err) => decoder.emit('error', err));
    return guarded(raw.pipe(decoder), invalid, () => raw.destroy());
  }
  if (compression === 'xz') {
    // xz-decompress's types extend the DOM's ReadableStream, which Node's typings keep apart from node:stream/web's (the same class at run time).
    const raw = createReadStream(file);
    const xz = Readable.fromWeb(new xzDecompress.XzReadableStream(webStreamOf(raw)) as unknown as NodeWebStream<Uint8Array>);
    // Destroying the Node side cancels the web stream, which frees the decoder; after a decoder error there is
    // nothing left to cancel, so the file is closed here too.
    return guarded(xz, invalid, () => {
      xz.destroy();
      raw.destroy();
    });
  }
  const zstd = Readable.from(zstdChunks(createReadStream(file)), { objectMode: false });
  return guarded(zstd, invalid, () => zstd.destroy());
}

/**
 * `source` through a PassThrough whose errors are InputErrors (made by
 * `invalid` from the decoder's), so the reason names the file and the fix.
 */
function guarded(source: NodeJS.ReadableStream, invalid: (err: Error) => InputError, abort: () => void): Decompressed {
  const stream = new PassThrough();
  source.on('error', (err: Error) => stream.destroy(err instanceof InputError ? err : invalid(err)));
  source.pipe(stream);
  return { stream, abort };
}

/** xz-embedded's return codes (xz.h), as xz-decompress reports them in "get_next_output failed with error code N". */
const XZ_CODES: Record<string, string> = {
  '2': 'integrity check type not supported',
  '3': 'out of memory',
  '4': 'memory limit reached',
  '5': 'file format not recognized',
  '6': 'unsupported options',
  '7': 'compressed data is corrupt',
  '8': 'unexpected end of input',
};

/**
 * What the decoder said, in words: xz-decompress gives codes, and it and
 * unbzip2-stream fail with a TypeError (reading past their last input chunk)
 * when the file ends early.
 */
function decoderMessage(compression: Compression, err: Error): string {
  const code = compression === 'xz' ? /error code (\d+)/.exec(err.message)?.[1] : undefined;
  if (code) return XZ_CODES[code] ?? `error code ${code}`;
  if (err instanceof TypeError) return 'unexpected end of input';
  return err.message;
}

/** A web ReadableStream of a file, read as the web reader pulls (xz-decompress takes a web stream). */
function webStreamOf(raw: Readable): ReadableStream<Uint8Array> {
  const chunks = raw[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value as Buffer);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

/**
 * The input slice given to fzstd at a time. Its decoder emits whole blocks
 * synchronously, and a block of at most a few bytes can stand for 128 KiB of
 * output, so a small slice bounds what one push can make (about 32 MiB from
 * 1 KiB) before the reader is asked again.
 */
const ZSTD_SLICE = 1024;

/** A zstd file's text, decoded by fzstd as it is read, one slice of input at a time. */
async function* zstdChunks(raw: Readable): AsyncGenerator<Buffer> {
  let out: Uint8Array[] = [];
  const decoder = new ZstdDecompress((data) => {
    if (data.length > 0) out.push(data);
  });
  const drain = () => {
    const ready = out.map((d) => Buffer.from(d.buffer, d.byteOffset, d.length));
    out = [];
    return ready;
  };
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
      decoder.push(chunk.subarray(at, at + ZSTD_SLICE));
      yield* drain();
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}

const STORED = 0;
const DEFLATE = 8;
const ZIP_METHODS: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'xz', 99: 'AES encryption' };

/** Whether a zip entry is something to take or to pass over: folders and macOS/hidden metadata are passed over. */
function isMetadata(name: string): boolean {
  return name.endsWith('/') || name.startsWith('__MACOSX/') || isHiddenKey(name);
}

function corrupt(key: string, why: string): InputError {
  return new InputError(`${key}: not a valid zip archive (${why}); upload the file again, or the CSV file itself`, key);
}

/** yauzl's message, with the one a user most often meets (not a zip at all) in plain words. */
function zipMessage(err: Error): string {
  return /end of central directory record signature not found/i.test(err.message) ? 'no end of central directory record' : err.message;
}

/**
 * The one delimited text file in a zip archive, found by yauzl in its
 * central directory and streamed from it. Anything else (no file, several
 * files, a member that is not text by its name, encryption, a method other
 * than Stored or Deflate, a damaged archive) is an InputError that names the
 * members and the fix.
 */
async function openZipMember(key: string, file: string): Promise<Decompressed> {
  let zip: yauzl.ZipFile;
  try {
    // autoClose off: the file must stay open after the directory is read, until the member's stream ends.
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
  } catch (err) {
    throw corrupt(key, zipMessage(err as Error));
  }
  try {
    const entries: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) entries.push(entry);
    } catch (err) {
      throw corrupt(key, zipMessage(err as Error));
    }
    const files = entries.filter((e) => !isMetadata(e.fileName));
    const list = (es: yauzl.Entry[]) =>
      es
        .slice(0, 10)
        .map((e) => e.fileName)
        .join(', ') + (es.length > 10 ? `, … (${es.length - 10} more)` : '');
    if (files.length === 0) {
      throw new InputError(
        `${key}: the zip archive holds no file${entries.length > 0 ? ` (only ${list(entries)})` : ''}; zip the CSV file itself (\`zip data.zip data.csv\`) and upload that`,
        key,
      );
    }
    if (files.length > 1) {
      throw new InputError(
        `${key}: the zip archive holds ${files.length} files (${list(files)}); a zip must hold exactly one delimited text file: unzip it and upload each file on its own (or one zip per file)`,
        key,
      );
    }
    const entry = files[0] as yauzl.Entry;
    if (!TEXT_ENDINGS.some((e) => entry.fileName.toLowerCase().endsWith(e))) {
      throw new InputError(
        `${key}: the zip archive holds ${entry.fileName}, which is not a delimited text file (${TEXT_ENDINGS.join(', ')}); zip a CSV file instead, or rename the member if it is one`,
        key,
      );
    }
    if (entry.isEncrypted()) throw new InputError(`${key}: the zip member ${entry.fileName} is encrypted; upload the file unencrypted`, key);
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATE) {
      throw new InputError(
        `${key}: the zip member ${entry.fileName} is compressed with ${ZIP_METHODS[entry.compressionMethod] ?? `method ${entry.compressionMethod}`}, which is not read; re-create the zip with standard Deflate compression (\`zip\`, or your system's "compress" action) or upload the CSV file itself`,
        key,
      );
    }
    let member: Readable;
    try {
      member = await zip.openReadStreamPromise(entry);
    } catch (err) {
      throw corrupt(key, `${entry.fileName}: ${zipMessage(err as Error)}`);
    }
    // The archive is closed once the member's stream is done with (ended, failed or destroyed).
    member.once('close', () => zip.close());
    return guarded(
      member,
      (err) => corrupt(key, `${entry.fileName}: ${err.message}`),
      () => member.destroy(),
    );
  } catch (err) {
    zip.close();
    throw err;
  }
}
