/** `#/`: upload CSV files into raw and follow every file through the pipeline. */
import { ApiError, api, type FileStatus, messageOf, upload } from '../api';
import { badge, el, empty, errorBox, replace, route, table } from '../dom';
import * as fmt from '../format';
import { loader, type PageFactory } from '../page';
import { stageChips } from './shared';

/** The pipeline's input endings (src/core/keys.ts INPUT_ENDINGS): delimited text, plain or compressed, or a zip. */
const INPUT_ENDING = /\.(csv|tsv|tab|txt|psv)(\.(gz|bz2|xz|zst|zstd))?$|\.zip$/i;

/** `Orders 2024.csv` → `orders_2024`: the stem lower-cased, anything but [a-z0-9_] as `_`. */
export function datasetFromFileName(name: string): string {
  const stem = name.replace(INPUT_ENDING, '').replace(/\.[^.]*$/, '') || name;
  return stem.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

function datasetProblem(dataset: string): string | null {
  if (!dataset) return 'give a dataset name';
  if (dataset.includes('/') || dataset.includes('\\')) return 'a dataset name cannot contain "/" or "\\"';
  if (dataset === '.' || dataset === '..' || dataset.startsWith('.')) return 'a dataset name cannot start with "."';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f]/.test(dataset)) return 'a dataset name cannot contain control characters';
  return null;
}

/** Uploads outlive the page: going elsewhere and back shows them still running. */
const uploadList = el('ul', { class: 'uploads', 'aria-live': 'polite' });

function startUpload(file: File, explicitDataset: string, onDone: () => void): void {
  const dataset = explicitDataset || datasetFromFileName(file.name);
  const progress = el('progress', { 'data-testid': 'upload-progress', max: 100, value: 0 });
  const state = el('span', { class: 'upload-state' }, 'uploading…');
  const item = el(
    'li',
    { 'data-testid': 'upload', 'data-state': 'uploading', 'data-file': file.name },
    el('span', { class: 'upload-name' }, `${dataset}/${file.name}`),
    el('span', { class: 'muted' }, fmt.bytes(file.size)),
    progress,
    state,
  );
  uploadList.prepend(item);
  const fail = (message: string): void => {
    item.dataset.state = 'failed';
    replace(state, el('span', { class: 'fail-text' }, message));
  };
  const problem =
    datasetProblem(dataset) ??
    (INPUT_ENDING.test(file.name) ? null : 'only .csv, .tsv, .tab, .txt and .psv files (optionally .gz, .bz2, .xz, .zst) or a .zip of one are taken');
  if (problem) {
    progress.remove();
    fail(problem);
    return;
  }
  upload(dataset, file, (share) => {
    progress.value = Math.round(share * 100);
    state.textContent = `${fmt.pct(share, 1)}`;
  })
    .done.then((res) => {
      item.dataset.state = 'done';
      item.dataset.key = res.key;
      progress.value = 100;
      replace(state, 'uploaded · ', el('a', { href: route('files', res.key) }, 'follow it'));
      onDone();
    })
    .catch((err: unknown) => fail(err instanceof ApiError ? err.message : messageOf(err)));
}

function fileTable(files: FileStatus[]): HTMLElement {
  const sorted = [...files].sort((a, b) => (a.seenAt < b.seenAt ? 1 : a.seenAt > b.seenAt ? -1 : a.key.localeCompare(b.key)));
  return table(
    [
      {
        label: 'File',
        cell: (f) => [
          el('a', { href: route('files', f.key), class: 'key' }, f.key),
          f.outcome.error || f.outcome.reason ? el('div', { class: 'fail-text small' }, f.outcome.error ?? f.outcome.reason ?? '') : null,
        ],
      },
      { label: 'State', cell: (f) => badge(f.outcome.state, { 'data-testid': 'file-state' }) },
      { label: 'Stage', cell: (f) => stageChips(f.stages ?? [], f.outcome.stage) },
      { label: 'Written', num: true, cell: (f) => fmt.count(f.outcome.rowsWritten) },
      { label: 'Rejected', num: true, cell: (f) => el('span', { class: f.outcome.rowsRejected ? 'warn-text' : null }, fmt.count(f.outcome.rowsRejected)) },
      { label: 'Table', cell: (f) => (f.outcome.table ? el('a', { href: route('datasets', f.outcome.table) }, f.outcome.table) : '—') },
      { label: 'Size', num: true, cell: (f) => fmt.bytes(f.size) },
      { label: 'Seen', nowrap: true, cell: (f) => fmt.when(f.seenAt) },
    ],
    sorted,
    {
      attrs: { class: 'data', 'data-testid': 'file-list' },
      rowAttrs: (f) => ({
        'data-testid': 'file-row',
        'data-key': f.key,
        'data-state': f.outcome.state,
        class: f.outcome.state === 'failed' || f.outcome.state === 'quarantined' ? 'row-failed' : null,
      }),
    },
  );
}

export const filesPage: PageFactory = (root) => {
  document.title = 'Files · Sluice';
  const datasetInput = el('input', {
    type: 'text',
    id: 'dataset',
    'data-testid': 'dataset-input',
    placeholder: 'from the file name',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const fileInput = el('input', {
    type: 'file',
    multiple: true,
    accept: '.csv,.tsv,.tab,.txt,.psv,.gz,.bz2,.xz,.zst,.zstd,.zip,text/csv',
    'data-testid': 'upload-input',
    id: 'upload-input',
  });
  const list = el('div', { class: 'file-list' }, el('p', { class: 'muted' }, 'Loading…'));
  const load = loader(
    (signal) => api.status(signal),
    (files) => replace(list, files.length ? fileTable(files) : empty('No files yet — drop a CSV here.')),
    (message) => replace(list, errorBox(message)),
  );

  const take = (files: FileList | null): void => {
    const dataset = datasetInput.value.trim();
    for (const file of Array.from(files ?? [])) startUpload(file, dataset, () => load.run());
  };
  fileInput.addEventListener('change', () => {
    take(fileInput.files);
    fileInput.value = '';
  });

  const zone = el(
    'div',
    { class: 'drop-zone', 'data-testid': 'drop-zone' },
    el('p', { class: 'drop-title' }, 'Drop CSV files here'),
    el('p', { class: 'muted' }, 'or ', el('label', { for: 'upload-input', class: 'button' }, 'choose files'), fileInput),
  );
  let depth = 0;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  zone.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('over');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    zone.classList.remove('over');
    take(e.dataTransfer?.files ?? null);
  });
  // A file dropped anywhere on the page must not make the browser open it (and leave the app).
  const holdDrag = (e: DragEvent): void => {
    if (hasFiles(e)) e.preventDefault();
  };
  window.addEventListener('dragover', holdDrag);
  window.addEventListener('drop', holdDrag);

  replace(
    root,
    el('h1', null, 'Files'),
    el(
      'section',
      { class: 'card upload' },
      el('h2', null, 'Upload'),
      el(
        'div',
        { class: 'upload-row' },
        zone,
        el(
          'div',
          { class: 'field' },
          el('label', { for: 'dataset' }, 'Dataset'),
          datasetInput,
          el('p', { class: 'muted small' }, 'Files go to raw/<dataset>/<file>. Left empty, each file’s name gives its dataset.'),
        ),
      ),
      uploadList,
    ),
    el('section', { class: 'card' }, el('h2', null, 'Files in raw'), list),
  );
  load.run();
  return {
    refresh: () => load.run(),
    dispose: () => {
      load.dispose();
      window.removeEventListener('dragover', holdDrag);
      window.removeEventListener('drop', holdDrag);
    },
  };
};
