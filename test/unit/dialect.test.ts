import { describe, expect, it } from 'vitest';
import { CsvRecordChecker, detectDialect, parseRecords, RecordLineScanner } from '../../src/core/dialect.js';

describe('detectDialect', () => {
  it.each([
    ['comma', ',', 'id,name,amount\n1,Ann,10.5\n2,Bob,20\n3,Cy,7\n'],
    ['semicolon', ';', 'id;name;amount\n1;Ann;10,5\n2;Bob;20,25\n3;Cy;7\n'],
    ['tab', '\t', 'id\tname\tamount\n1\tAnn\t10\n2\tBob\t20\n'],
    ['pipe', '|', 'id|name|amount\n1|Ann|10\n2|Bob|20\n3|Cy|7\n4|Di|1\n'],
  ])('picks the %s delimiter on a small sample', (_name, delimiter, sample) => {
    // Act
    const dialect = detectDialect(sample, true);

    // Assess
    expect(dialect.delimiter).toBe(delimiter);
    expect(dialect.columns).toBe(3);
    expect(dialect.quote).toBe('"');
    expect(dialect.escape).toBe('"');
  });

  it('does not count delimiters inside quoted fields', () => {
    // Prepare: unquoted, ';' would split every data row into three fields.
    const sample = 'id,note\n1,"a;b;c"\n2,"x;y;z"\n3,"p;q;r"\n';

    // Act
    const dialect = detectDialect(sample, true);

    // Assess
    expect(dialect.delimiter).toBe(',');
    expect(dialect.columns).toBe(2);
  });

  it('picks ";" when commas appear only inside quotes', () => {
    // Act
    const dialect = detectDialect('id;note\n1;"a,b,c,d"\n2;"x,y,z,w"\n3;"e,f,g,h"\n', true);

    // Assess
    expect(dialect.delimiter).toBe(';');
    expect(dialect.columns).toBe(2);
  });

  it('keeps a quoted newline inside one record', () => {
    // Prepare: the second record spans two lines.
    const sample = 'id|note|n\n1|"line one\nline two"|3\n2|plain|4\n';

    // Act
    const dialect = detectDialect(sample, true);

    // Assess
    expect(dialect.delimiter).toBe('|');
    expect(dialect.columns).toBe(3);
  });

  it('reads a first row of names as a header', () => {
    // Act
    const dialect = detectDialect('name,city\nAnn,Paris\nBob,Rome\n', true);

    // Assess
    expect(dialect.header).toBe(true);
  });

  it('reads a first row of numbers as data', () => {
    // Act
    const dialect = detectDialect('1,2,3\n4,5,6\n7,8,9\n', true);

    // Assess
    expect(dialect.header).toBe(false);
    expect(dialect.columns).toBe(3);
  });

  it.each([
    ['a date', '2024-01-01,Ann\n2024-01-02,Bob\n'],
    ['an amount', 'Ann,$12.50\nBob,$3.00\n'],
    ['a boolean', 'Ann,true\nBob,false\n'],
  ])('reads a first row with %s as data', (_what, sample) => {
    expect(detectDialect(sample, true).header).toBe(false);
  });

  it('assumes a header when a blank name stands beside names (an index column)', () => {
    // Act
    const dialect = detectDialect(',name,city\n0,Ann,Paris\n1,Bob,Rome\n', true);

    // Assess
    expect(dialect.header).toBe(true);
    expect(dialect.columns).toBe(3);
  });

  it('ignores the last, possibly cut, line of a partial sample', () => {
    // Prepare: the last record was cut mid-way by the sample size.
    const sample = 'a;b;c\n1;2;3\n4;5;6\n7;8';

    // Act
    const dialect = detectDialect(sample, false);

    // Assess
    expect(dialect.delimiter).toBe(';');
    expect(dialect.columns).toBe(3);
  });

  it('falls back to a comma and a header for a single column', () => {
    // Act
    const dialect = detectDialect('name\nAnn\nBob\n', true);

    // Assess
    expect(dialect).toEqual({ delimiter: ',', quote: '"', escape: '"', header: true, columns: 1, skipLines: 0 });
  });
});

