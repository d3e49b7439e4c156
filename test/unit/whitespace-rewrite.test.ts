/**
 * The streaming rewrites of whitespace-separated text (src/stages/preprocess/input.ts),
 * fed in every chunk size from one byte up, so line breaks (CRLF split between
 * chunks too) and multi-byte characters fall on chunk edges.
 */

import type { Transform } from 'node:stream';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { markWhitespaceFields, type WhitespaceLayout, whitespaceToTabs } from '../../src/core/dialect.js';
import { MarkWhitespaceFields, WhitespaceToTabs } from '../../src/stages/preprocess/input.js';

/** The bytes `transform` makes of `input` fed in chunks of `size` bytes. */
async function through(transform: Transform, input: Buffer, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  const out: Buffer[] = [];
  for await (const piece of Readable.from(chunks).pipe(transform)) out.push(piece as Buffer);
  return Buffer.concat(out);
}

const RUNS: WhitespaceLayout = { kind: 'runs', columns: 3 };
const ALIGNED: WhitespaceLayout = { kind: 'aligned', columns: 3, starts: [0, 5, 16] };

describe('WhitespaceToTabs', () => {
  it.each([
    ['LF', '\n', true],
    ['CRLF', '\r\n', true],
    ['CR', '\r', true],
    ['LF, no break after the last line', '\n', false],
    ['CRLF, no break after the last line', '\r\n', false],
  ])('rewrites %s text line for line whatever the chunk size', async (_what, eol, lastBreak) => {
    // Prepare
    const lines = ['id   city       value', '1    Zoë Köln   3.5', '', '2    Łódź       4', '3    Crème      12'];
    const text = lines.join(eol) + (lastBreak ? eol : '');
    const expected = lines.map((l) => whitespaceToTabs(l, ALIGNED)).join('\n') + (lastBreak ? '\n' : '');

    for (let size = 1; size <= 9; size++) {
      // Act
      const out = await through(new WhitespaceToTabs(ALIGNED), Buffer.from(text, 'utf8'), size);

      // Assess
      expect(out.toString('utf8'), `chunks of ${size}`).toBe(expected);
    }
  });

  it('rewrites a long line arriving in many chunks once', async () => {
    // Prepare: a 200 KB value in the middle column.
    const long = 'x'.repeat(200_000);
    const text = `a b c\n1 ${long} 2\n3 y 4\n`;

    // Act
    const out = await through(new WhitespaceToTabs(RUNS), Buffer.from(text, 'utf8'), 4096);

    // Assess
    expect(out.toString('utf8')).toBe(`a\tb\tc\n1\t${long}\t2\n3\ty\t4\n`);
  });
});

describe('MarkWhitespaceFields', () => {
  it('marks field breaks in place: same length, same line breaks, whatever the chunk size', async () => {
    // Prepare: CRLF and LF lines, multi-byte characters and an invalid byte (0xE9).
    const input = Buffer.concat([
      Buffer.from('id   name  value\r\n1    Zoë   3.5\n2    Ren', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('   4\r\n3    "a b" 5', 'utf8'),
    ]);
    const expected = Buffer.concat(
      input
        .toString('latin1')
        .split(/(\r|\n)/)
        .map((part) => Buffer.from(part === '\r' || part === '\n' ? part : markWhitespaceFields(part, RUNS), 'latin1')),
    );

    for (let size = 1; size <= 9; size++) {
      // Act
      const out = await through(new MarkWhitespaceFields(RUNS), input, size);

      // Assess
      expect(out.length, `chunks of ${size}`).toBe(input.length);
      expect(out.equals(expected), `chunks of ${size}`).toBe(true);
      expect([...out].filter((b) => b === 9)).toHaveLength(8);
    }
  });
});
