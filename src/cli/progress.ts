/**
 * A progress line for long CLI work: rewritten in place on a terminal, at most
 * every REDRAW_MS, and cleared when the work ends. Where the stream is not a
 * terminal (a pipe, a file, CI) or the output is JSON, nothing is written, so
 * the command's output stays machine-readable.
 */
import type { FileOutcome } from '../stages/chain.js';

const REDRAW_MS = 200;

export interface Progress {
  update(text: string): void;
  /** Clear the line (the command's own output follows). */
  done(): void;
}

export function progressLine(stream: { isTTY?: boolean; columns?: number; write(text: string): unknown }, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      shown = true;
      // A terminal that reports no width (0) gets 80 columns.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

const MB = 1024 * 1024;

/** `uploading 3/10 files, 12.3 of 40.0 MB` */
export function uploadProgress(files: number, total: number, bytes: number, totalBytes: number): string {
  return `uploading ${files}/${total} files, ${(bytes / MB).toFixed(1)} of ${(totalBytes / MB).toFixed(1)} MB`;
}

/** `processing: 4/10 files done (1 quarantined, 0 failed), 1,234,567 rows written; 6 waiting (preprocess)` */
export function pipelineProgress(outcomes: Iterable<FileOutcome>): string {
  let done = 0;
  let quarantined = 0;
  let failed = 0;
  let rows = 0;
  let waiting = 0;
  const stages = new Set<string>();
  for (const o of outcomes) {
    if (o.state === 'done') {
      done++;
      rows += o.rowsWritten;
    } else if (o.state === 'quarantined') quarantined++;
    else if (o.state === 'failed') failed++;
    else if (o.state === 'pending') {
      waiting++;
      if (o.stage) stages.add(o.stage);
    }
  }
  const finished = done + quarantined + failed;
  const total = finished + waiting;
  return `processing: ${finished}/${total} files done (${quarantined} quarantined, ${failed} failed), ${rows.toLocaleString('en-US')} rows written${
    waiting ? `; ${waiting} waiting${stages.size ? ` (${[...stages].join(', ')})` : ''}` : ''
  }`;
}