describe('parseRecords', () => {
  it('turns doubled quotes into one quote', () => {
    // Act
    const records = parseRecords('a,b\n"say ""hi""",2\n', ',');

    // Assess
    expect(records).toEqual([
      ['a', 'b'],
      ['say "hi"', '2'],
    ]);
  });

  it('splits CRLF records and keeps CRLF inside quotes', () => {
    // Act
    const records = parseRecords('a,b\r\n1,2\r\n"x\r\ny",3\r\n', ',');

    // Assess
    expect(records).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['x\r\ny', '3'],
    ]);
  });

  it('splits records on a lone CR', () => {
    expect(parseRecords('a,b\r1,2\r', ',')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps delimiters inside quotes and empty fields', () => {
    // Act
    const records = parseRecords('"a,b",,c\n', ',');

    // Assess
    expect(records).toEqual([['a,b', '', 'c']]);
  });

  it('keeps the last record without a newline when the sample is complete', () => {
    expect(parseRecords('a,b\n1,2', ',', '"', true)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('drops the last record without a newline when the sample is partial', () => {
    expect(parseRecords('a,b\n1,2\n3,', ',', '"', false)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('skips blank lines', () => {
    expect(parseRecords('a,b\n\n1,2\n', ',')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('stops after maxRecords', () => {
    // Act
    const records = parseRecords('1\n2\n3\n4\n', ',', '"', true, 2);

    // Assess
    expect(records).toEqual([['1'], ['2']]);
  });

  it('treats a quote in the middle of a field as text', () => {
    expect(parseRecords('x"y",z\n', ',')).toEqual([['x"y"', 'z']]);
  });
});

describe('detectDialect with repeated header names', () => {
  it('keeps a header whose names repeat (normalizeHeaders numbers them)', () => {
    expect(detectDialect('id,a,a\n1,2,3\n4,5,6\n', true).header).toBe(true);
  });
});

describe('RecordLineScanner', () => {
  it('maps accepted rows and rejected records to the physical line they start on', () => {
    // line 1 header; row 1 spans lines 2-3; line 4 blank; record "2,3,4" (rejected by DuckDB as record 4) on line 5;
    // row 2 on line 6 (CRLF); a final row without a newline on line 7.
    const text = 'a,b\n1,"x\ny"\n\n2,3,4\r\n5,6\r\n7,8';
    const scanner = new RecordLineScanner(true, new Set([4]), new Set([1, 2, 3]));

    for (const chunk of [text.slice(0, 7), text.slice(7, 13), text.slice(13)]) scanner.push(chunk);
    scanner.end();

    expect(Object.fromEntries(scanner.rowLines)).toEqual({ 1: 2, 2: 6, 3: 7 });
    expect(Object.fromEntries(scanner.recordLines)).toEqual({ 4: 5 });
  });

  it('counts rows from the first line when there is no header', () => {
    const scanner = new RecordLineScanner(false, new Set(), new Set([1, 3]));
    scanner.push('1,2\n3,4\n5,6\n');
    scanner.end();
    expect(Object.fromEntries(scanner.rowLines)).toEqual({ 1: 1, 3: 3 });
  });
});

describe('CsvRecordChecker', () => {
  function check(text: string, columns: number, header = true, chunk = 5) {
    const checker = new CsvRecordChecker(',', '"', columns, header);
    for (let i = 0; i < text.length; i += chunk) checker.push(text.slice(i, i + chunk));
    checker.end();
    return checker;
  }

  it('counts good rows and lists ragged ones with their record number and text, across chunks', () => {
    const c = check('a,b,c\n1,2,3\n4,5\n6,7,8,9\n"x\ny",2,3\n\n10,11,12,\n', 3);

    expect(c.accepted).toBe(3);
    expect(c.rejected).toEqual([
      { record: 3, errorType: 'MISSING COLUMNS', message: 'Expected Number of Columns: 3 Found: 2', text: '4,5' },
      { record: 4, errorType: 'TOO MANY COLUMNS', message: 'Expected Number of Columns: 3 Found: 4', text: '6,7,8,9' },
    ]);
  });

  it('reports a quote that never closes', () => {
    const c = check('a,b\n1,2\n3,"open\n4,5\n', 2);

    expect(c.accepted).toBe(1);
    expect(c.rejected).toEqual([{ record: 3, errorType: 'UNQUOTED VALUE', message: 'Value with unterminated quote found.', text: '3,"open\n4,5\n' }]);
  });

  it('stops listing after maxRejects and says the list is incomplete', () => {
    const checker = new CsvRecordChecker(',', '"', 2, false, 0, 2);
    checker.push('1\n2\n3\n4,5\n');
    checker.end();
    expect(checker.rejected).toHaveLength(2);
    expect(checker.overflow).toBe(true);
    expect(checker.accepted).toBe(1);
  });
});

describe('detectDialect with lines above the table', () => {
  it('skips a title, notes and blank lines narrower than the table', () => {
    const d = detectDialect('Quarterly export\nAll amounts in EUR\n\nid;name;amount\n1;a;2\n3;b;4\n', true);
    expect(d).toMatchObject({ delimiter: ';', header: true, columns: 3, skipLines: 3 });
  });

  it('skips nothing when the first line is as wide as the table', () => {
    expect(detectDialect('id,name\n1,a\n2,b\n', true).skipLines).toBe(0);
  });
});

describe('detectDialect with an Excel sep= line', () => {
  it('takes the delimiter from it and skips it', () => {
    expect(detectDialect('sep=;\r\nid;name\r\n1;a\r\n', true)).toEqual({ delimiter: ';', quote: '"', escape: '"', header: true, columns: 2, skipLines: 1 });
  });
});
