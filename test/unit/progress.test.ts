import { describe, expect, it } from 'vitest';
import { pipelineProgress, progressLine, uploadProgress } from '../../src/cli/progress.js';

function stream(isTTY: boolean, columns = 80) {
  const written: string[] = [];
  return { written, s: { isTTY, columns, write: (t: string) => written.push(t) } };
}

describe('progressLine', () => {
  it('writes nothing where the stream is no terminal, or when the output is JSON', () => {
    // Prepare
    const pipe = stream(false);
    const json = stream(true);

    // Act
    for (const [t, enabled] of [
      [pipe, true],
      [json, false],
    ] as const) {
      const p = progressLine(t.s, enabled);
      p.update('uploading 1/2 files');
      p.done();
    }

    // Assess
    expect(pipe.written).toEqual([]);
    expect(json.written).toEqual([]);
  });

  it('rewrites one line on a terminal, cut to its width, and clears it at the end', () => {
    // Prepare
    const tty = stream(true, 30);
    const p = progressLine(tty.s, true);

    // Act
    p.update('processing: 1/2 files done (0 quarantined, 0 failed), 120 rows written');
    p.update('too soon to redraw');
    p.done();

    // Assess
    expect(tty.written).toEqual(['\r\x1b[2Kprocessing: 1/2 files done (…', '\r\x1b[2K']);
  });
});

describe('progress texts', () => {
  it('count files, bytes and rows', () => {
    // Act
    const upload = uploadProgress(3, 10, 12.34 * 1024 * 1024, 40 * 1024 * 1024);
    const pipeline = pipelineProgress([
      { state: 'done', rowsWritten: 1_234_000, rowsRejected: 0, rejectedCells: 0, duplicates: 0, table: 'processed.a' },
      { state: 'done', rowsWritten: 567, rowsRejected: 0, rejectedCells: 0, duplicates: 0, table: 'processed.a' },
      { state: 'quarantined', reason: 'empty' },
      { state: 'pending', stage: 'preprocess' },
      { state: 'pending', stage: 'crawl' },
      { state: 'pending' },
    ]);

    // Assess
    expect(upload).toBe('uploading 3/10 files, 12.3 of 40.0 MB');
    expect(pipeline).toBe('processing: 3/6 files done (1 quarantined, 0 failed), 1,234,567 rows written; 3 waiting (preprocess, crawl)');
  });
});
