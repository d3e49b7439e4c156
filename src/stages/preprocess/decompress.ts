/**
 * Streams of a compressed raw file's text. gzip and zip (Stored or Deflate,
 * through zlib) are read in process; bzip2, xz and zstd by the system's
 * `bzip2`, `xz` and `zstd` commands, as Node 20's zlib has no decoder for them
 * and no npm decoder is installed. Where such a command is missing the file is
 * refused with an InputError saying so, which quarantines it with that reason.
 * The caller caps the bytes that come out.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { InputError } from '../../core/errors.js';
import { type Compression, isHiddenKey, TEXT_ENDINGS } from '../../core/keys.js';

/** A decompressed stream, and a check to run once it has been read to its end. */
export interface Decompressed {
  stream: Readable;
  /** Throws an InputError when the stream's end showed the file to be broken (a failed command, a short zip member). */
  finish: (bytesOut: number) => Promise<void>;
  /** Stops the decoder when the reader gives up early (a cap was hit). */
  abort: () => void;
}

/** The system command for each compression read outside Node. */
const COMMANDS = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' } as const;

export async function decompress(key: string, compression: Compression, file: string): Promise<Decompressed> {
  if (compression === 'gzip') {
    const raw = createReadStream(file);
    const stream = raw.pipe(createGunzip());
    raw.on('error', (err) => stream.destroy(err));
    return { stream, finish: async () => {}, abort: () => raw.destroy() };
  }
  if (compression === 'zip') return openZipMember(key, file);
  return runCommand(key, compression, COMMANDS[compression], file);
}

/** `<command> -dc <file>` with its output as the stream; its exit status and error text are checked at the end. */
function runCommand(key: string, compression: Compression, command: string, file: string): Decompressed {
  // Only PATH is passed on: the decoder needs nothing else of this process's environment (credentials included).
  const child = spawn(command, ['-d', '-c', '--', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const exit = new Promise<{ code: number | null; missing: boolean }>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => resolve({ code: null, missing: err.code === 'ENOENT' }));
    child.on('close', (code) => resolve({ code, missing: false }));
  });
  const stream = new PassThrough();
  child.stdout.pipe(stream);
  // A command that cannot start never ends its output: end it so the reader sees the failure below.
  void exit.then((e) => {
    if (e.missing && !stream.writableEnded) stream.end();
  });
  return {
    stream,
    abort: () => child.kill(),
    finish: async () => {
      const { code, missing } = await exit;
      if (missing) {
        throw new InputError(
          `${key}: ${compression} files are read with the \`${command}\` command, which is not installed where Sluice runs; install ${command} there, or recompress the file with gzip (\`${command} -dc ${baseName(key)} | gzip > ${gzName(key)}\`) and upload that`,
          key,
        );
      }
      if (code !== 0) {
        const why = stderr.trim().split('\n').pop()?.replaceAll(file, baseName(key)) ?? '';
        throw new InputError(
          `${key}: not a valid ${compression} file (${command} says: ${why || `exit status ${code}`}); upload the file again or check it with \`${command} -t\``,
          key,
        );
      }
    },
  };
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function gzName(key: string): string {
  return `${baseName(key).replace(/\.[^.]+$/, '')}.gz`;
}

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end-of-central-directory record is 22 bytes plus a comment of at most 65535. */
const EOCD_SEARCH = 22 + 0xffff;
const STORED = 0;
const DEFLATE = 8;
const ZIP_METHODS: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'xz', 99: 'AES encryption' };

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Whether a zip entry is something to take or to pass over: folders and macOS/hidden metadata are passed over. */
function isMetadata(name: string): boolean {
  return name.endsWith('/') || name.startsWith('__MACOSX/') || isHiddenKey(name);
}

/**
 * The one delimited text file in a zip archive, read from its central
 * directory. Anything else (no file, several files, a member that is not
 * text by its name, Zip64, encryption, a method other than Stored or
 * Deflate) is an InputError that names the members and the fix.
 */
