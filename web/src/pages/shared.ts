/** Pieces several pages show: stage chips, failure checks, raw-key detection. */
import type { StageStatus } from '../api';
import { el } from '../dom';
import * as fmt from '../format';

const FAILED = new Set(['failed', 'quarantined']);

/** A run status or file state that deserves red. */
export function isFailure(status: string): boolean {
  return FAILED.has(status);
}

/** The stages a file went through, each with its status and time; or the one it is at. */
export function stageChips(stages: StageStatus[], current?: string): HTMLElement {
  if (stages.length === 0) return el('span', { class: 'muted' }, current ?? '—');
  return el(
    'span',
    { class: 'stages' },
    ...stages.map((s) =>
      el(
        'span',
        {
          class: `chip state-${s.status.replace(/[^a-z_-]/gi, '')}`,
          title: `${s.stage}: ${s.status}${s.durationMs === null ? '' : `, ${fmt.duration(s.durationMs)}`}`,
        },
        s.stage,
      ),
    ),
  );
}

/** Keys the pipeline takes from raw: `<dataset>/<name>.csv` (.tsv, .tab, .txt, .psv, optionally compressed, or a .zip). */
export function isRawKey(subject: string): boolean {
  return /\.(csv|tsv|tab|txt|psv)(\.(gz|bz2|xz|zst|zstd))?$|\.zip$/i.test(subject) && !subject.split('/').some((p) => p === '' || p.startsWith('.'));
}
