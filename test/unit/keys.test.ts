import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../src/core/errors.js';
import {
  compressionOf,
  datasetOf,
  folderLayoutOf,
  isHiddenKey,
  isInputKey,
  isTempName,
  layoutWarning,
  partitionValuesOf,
  processedKeyFor,
  toIdentifier,
  validateKey,
} from '../../src/core/keys.js';

describe('validateKey', () => {
  it.each(['sales/2024-03.csv', 'a.csv', 'metrics/year=2024/month=01/a.csv', 'My File.csv'])('accepts the relative key %j and returns it', (key) => {
    // Act
    const result = validateKey(key);

    // Assess
    expect(result).toBe(key);
  });

  it.each([
    ['an empty key', '', 'empty'],
    ['an absolute key', '/abs/a.csv', 'relative'],
    ['a parent segment', 'sales/../secrets.csv', '".."'],
    ['a bare parent segment', '..', '".."'],
    ['a current-folder segment', 'sales/./a.csv', '"."'],
    ['an empty segment', 'a//b', 'empty'],
    ['a trailing slash', 'sales/', 'empty'],
    ['a backslash', 'sales\\a.csv', '"\\"'],
    ['a newline', 'sales/a\n.csv', 'control characters'],
    ['a NUL character', 'sales/a\u0000.csv', 'control characters'],
    ['a key over 1024 characters', 'a'.repeat(1025), '1024'],
  ])('refuses %s', (_what, key, reason) => {
    // Act
    const act = () => validateKey(key);

    // Assess
    expect(act).toThrow(InvalidKeyError);
    expect(act).toThrow(reason);
  });

  it('accepts names up to 255 bytes and refuses a longer one, counting bytes rather than characters', () => {
    // Prepare
    const at236 = `ds/${'a'.repeat(232)}.csv`;
    const at255 = `ds/${'é'.repeat(125)}b.csv`;
    const at256 = `ds/${'é'.repeat(126)}.csv`;

    // Act
    const over = () => validateKey(at256);

    // Assess
    expect([validateKey(at236), validateKey(at255)]).toEqual([at236, at255]);
    expect(over).toThrow(InvalidKeyError);
    expect(over).toThrow('is 256 bytes; file and folder names are limited to 255 bytes');
  });

  it('carries the refused key on the error', () => {
    // Prepare
    const key = 'a//b';

    // Act
    let caught: unknown;
    try {
      validateKey(key);
    } catch (err) {
      caught = err;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidKeyError);
    expect((caught as InvalidKeyError).key).toBe(key);
    expect((caught as InvalidKeyError).message).toContain('"a//b"');
  });
});

describe('isInputKey', () => {
  it.each([
    'sales/a.csv',
    'sales/a.tsv',
    'sales/a.tab',
    'sales/a.txt',
    'sales/a.psv',
    'sales/a.csv.gz',
    'sales/a.tsv.gz',
    'sales/a.tab.bz2',
    'sales/a.txt.xz',
    'sales/a.psv.zst',
    'sales/a.csv.zstd',
    'sales/a.zip',
    'sales/a.csv.zip',
    'SALES/A.CSV.BZ2',
    'SALES/A.CSV',
    'a.csv',
  ])('takes %j', (key) => {
    expect(isInputKey(key)).toBe(true);
  });

  it.each([
    ['a hidden file', 'sales/.a.csv'],
    ['a file in a hidden folder', '.tmp/a.csv'],
    ['a file in a nested hidden folder', 'sales/.partial/a.csv'],
    ['an office lock file', 'sales/~$a.csv'],
    ['a Parquet file', 'sales/a.parquet'],
    ['a JSON file', 'sales/a.json'],
    ['a gzip that is not CSV', 'sales/a.json.gz'],
    ['a bzip2 that is not delimited text', 'sales/a.json.bz2'],
    ['a 7-Zip archive', 'sales/a.csv.7z'],
    ['a hidden zip', 'sales/.a.zip'],
    ['a key without an ending', 'sales/csv'],
  ])('skips %s', (_what, key) => {
    expect(isInputKey(key)).toBe(false);
  });
});