async function openZipMember(key: string, file: string): Promise<Decompressed> {
  const handle = await fs.open(file, 'r');
  let entry: ZipEntry;
  let dataStart: number;
  try {
    const entries = await readCentralDirectory(key, handle);
    const files = entries.filter((e) => !isMetadata(e.name));
    const list = (es: ZipEntry[]) =>
      es
        .slice(0, 10)
        .map((e) => e.name)
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
    entry = files[0] as ZipEntry;
    if (!TEXT_ENDINGS.some((e) => entry.name.toLowerCase().endsWith(e))) {
      throw new InputError(
        `${key}: the zip archive holds ${entry.name}, which is not a delimited text file (${TEXT_ENDINGS.join(', ')}); zip a CSV file instead, or rename the member if it is one`,
        key,
      );
    }
    if (entry.flags & 1) throw new InputError(`${key}: the zip member ${entry.name} is encrypted; upload the file unencrypted`, key);
    if (entry.method !== STORED && entry.method !== DEFLATE) {
      throw new InputError(
        `${key}: the zip member ${entry.name} is compressed with ${ZIP_METHODS[entry.method] ?? `method ${entry.method}`}, which is not read; re-create the zip with standard Deflate compression (\`zip\`, or your system's "compress" action) or upload the CSV file itself`,
        key,
      );
    }
    const local = await readAt(handle, entry.localOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw corrupt(key, `no local header for ${entry.name}`);
    dataStart = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await handle.close();
  }
  const raw = entry.compressedSize === 0 ? emptyStream() : createReadStream(file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const stream = entry.method === DEFLATE ? raw.pipe(createInflateRaw()) : raw;
  raw.on('error', (err: Error) => stream.destroy(err));
  return {
    stream,
    abort: () => raw.destroy(),
    finish: async (bytesOut) => {
      if (bytesOut !== entry.size) throw corrupt(key, `${entry.name} gave ${bytesOut} bytes where its directory says ${entry.size}`);
    },
  };
}

function emptyStream(): Readable {
  const s = new PassThrough();
  s.end();
  return s;
}

function corrupt(key: string, why: string): InputError {
  return new InputError(`${key}: not a valid zip archive (${why}); upload the file again, or the CSV file itself`, key);
}

async function readCentralDirectory(key: string, handle: fs.FileHandle): Promise<ZipEntry[]> {
  const size = (await handle.stat()).size;
  const tailStart = Math.max(0, size - EOCD_SEARCH);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt(key, 'no end of central directory record');
  const count = tail.readUInt16LE(at + 10);
  const dirSize = tail.readUInt32LE(at + 12);
  const dirOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    throw new InputError(
      `${key}: Zip64 archives (over 4 GiB or 65535 members) are not read; upload the CSV file itself, compressed with gzip if it is large`,
      key,
    );
  }
  if (dirOffset + dirSize > size) throw corrupt(key, 'the central directory lies past the end of the file');
  const dir = await readAt(handle, dirOffset, dirSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) throw corrupt(key, `central directory entry ${n + 1} of ${count} is damaged`);
    const nameLength = dir.readUInt16LE(p + 28);
    const flags = dir.readUInt16LE(p + 8);
    // Bit 11 marks UTF-8 names; older archivers write CP437, of which ASCII (what most names are) is the same.
    const nameBytes = dir.subarray(p + 46, p + 46 + nameLength);
    entries.push({
      name: nameBytes.toString(flags & 0x800 ? 'utf8' : 'latin1'),
      flags,
      method: dir.readUInt16LE(p + 10),
      compressedSize: dir.readUInt32LE(p + 20),
      size: dir.readUInt32LE(p + 24),
      localOffset: dir.readUInt32LE(p + 42),
    });
    const last = entries[entries.length - 1] as ZipEntry;
    if (last.compressedSize === 0xffffffff || last.size === 0xffffffff || last.localOffset === 0xffffffff) {
      throw new InputError(
        `${key}: Zip64 archives (over 4 GiB or 65535 members) are not read; upload the CSV file itself, compressed with gzip if it is large`,
        key,
      );
    }
    p += 46 + nameLength + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
  }
  return entries;
}
