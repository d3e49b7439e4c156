import { describe, expect, it } from 'vitest';
import {
  CsvRecordChecker,
  decideHeader,
  detectDialect,
  markWhitespaceFields,
  parseRecords,
  RecordLineScanner,
  whitespaceToTabs,
} from '../../src/core/dialect.js';

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
    ['numbers in scientific notation', '5.099999999999999645e+00,3.5E+00\n4.9e+00,-3.0e-01\n'],
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
    expect(dialect).toEqual({
      delimiter: ',',
      quote: '"',
      escape: '"',
      header: true,
      columns: 1,
      skipLines: 0,
      headerReason: 'no delimiter splits the lines: one column, its first line the name',
    });
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
    expect(detectDialect('sep=;\r\nid;name\r\n1;a\r\n', true)).toEqual({
      delimiter: ';',
      quote: '"',
      escape: '"',
      header: true,
      columns: 2,
      skipLines: 1,
      headerReason: 'no name in the first row looks like a value (a number, date or boolean)',
      skipReason: 'an Excel "sep=" line names the delimiter',
    });
  });
});

/** Lines joined with LF, ending with one. */
function lines(...ls: string[]): string {
  return ls.map((l) => `${l}\n`).join('');
}

describe('detectDialect with numbers as column names', () => {
  it('takes a World Bank wide table (title lines, quoted years, a trailing comma) as a header of years', () => {
    // Prepare: the layout of the World Bank's API_*.csv downloads.
    const sample = lines(
      '"Data Source","World Development Indicators",',
      '',
      '"Last Updated Date","2024-06-28",',
      '',
      '"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","1962","1963",',
      '"Aruba","ABW","Population, total","SP.POP.TOTL","54608","55811","56682","57475",',
      '"Africa Eastern and Southern","AFE","Population, total","SP.POP.TOTL","130692579","134169237","137835590","141630546",',
      '"Afghanistan","AFG","Population, total","SP.POP.TOTL","8622466","8790140","8969047","9157465",',
    );

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', header: true, columns: 9, skipLines: 4 });
    expect(d.headerReason).toMatch(/numbers \(1960 … 1963\) run in even steps/);
    expect(d.skipReason).toMatch(/4 lines above the table narrower than it/);
  });

  it.each([
    ['years above growing counts', 'Region,2019,2020,2021\nNorth,1200,1350,1400\nSouth,800,810,905\n'],
    ['years above decimals and blanks', 'country,code,1990,1991,1992\nAruba,ABW,,2.5,3.25\nChad,TCD,1.5,,4.75\n'],
    ['falling years', 'indicator,2023,2022,2021\nrate,5.1,4.9,\nshare,0.3,0.2,0.4\n'],
    ['wavelengths, all numbers, above decimals', '400,410,420,430\n0.12,0.15,0.19,0.2\n0.3,0.31,0.35,0.32\n'],
    ['uneven years above decimals', 'id,2019,2020,2022\n1,2.5,3.1,4.0\n2,1.5,1.75,2\n'],
    ['ages in fives', 'sex,0,5,10,15\nF,120,98,87,101\nM,130,99,91,97\n'],
  ])('takes %s as a header', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.header).toBe(true);
    expect(d.headerReason).toMatch(/first row's (whole )?numbers/);
  });

  it.each([
    ['a numeric matrix', '1,2,3\n4,5,6\n7,8,9\n'],
    ['rows that are sequences too', '10,20,30,40\n11,21,31,41\n12,22,32,42\n'],
    ['ordered whole numbers above whole numbers', '1,5,7\n2,3,1\n3,8,2\n'],
    ['a sparse row of numbers', '1,2,3\n2,,1\n5,3,9\n'],
    ['ordered numbers above rows in order', '1,2.5,3.5\n2,3.5,4.5\n3,4.5,5.5\n'],
    ['a missing-value spelling above numbers', 'NA,3\n1,4\n2,5\n'],
  ])('reads %s as data', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.header).toBe(false);
    expect(d.headerReason).toMatch(/holds a value/);
  });

  it('takes a text name above a column of values as a header even beside numbers', () => {
    // Act
    const decided = decideHeader(
      ['station', '7'],
      [
        ['12.5', '3'],
        ['14', '4'],
      ],
    );

    // Assess
    expect(decided).toEqual({ header: true, reason: '"station" stands above a column of values' });
  });
});

