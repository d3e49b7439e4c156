/**
 * Object keys, zones and datasets. Keys are '/'-separated relative paths, the
 * same on a folder and in a bucket; every key derived from a raw key is a pure
 * function of it, so reprocessing a raw key always replaces the same outputs.
 */
import { InvalidKeyError } from './errors.js';

export const ZONES = ['raw', 'processed', 'final', 'quarantine'] as const;
export type Zone = (typeof ZONES)[number];

/** Endings of delimited text files: the dialect (comma, semicolon, tab, pipe) is detected from the content. */
export const TEXT_ENDINGS = ['.csv', '.tsv', '.tab', '.txt', '.psv'];

/** The compressions a text file may be in, by the ending added to its name (`a.csv.bz2`). */
export const COMPRESSIONS = { '.gz': 'gzip', '.bz2': 'bzip2', '.xz': 'xz', '.zst': 'zstd', '.zstd': 'zstd' } as const;
export type Compression = (typeof COMPRESSIONS)[keyof typeof COMPRESSIONS] | 'zip';

/**
 * File endings the pipeline takes from the raw zone: a text ending, alone or
 * followed by a compression ending, and `.zip` (one text file inside, whatever
 * the archive is called).
 */
export const INPUT_ENDINGS = [...TEXT_ENDINGS, ...TEXT_ENDINGS.flatMap((text) => Object.keys(COMPRESSIONS).map((c) => text + c)), '.zip'];

/** The input endings in words, for messages that tell which files are taken. */
export const INPUT_ENDINGS_TEXT = `${TEXT_ENDINGS.join(', ')}, each optionally compressed (${Object.keys(COMPRESSIONS).join(', ')}), or a .zip holding one such file`;

/** The longest file or folder name most file systems take (NAME_MAX), in bytes. */
export const MAX_NAME_BYTES = 255;

/** Reject keys that could escape a zone or are not portable between folders and buckets. */
export function validateKey(key: string): string {
  if (key.length === 0) throw new InvalidKeyError(key, 'it is empty');
  if (key.length > 1024) throw new InvalidKeyError(key, 'it is longer than 1024 characters');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'it must be relative, not start with "/"');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'use "/" to separate folders, not "\\"');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f]/.test(key)) throw new InvalidKeyError(key, 'it contains control characters');
  for (const part of key.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new InvalidKeyError(key, 'empty, "." and ".." path segments are not allowed');
    }
    const bytes = new TextEncoder().encode(part).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new InvalidKeyError(
        key,
        `the name "${part.slice(0, 24)}…" is ${bytes} bytes; file and folder names are limited to ${MAX_NAME_BYTES} bytes, shorten it`,
      );
    }
  }
  return key;
}

/** Endings of files that writers fill before renaming them to their real name. */
const TEMP_ENDINGS = ['.part', '.partial', '.tmp', '.crdownload', '.download', '.swp', '.filepart'];

/**
 * A name writers use while a file is not finished, or for their own
 * bookkeeping: hidden names (`.name.XXXXXX` from rsync, `.~lock.x.csv#` from
 * LibreOffice, our own `.sluice-tmp-…`), Office owner files (`~$x.csv`) and
 * partial downloads and copies (`*.part`, `*.partial`, `*.tmp`,
 * `*.crdownload`, `*.download`, `*.swp`, WinSCP's `*.filepart`).
 */
export function isTempName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('~$')) return true;
  const lower = name.toLowerCase();
  return TEMP_ENDINGS.some((e) => lower.endsWith(e));
}

/** Temp and hidden objects (any segment a temp name) are never pipeline inputs. */
export function isHiddenKey(key: string): boolean {
  return key.split('/').some(isTempName);
}

export function isInputKey(key: string): boolean {
  const lower = key.toLowerCase();
  return !isHiddenKey(key) && INPUT_ENDINGS.some((e) => lower.endsWith(e));
}

/** The compression a raw key's name says its file is in, or undefined for plain text. */
export function compressionOf(key: string): Compression | undefined {
  const lower = key.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  for (const [ending, compression] of Object.entries(COMPRESSIONS)) if (lower.endsWith(ending)) return compression;
  return undefined;
}

/**
 * A catalog table name: what `datasetOf` makes of a raw key (snake case, and
 * it may start with a digit: `2024/jan.csv` → `2024`) or a configured job's
 * output name. SQL must quote such names (`final."2024"`), as the engine does.
 */
export const TABLE_NAME = /^[A-Za-z0-9_]+$/;