describe('isTempName', () => {
  it.each([
    ['a partial download', 'a.csv.part'],
    ['a partial copy', 'a.csv.partial'],
    ['a temp file', 'a.csv.tmp'],
    ['a Chrome download', 'a.csv.crdownload'],
    ['a Safari download', 'a.csv.download'],
    ['a vim swap file', 'a.csv.swp'],
    ['a WinSCP upload', 'a.csv.filepart'],
    ['an Office owner file', '~$a.csv'],
    ['a LibreOffice lock', '.~lock.a.csv#'],
    ['an rsync temp', '.a.csv.Xy12Zq'],
    ['our own temp', '.sluice-tmp-123-abcdef'],
    ['an upper-case ending', 'A.CSV.PART'],
  ])('takes %s (%j)', (_what, name) => {
    expect(isTempName(name)).toBe(true);
  });

  it.each(['a.csv', 'a.csv.gz', 'part.csv', 'tmp', 'a.tmp.csv', 'report~$.csv'])('leaves %j', (name) => {
    expect(isTempName(name)).toBe(false);
  });

  it('hides every key with a temp name among its segments', () => {
    // Act
    const hidden = ['sales/a.csv.part', 'sales/.rsync/a.csv', 'x.tmp/a.csv', 'sales/a.csv'].map(isHiddenKey);

    // Assess
    expect(hidden).toEqual([true, true, true, false]);
  });
});

describe('datasetOf', () => {
  it.each([
    ['sales/2024-03.csv', 'sales'],
    ['metrics/year=2024/month=01/a.csv', 'metrics'],
    ['Sales Data/a.csv', 'sales_data'],
    ['My File.csv', 'my_file'],
    ['x.csv.gz', 'x'],
    ['orders.TSV', 'orders'],
    ['!!!.csv', 'dataset'],
  ])('%j belongs to dataset %j', (key, expected) => {
    expect(datasetOf(key)).toBe(expected);
  });
});

describe('processedKeyFor', () => {
  it.each([
    ['sales/2024-03.csv', 'sales/2024-03.parquet'],
    ['metrics/year=2024/month=01/a.csv', 'metrics/year=2024/month=01/a.parquet'],
    ['x.csv.gz', 'x/x.parquet'],
    ['orders/a.tsv.gz', 'orders/a.parquet'],
    ['orders/a.tab.bz2', 'orders/a.parquet'],
    ['orders/A.PSV.ZSTD', 'orders/A.parquet'],
    ['orders/a.csv.zip', 'orders/a.parquet'],
    ['orders/a.zip', 'orders/a.parquet'],
    ['x.txt.xz', 'x/x.parquet'],
    ['Sales Data/a.csv', 'sales_data/a.parquet'],
  ])('%j is processed into %j', (rawKey, expected) => {
    expect(processedKeyFor(rawKey)).toBe(expected);
  });

  it('is the same key every time for the same raw key', () => {
    // Prepare
    const rawKey = 'sales/2024-03.csv';

    // Act
    const first = processedKeyFor(rawKey);
    const second = processedKeyFor(rawKey);

    // Assess
    expect(second).toBe(first);
  });
});

describe('partitionValuesOf', () => {
  it('reads hive partition folders between the dataset and the file', () => {
    // Act
    const values = partitionValuesOf('metrics/year=2024/month=01/a.csv');

    // Assess
    expect(values).toEqual({ year: '2024', month: '01' });
  });

  it('normalises partition names and decodes percent-encoded values', () => {
    // Act
    const values = partitionValuesOf('metrics/Region Name=New%20York/a.parquet');

    // Assess
    expect(values).toEqual({ region_name: 'New York' });
  });

  it('ignores folders that are not key=value and the dataset segment', () => {
    // Act
    const values = partitionValuesOf('year=2023/archive/=x/a.csv');

    // Assess
    expect(values).toEqual({});
  });

  it('keeps a "%" that starts no escape literally, as Hive does, instead of throwing', () => {
    // Prepare: validateKey accepts this key, and the crawl stage reads partitions from it.
    const key = 'metrics/discount=10%/a.parquet';

    // Act
    const values = () => partitionValuesOf(key);

    // Assess
    expect(values).not.toThrow();
    expect(partitionValuesOf(key)).toEqual({ discount: '10%' });
  });

  it('has no values for a file directly in its dataset', () => {
    expect(partitionValuesOf('sales/a.csv')).toEqual({});
  });
});