describe('detectDialect with a line of counts above the header', () => {
  it.each([
    ['padded to the width (scikit-learn boston_house_prices.csv)', '506,13,,,,\n'],
    ['not padded', '506,13\n'],
    ['three counts, padded', '506,13,2,,,\n'],
  ])('skips it, %s, and reports it', (_what, counts) => {
    // Prepare
    const sample = `${counts}CRIM,ZN,INDUS,CHAS,NOX,MEDV\n0.00632,18,2.31,0,0.538,24\n0.02731,0,7.07,0,0.469,21.6\n`;

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', header: true, columns: 6, skipLines: 1 });
    expect(d.skipReason).toMatch(/counts.* \(506, 13(, 2)?\): metadata, not data/);
  });

  it.each([
    ['iris.csv: rows and features, then class names, above headerless rows', (n: number) => `${n},4,setosa,versicolor,virginica`, 150, 5, false],
    ['wine_data.csv shape: rows and features, a header below', (n: number) => `${n},3,class_0,class_1`, 20, 4, true],
  ])('skips a line giving the table size (scikit-learn %s)', (_what, first, rows, width, header) => {
    // Prepare: `width` columns, the last a class number.
    const body = Array.from({ length: rows }, (_, i) =>
      Array.from({ length: width }, (_, j) => (j === width - 1 ? String(i % 3) : `${i + 1}.${j + 1}`)).join(','),
    );
    const names = Array.from({ length: width }, (_, j) => `f${j}`).join(',');
    const sample = lines(first(rows), ...(header ? [names] : []), ...body);

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', header, columns: width, skipLines: 1 });
    expect(d.skipReason).toBe(`skipped a line giving the table's size (${rows} rows, ${width - 1} columns): metadata, not data`);
  });

  it('keeps a first row whose first numbers only happen to be small', () => {
    // Act: 1 row below, but 2 is no count of the columns (3).
    const d = detectDialect('1,2,9.5\n2,3,8.5\n', true);

    // Assess
    expect(d).toMatchObject({ header: false, skipLines: 0 });
  });

  it('keeps a sparse first data row when no header follows it', () => {
    // Act
    const d = detectDialect('1,2,,\n3,4,5,6\n7,8,9,10\n', true);

    // Assess
    expect(d).toMatchObject({ header: false, skipLines: 0 });
    expect(d.skipReason).toBeUndefined();
  });
});

