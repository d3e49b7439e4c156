import { describe, expect, it } from 'vitest';
import { ByteOffsetLocator } from '../../src/core/dialect.js';
import { isMostlyUtf8, Utf8Counter } from '../../src/core/utf8.js';

/** Count `bytes` fed in chunks of `size` bytes, then the valid part before the first invalid sequence, as input.ts does. */
function count(bytes: Buffer, size: number): Utf8Counter {
  const counter = new Utf8Counter();
  for (let i = 0; i < bytes.length; i += size) counter.push(bytes.subarray(i, i + size));
  counter.end();
  if (counter.invalidSequences > 0) counter.countValid(bytes.subarray(0, counter.uncountedBytes));
  return counter;
}

describe('Utf8Counter', () => {
  const text = 'a,é,€,𝄞,Zürich,日本\n';

  it.each([1, 2, 3, 5, 1 << 20])('finds a valid text valid whatever the chunk size, without counting its characters (%i bytes)', (size) => {
    // Prepare
    const bytes = Buffer.from(text.repeat(3), 'utf8');

    // Act
    const c = count(bytes, size);

    // Assess
    expect({ valid: c.validSequences, invalid: c.invalidSequences, offsets: c.invalidOffsets, uncounted: c.uncountedBytes }).toEqual({
      valid: 0,
      invalid: 0,
      offsets: [],
      uncounted: bytes.length,
    });
  });

  it.each([1, 2, 3, 5, 1 << 20])('counts every valid character, before and after an invalid byte, whatever the chunk size (%i bytes)', (size) => {
    // Prepare: é € 𝄞 ü 日 本 per copy, three copies before a lone 0xFF and two after.
    const bytes = Buffer.concat([Buffer.from(text.repeat(3)), Buffer.from([0xff]), Buffer.from(text.repeat(2))]);

    // Act
    const c = count(bytes, size);

    // Assess
    expect({ valid: c.validSequences, invalid: c.invalidSequences, offsets: c.invalidOffsets }).toEqual({
      valid: 30,
      invalid: 1,
      offsets: [Buffer.byteLength(text.repeat(3))],
    });
  });

  it.each([1, 2, 4, 1 << 20])('finds each invalid sequence and its offset across chunk ends (%i bytes)', (size) => {
    // Prepare: a lone 0xE9, a truncated € (E2 82) before ASCII, an overlong C0 AF, a surrogate ED A0 80, a cut character at the end.
    const parts = [
      Buffer.from('é,'),
      Buffer.from([0xe9]),
      Buffer.from(','),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('x'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf0, 0x9d]),
    ];
    const bytes = Buffer.concat(parts);

    // Act
    const c = count(bytes, size);

    // Assess: WHATWG counting: E2 82 is one sequence, C0 and AF two, ED A0 80 three (A0 is out of range after ED), F0 9D one.
    expect(c.invalidOffsets).toEqual([3, 5, 8, 9, 10, 11, 12, 13]);
    expect(c.invalidSequences).toBe(8);
    expect(c.validSequences).toBe(1);
    expect(c.firstInvalidBytes).toBe('0xE9');
  });

  it('calls a text mostly UTF-8 only when its valid multi-byte characters outnumber its invalid sequences', () => {
    // Act & Assess
    expect(isMostlyUtf8({ validSequences: 0, invalidSequences: 0, invalidOffsets: [] })).toBe(true);
    expect(isMostlyUtf8({ validSequences: 50, invalidSequences: 1, invalidOffsets: [7] })).toBe(true);
    expect(isMostlyUtf8({ validSequences: 1, invalidSequences: 1, invalidOffsets: [7] })).toBe(false);
    expect(isMostlyUtf8({ validSequences: 0, invalidSequences: 30, invalidOffsets: [7] })).toBe(false);
  });
});

describe('ByteOffsetLocator', () => {
  it('names the record, field, start line and data row of byte offsets, skipping the header and rejected records', () => {
    // Prepare: record 3 (line 3) is rejected; record 4 spans lines 4-5.
    const text = 'id;note\n1;a\n2;b;extra\n3;"x\ny"\n4;z\n';
    const offsets = [text.indexOf('note'), text.indexOf('a'), text.indexOf('extra'), text.indexOf('y'), text.indexOf('z')];
    const locator = new ByteOffsetLocator(';', '"', true, new Set([3]), 0, offsets);

    // Act
    for (let i = 0; i < text.length; i += 4) locator.push(Buffer.from(text.slice(i, i + 4)));
    locator.end();

    // Assess
    expect(locator.located.map(({ record, field, line, row }) => ({ record, field, line, row }))).toEqual([
      { record: 1, field: 2, line: 1, row: undefined },
      { record: 2, field: 2, line: 2, row: 1 },
      { record: 3, field: 3, line: 3, row: undefined },
      { record: 4, field: 2, line: 4, row: 2 },
      { record: 5, field: 2, line: 6, row: 3 },
    ]);
  });
});