describe('folderLayoutOf', () => {
  it.each([
    ['a file at the top level of its dataset', 'sales/a.csv', ''],
    ['a file at the root of the zone', 'a.csv', ''],
    ['Hive-style folders', 'metrics/year=2024/month=03/a.csv', 'year=/month='],
    ['a plain folder', 'sales/archive/a.csv', '*'],
    ['two plain folders', 'sales/archive/2024/a.csv', '*/*'],
    ['a Hive folder under a plain one', 'metrics/old/year=2024/a.csv', '*/year='],
    ['a folder that starts with "="', 'metrics/=2024/a.csv', '*'],
  ])('gives %s: %j → %j', (_what, key, expected) => {
    expect(folderLayoutOf(key)).toBe(expected);
  });

  it('normalises partition names as partitionValuesOf does and ignores the values', () => {
    // Act
    const layouts = ['metrics/Year=2024/a.csv', 'metrics/year=1999/b.csv', 'metrics/Region Name=eu/a.csv', 'metrics/regionName=us/a.csv'].map(folderLayoutOf);

    // Assess
    expect(layouts).toEqual(['year=', 'year=', 'region_name=', 'region_name=']);
  });
});

describe('layoutWarning', () => {
  it('is undefined when every file has the same layout', () => {
    // Act
    const warning = layoutWarning('processed.metrics', ['metrics/year=2023/a.csv', 'metrics/Year=2024/b.csv', 'metrics/year=2025/c.csv']);

    // Assess
    expect(warning).toBeUndefined();
  });

  it('is undefined for files all at the top level, one file, or none', () => {
    expect(layoutWarning('processed.sales', ['sales/a.csv', 'sales/b.csv'])).toBeUndefined();
    expect(layoutWarning('processed.sales', ['sales/year=2024/a.csv'])).toBeUndefined();
    expect(layoutWarning('processed.sales', [])).toBeUndefined();
  });

  it('names the counts, the layouts and an example key, the largest group first', () => {
    // Act
    const warning = layoutWarning('processed.sales', ['sales/a.csv', 'sales/year=2024/b.csv', 'sales/year=2023/c.csv']);

    // Assess
    expect(warning).toBe(
      'files of processed.sales are at inconsistent folder depths: 2 at year=/ (e.g. sales/year=2024/b.csv); 1 at the top level (e.g. sales/a.csv). ' +
        'They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.',
    );
  });

  it('lists every layout, equal groups in the order their first file came', () => {
    // Act
    const warning = layoutWarning('final.m', ['m/x/a.csv', 'm/year=2024/month=01/b.csv', 'm/c.csv', 'm/year=2024/month=02/d.csv']);

    // Assess
    expect(warning).toBe(
      'files of final.m are at inconsistent folder depths: 2 at year=/month=/ (e.g. m/year=2024/month=01/b.csv); 1 at */ (e.g. m/x/a.csv); 1 at the top level (e.g. m/c.csv). ' +
        'They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.',
    );
  });

  it('tells different partition folders at the same depth apart', () => {
    // Act
    const warning = layoutWarning('processed.m', ['m/year=2024/a.csv', 'm/region=eu/b.csv']);

    // Assess
    expect(warning).toContain('1 at year=/ (e.g. m/year=2024/a.csv); 1 at region=/ (e.g. m/region=eu/b.csv)');
  });
});

describe('toIdentifier', () => {
  it.each([
    ['Café Größe', 'cafe_grosse'],
    ['naïve', 'naive'],
    ['Order ID', 'order_id'],
    ['orderID', 'order_id'],
    ['OrderID', 'order_id'],
    ['customerName', 'customer_name'],
    ['HTTPServer', 'http_server'],
    ['getHTTPResponse', 'get_http_response'],
    ['XMLHttpRequest', 'xml_http_request'],
    ['userId2', 'user_id2'],
    ['ID', 'id'],
    ['  Total Amount ($) ', 'total_amount'],
    ['2024 total', '2024_total'],
    ['a--b__c', 'a_b_c'],
    ['', ''],
    ['%%%', ''],
  ])('%j becomes %j', (text, expected) => {
    expect(toIdentifier(text)).toBe(expected);
  });
});

describe('toIdentifier for letters that are not accents', () => {
  it.each([
    ['Ærø', 'aero'],
    ['Łódź', 'lodz'],
    ['Þórr', 'thorr'],
  ])('transliterates %s', (text, expected) => {
    expect(toIdentifier(text)).toBe(expected);
  });
});

describe('compressionOf', () => {
  it.each([
    ['a.csv', undefined],
    ['a.csv.gz', 'gzip'],
    ['a.tab.bz2', 'bzip2'],
    ['a.txt.XZ', 'xz'],
    ['a.psv.zst', 'zstd'],
    ['a.csv.zstd', 'zstd'],
    ['a.csv.zip', 'zip'],
    ['a.ZIP', 'zip'],
  ])('%j is %j', (key, expected) => {
    expect(compressionOf(key)).toBe(expected);
  });
});