describe('detectDialect with "#" lines', () => {
  it.each([
    ['"#id"', '#id,name,value\n1,a,2.5\n2,b,3\n', ','],
    ['"# id" in TSV', '# id\tname\tvalue\n1\ta\t2.5\n2\tb\t3\n', '\t'],
    ['"#  id" with semicolons', '#  id;name;value\n1;a;2,5\n2;b;3\n', ';'],
  ])('takes a %s line above the rows as the header', (_what, sample, delimiter) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter, header: true, hashHeader: true, columns: 3, skipLines: 0 });
  });

  it.each([
    ['from the first line', '#ff0000,red\n#00ff00,green\n#0000ff,blue\n'],
    ['under a header', 'colour,name\n#ff0000,red\n#00ff00,green\n'],
  ])('reads lines that start with "#" (colour codes) %s as records, not comments', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', columns: 2, skipLines: 0 });
    expect(d.hashHeader).toBeUndefined();
    expect(d.skipReason).toBeUndefined();
  });

  it('takes the only "#" line above rows of names as the header (names, no prose)', () => {
    expect(detectDialect('#name,city\nAnn,Paris\nBob,Rome\n', true)).toMatchObject({ header: true, hashHeader: true, skipLines: 0 });
  });

  it('takes the last "#" line of a comment block as the header when the rows below hold values (VCF style)', () => {
    // Act
    const d = detectDialect('##fileformat=VCFv4.2\n##source=test\n#CHROM\tPOS\tID\n1\t100\trs1\n1\t200\trs2\n', true);

    // Assess
    expect(d).toMatchObject({ delimiter: '\t', header: true, hashHeader: true, columns: 3, skipLines: 2 });
    expect(d.skipReason).toBe('skipped 2 "#" comment lines');
  });

  it.each([
    ['above a header', '# exported by tool, v2\n# units: m, s\nid,name\n1,a\n2,b\n'],
    ['one, as wide as the table, above a header', '# exported by the nightly tool, v2\nid,name\n1,a\n2,b\n'],
    ['also among the rows', '#id,name\n1,a\n# checkpoint\n2,b\n'],
  ])('keeps "#" lines as comments when they are %s', (what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.hashHeader).toBeUndefined();
    if (what === 'also among the rows') expect(d).toMatchObject({ header: false, skipLines: 1 });
    else expect(d).toMatchObject({ header: true, columns: 2, skipLines: sample.startsWith('# exported by tool') ? 2 : 1 });
  });
});