/** The key without its input ending: `sales/2024-03.csv.gz` → `sales/2024-03`, `a.csv.zip` and `a.zip` → `a`. */
export function stripInputEnding(key: string): string {
  const lower = key.toLowerCase();
  if (lower.endsWith('.zip')) {
    const inner = key.slice(0, -'.zip'.length);
    const text = TEXT_ENDINGS.find((e) => inner.toLowerCase().endsWith(e));
    return text ? inner.slice(0, inner.length - text.length) : inner;
  }
  for (const e of [...INPUT_ENDINGS].sort((a, b) => b.length - a.length)) {
    if (lower.endsWith(e)) return key.slice(0, key.length - e.length);
  }
  const dot = key.lastIndexOf('.');
  return dot > key.lastIndexOf('/') ? key.slice(0, dot) : key;
}

/**
 * The dataset of a raw key: its first path segment, or for a file at the root
 * of the zone, the file's stem normalised to an identifier.
 */
export function datasetOf(rawKey: string): string {
  const slash = rawKey.indexOf('/');
  const name = slash >= 0 ? rawKey.slice(0, slash) : stripInputEnding(rawKey);
  return toIdentifier(name) || 'dataset';
}

/** `sales/2024-03.csv` → `sales/2024-03.parquet`; the dataset folder is normalised. */
export function processedKeyFor(rawKey: string): string {
  const dataset = datasetOf(rawKey);
  const slash = rawKey.indexOf('/');
  const rest = slash >= 0 ? rawKey.slice(slash + 1) : rawKey;
  return `${dataset}/${stripInputEnding(rest)}.parquet`;
}

/** Where the rejected rows of a raw file are written in the quarantine zone. */
export function rejectsKeyFor(rawKey: string): string {
  return `${processedKeyFor(rawKey).replace(/\.parquet$/, '')}.rejects.csv`;
}

/** Where a whole quarantined raw file is copied, and its reason next to it. */
export function quarantinedFileKeyFor(rawKey: string): { file: string; reason: string } {
  const base = `${datasetOf(rawKey)}/${rawKey.includes('/') ? rawKey.slice(rawKey.indexOf('/') + 1) : rawKey}`;
  return { file: base, reason: `${base}.error.json` };
}

/** The hive partition values in a key: `m/year=2024/month=01/a.csv` → {year:'2024', month:'01'}. */
export function partitionValuesOf(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  // A NULL partition value is written as Hive's default partition; a missing key reads as NULL.
  for (const [column, , value] of partitionFolders(key)) if (value !== HIVE_NULL) out[column] = decodePartitionValue(value);
  return out;
}

/** The folder value Hive (and DuckDB) write for a NULL partition value. */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/** Partition column → the folder name as written in the key (`year` → `Year` for `Year=2024/`). */
export function partitionFoldersOf(key: string): Record<string, string> {
  return Object.fromEntries(partitionFolders(key).map(([column, folder]) => [column, folder]));
}

/** [column, folder name, raw value] for each `name=value` folder of a key below its dataset. */
function partitionFolders(key: string): [string, string, string][] {
  return key
    .split('/')
    .slice(1, -1)
    .flatMap((p): [string, string, string][] => {
      const eq = p.indexOf('=');
      return eq > 0 ? [[toIdentifier(p.slice(0, eq)), p.slice(0, eq), p.slice(eq + 1)]] : [];
    });
}

/**
 * The folder layout of a key below its dataset: `year=/month=` for Hive-style
 * folders, `*` for a plain folder, empty at the dataset's top level.
 */
export function folderLayoutOf(key: string): string {
  return key
    .split('/')
    .slice(1, -1)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq > 0 ? `${toIdentifier(p.slice(0, eq))}=` : '*';
    })
    .join('/');
}

/**
 * A warning when a table's files sit at different folder depths or under
 * different partition folders (`sales/a.csv` beside `sales/year=2024/b.csv`):
 * they stay one table, and the partition columns are NULL for the files
 * without them, but the user should know. Undefined when all agree.
 */
export function layoutWarning(table: string, keys: readonly string[]): string | undefined {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const layout = folderLayoutOf(k);
    groups.set(layout, [...(groups.get(layout) ?? []), k]);
  }
  if (groups.size < 2) return undefined;
  const parts = [...groups]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([layout, files]) => `${files.length} at ${layout === '' ? 'the top level' : `${layout}/`} (e.g. ${files[0]})`);
  return `files of ${table} are at inconsistent folder depths: ${parts.join('; ')}. They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.`;
}

/** Hive escapes values with %XX; a '%' that starts no escape is kept as it is, as Hive does. */
function decodePartitionValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

const TRANSLITERATE: Record<string, string> = { ß: 'ss', æ: 'ae', Æ: 'Ae', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'Th', œ: 'oe', Œ: 'Oe' };

/** Snake-case identifier: ASCII letters, digits and underscores, accents transliterated. */
export function toIdentifier(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæÆøØłŁđĐþÞœŒ]/g, (c) => TRANSLITERATE[c] ?? c)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