describe('detectDialect with columns separated by whitespace', () => {
  it.each([
    ['runs of spaces', 'id   name     value\n1    alpha    3.5\n2    beta     4\n'],
    ['single spaces', 'id name value\n1 alpha 3.5\n2 beta 4\n'],
    ['tabs and spaces mixed', 'id\t name  value\n1 \talpha\t3.5\n2  beta 4\n'],
    ['indented lines', '  id  name  value\n  1   alpha 3.5\n  2   beta  4\n'],
  ])('splits %s on runs of whitespace', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: '\t', header: true, columns: 3, skipLines: 0, whitespace: { kind: 'runs', columns: 3 } });
  });

  it('splits aligned columns whose values hold single spaces at their fixed positions', () => {
    // Prepare
    const sample = lines('id   city          value', '1    New York      3.5', '2    Boston        4', '3    Los Angeles   12');

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: '\t', header: true, columns: 3, whitespace: { kind: 'aligned', columns: 3, starts: [0, 5, 19] } });
    expect(sample.split('\n').map((l) => (d.whitespace ? whitespaceToTabs(l, d.whitespace) : l))).toEqual([
      'id\tcity\tvalue',
      '1\tNew York\t3.5',
      '2\tBoston\t4',
      '3\tLos Angeles\t12',
      '',
    ]);
  });

  it('splits right-aligned columns (pandas to_string) and keeps a blank cell empty', () => {
    // Prepare
    const sample = lines(' id         city  value', '  1     New York    3.5', '  2  Los Angeles       ', '  3       Boston    7.25');

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.whitespace?.kind).toBe('aligned');
    expect(sample.split('\n').map((l) => (d.whitespace ? whitespaceToTabs(l, d.whitespace) : l))).toEqual([
      'id\tcity\tvalue',
      '1\tNew York\t3.5',
      '2\tLos Angeles\t',
      '3\tBoston\t7.25',
      '',
    ]);
  });

  it('keeps quoted values whole (R write.table)', () => {
    // Act
    const d = detectDialect('"id" "city" "value"\n"1" "New York" 3.5\n"2" "Rome" 4\n', true);

    // Assess
    expect(d.whitespace).toEqual({ kind: 'runs', columns: 3 });
    expect(whitespaceToTabs('"1" "New York" 3.5', { kind: 'runs', columns: 3 })).toBe('"1"\t"New York"\t3.5');
  });

  it('leaves a line with text in a gutter as it is (it reads as one field, a short row)', () => {
    expect(whitespaceToTabs('4    San Francisco 9', { kind: 'aligned', columns: 3, starts: [0, 5, 19] })).toBe('4    San Francisco 9');
  });

  it('keeps the "#" of a header on its first name', () => {
    expect(whitespaceToTabs('# id  name', { kind: 'runs', columns: 2 })).toBe('#id\tname');
  });

  it.each([
    ['a TSV whose values hold spaces', 'id\tcity\n1\tNew York\n2\tLos Angeles\n', '\t'],
    ['a CSV with a space after each comma', 'a, b, c\n1, 2, 3\n4, 5, 6\n', ','],
    ['a CSV whose values hold spaces', 'name,city\nAnn Lee,New York\nBob,Rome\n', ','],
  ])('keeps %s on its delimiter', (_what, sample, delimiter) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.delimiter).toBe(delimiter);
    expect(d.whitespace).toBeUndefined();
  });

  it('splits a table of numbers on runs of spaces though one line in ten or more splits otherwise', () => {
    // Prepare
    const rows = Array.from({ length: 12 }, (_, i) => `${i + 1}  x${i}  ${i}.5`);
    const sample = lines('id  name  value', ...rows.slice(0, 5), '6  two words  6.5', ...rows.slice(6));

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d.whitespace).toEqual({ kind: 'runs', columns: 3 });
  });

  it.each([
    ['without a header', '2024-03-01 10:00:00\n2024-03-01 10:05:00\n2024-03-01 10:10:30\n'],
    ['under a one-word header', `observed_at\n${Array.from({ length: 12 }, (_, i) => `2024-03-01 10:${String(i).padStart(2, '0')}`).join('\n')}\n`],
  ])('keeps lines of timestamps %s as one column', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', columns: 1, skipLines: 0 });
    expect(d.whitespace).toBeUndefined();
  });

  it('splits a date and a time into two columns when the header names them', () => {
    expect(detectDialect('date time value\n2024-03-01 10:00 5\n2024-03-02 11:30 6\n', true).whitespace).toEqual({ kind: 'runs', columns: 3 });
  });

  it('takes a "#" header of aligned columns, the mark blanked in place so the columns keep their positions', () => {
    // Prepare
    const sample = lines('# id  city          value', '  1   New York      3.5', '  2   Los Angeles   12');

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ header: true, hashHeader: true, columns: 3, whitespace: { kind: 'aligned', columns: 3 } });
    expect(sample.split('\n').map((l) => (d.whitespace ? whitespaceToTabs(l, d.whitespace) : l))).toEqual([
      '#id\tcity\tvalue',
      '1\tNew York\t3.5',
      '2\tLos Angeles\t12',
      '',
    ]);
  });

  it('keeps a "#" line of prose above a whitespace-separated header as a comment', () => {
    // Act
    const d = detectDialect('# generated by sluice\nid name value\n1 a 2.5\n2 b 3\n', true);

    // Assess
    expect(d).toMatchObject({ header: true, columns: 3, skipLines: 1, skipReason: 'skipped 1 "#" comment line' });
    expect(d.hashHeader).toBeUndefined();
  });

  it('takes a "#" line above whitespace-separated rows as the header', () => {
    // Act
    const d = detectDialect('# id  name   value\n1   alpha  3.5\n2   beta   4\n', true);

    // Assess
    expect(d).toMatchObject({ header: true, hashHeader: true, columns: 3, skipLines: 0, whitespace: { kind: 'runs', columns: 3 } });
  });

  it('keeps lines of words as one column though most of them hold two words', () => {
    // Prepare: a list of names, one with three words; no column of values.
    const names = ['Ann Lee', 'Bob Ray', 'Cy Young', 'Di Fox', 'Ed Wu', 'Flo Mae', 'Gus Orr', 'Hal Ito', 'Ida Bell', 'Jo Kim', 'Kay Lynn Poe'];
    const sample = lines('full name', ...names);

    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ columns: 1, header: true });
    expect(d.whitespace).toBeUndefined();
    expect(d.warning).toMatch(/^read as one column/);
  });

  it.each([
    ['a headerless list of names', 'Ann Lee\nBob Ray\nCy Young\nDee Dee\n'],
    ['a list of names under a two-word header', 'full name\nAnn Lee\nBob Ray\nCy Young\n'],
    ['phrases of three words', 'red sky morning\nblue sea evening\ngreen field noon\n'],
  ])('keeps %s, words set apart by single spaces with no values among them, one column', (_what, sample) => {
    // Act
    const d = detectDialect(sample, true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', columns: 1 });
    expect(d.whitespace).toBeUndefined();
  });

  it('reads lines that no whitespace splits consistently as one column and says why', () => {
    // Act
    const d = detectDialect('name\nAnn Lee\nBob Ray Jr\nCy Young\n', true);

    // Assess
    expect(d).toMatchObject({ delimiter: ',', columns: 1, header: true });
    expect(d.whitespace).toBeUndefined();
    expect(d.warning).toMatch(/read as one column: .*differing numbers of fields \(1 to 3\)/);
  });
});

describe('markWhitespaceFields', () => {
  /** A line's UTF-8 bytes as a Latin-1 string (a character a byte), as the marking reads them. */
  const bytesOf = (line: string | Buffer) => (typeof line === 'string' ? Buffer.from(line, 'utf8') : line).toString('latin1');

  it.each([
    ['runs of spaces', '1    alpha   3.5', { kind: 'runs', columns: 3 } as const],
    ['a quoted value with spaces', '"1"  "New York" 3.5', { kind: 'runs', columns: 3 } as const],
    ['a "#" header', '#  id   name  value', { kind: 'runs', columns: 3 } as const],
    ['aligned columns after multi-byte characters', 'Zoë  Köln    3.5', { kind: 'aligned', columns: 3, starts: [0, 5, 13] } as const],
    ['aligned columns after an emoji (two UTF-16 units)', '🙂   Rome     4', { kind: 'aligned', columns: 3, starts: [0, 5, 13] } as const],
  ])('marks the field breaks of %s in place, as many as whitespaceToTabs makes', (_what, line, layout) => {
    // Act
    const marked = markWhitespaceFields(bytesOf(line), layout);

    // Assess
    expect(marked.length).toBe(bytesOf(line).length);
    expect(marked.split('\t').length).toBe(whitespaceToTabs(line, layout).split('\t').length);
    // The same fields, up to the spaces whitespaceToTabs trims (and those after a "#" mark).
    const fields = Buffer.from(marked, 'latin1')
      .toString('utf8')
      .split('\t')
      .map((f) => f.trim().replace(/^#\s*/, '#'));
    expect(fields).toEqual(whitespaceToTabs(line, layout).split('\t'));
  });

  it('counts an invalid byte as one character and keeps it', () => {
    // Prepare: "Ren" + 0xE9 (Latin-1 é), aligned.
    const line = Buffer.concat([Buffer.from('1  Ren', 'utf8'), Buffer.from([0xe9]), Buffer.from('    3.5', 'utf8')]);

    // Act
    const marked = Buffer.from(markWhitespaceFields(bytesOf(line), { kind: 'aligned', columns: 3, starts: [0, 3, 11] }), 'latin1');

    // Assess
    expect(marked.length).toBe(line.length);
    expect(marked[6]).toBe(0xe9);
    expect([...marked].filter((b) => b === 9)).toHaveLength(2);
  });

  it('leaves a line with text in a gutter as it is', () => {
    expect(markWhitespaceFields('4    San Francisco 9', { kind: 'aligned', columns: 3, starts: [0, 5, 19] })).toBe('4    San Francisco 9');
  });
});
