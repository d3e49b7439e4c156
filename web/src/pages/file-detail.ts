/** `#/files/<key>`: what happened to one raw file, for whoever operates the pipeline. */
import { api, type FileDetail, type LogLine, type Rejects, type Report, type ReportColumn } from '../api';
import { badge, el, empty, errorBox, facts, replace, route, section, table } from '../dom';
import * as fmt from '../format';
import { loader, type PageFactory } from '../page';
import { isFailure } from './shared';

function visible(ch: string | undefined): string {
  if (ch === undefined) return '—';
  if (ch === '\t') return 'tab';
  if (ch === ' ') return 'space';
  if (ch === '') return 'none';
  return ch;
}

function outcomeFacts(f: FileDetail): HTMLElement {
  const o = f.outcome;
  const problem = o.error ?? o.reason;
  return el(
    'div',
    null,
    facts([
      ['State', badge(o.state, { 'data-testid': 'file-state' })],
      ['Stage', o.stage ?? '—'],
      ['Rows written', fmt.count(o.rowsWritten)],
      ['Rows rejected', fmt.count(o.rowsRejected)],
      ['Rejected cells', fmt.count(o.rejectedCells)],
      ['Duplicates', fmt.count(o.duplicates)],
      ['Identical rows kept', fmt.count(o.identicalKept)],
      ['Table', o.table ? el('a', { href: route('datasets', o.table) }, o.table) : '—'],
      ['Jobs', o.jobs?.length ? o.jobs.join(', ') : '—'],
      ['Size', fmt.bytes(f.size)],
      ['SHA-256', el('code', { title: f.sha256 }, f.sha256.slice(0, 16))],
    ]),
    problem ? errorBox(problem) : null,
  );
}

function columnTable(columns: ReportColumn[]): HTMLElement {
  const anyFill = columns.some((c) => c.filled !== undefined || c.fill !== undefined);
  return table(
    [
      { label: 'Original', cell: (c) => c.original ?? '—' },
      { label: 'Name', cell: (c) => el('code', null, c.name ?? '—') },
      { label: 'Type', cell: (c) => [c.type ?? '—', c.logical && c.logical !== c.type ? el('span', { class: 'muted small' }, ` ${c.logical}`) : null] },
      {
        label: 'Why',
        cell: (c) => [c.reason ?? '—', c.ambiguousDateOrder ? el('span', { class: 'warn-text small' }, ' (day/month order was ambiguous)') : null],
      },
      { label: 'Parsed', num: true, cell: (c) => fmt.count(c.parsed) },
      { label: 'Failed', num: true, cell: (c) => el('span', { class: c.failed ? 'fail-text' : null }, fmt.count(c.failed)) },
      { label: 'Nulls', num: true, cell: (c) => fmt.count(c.nulls) },
      ...(anyFill
        ? [
            {
              label: 'Filled',
              num: true,
              cell: (c: ReportColumn) => (c.filled === undefined ? '—' : `${fmt.count(c.filled)}${c.fill === undefined ? '' : ` with ${fmt.cell(c.fill)}`}`),
            },
          ]
        : []),
    ],
    columns,
    { attrs: { class: 'data', 'data-testid': 'report-columns' }, rowAttrs: (c) => ({ class: c.failed ? 'row-warn' : null }) },
  );
}

function reportSection(report: Report | null): HTMLElement {
  if (!report) return section('Report', empty('No report yet: the file has not been preprocessed.'));
  const d = report.dialect;
  const r = report.rows;
  return section(
    'Report',
    report.quarantine ? errorBox(`Quarantined: ${report.quarantine.reason ?? 'no reason given'}`) : null,
    el(
      'div',
      { class: 'fact-columns' },
      facts([
        ['Encoding', report.encoding ?? '—'],
        ['Delimiter', visible(d?.delimiter)],
        ['Quote', visible(d?.quote)],
        ['Escape', visible(d?.escape)],
        ['Header', d?.header === undefined ? '—' : d.header ? 'yes' : 'no'],
        ['Skipped lines', fmt.count(d?.skipLines)],
      ]),
      facts([
        ['Rows read', fmt.count(r?.read)],
        ['Rejected', el('span', { class: r?.rejected ? 'warn-text' : null }, fmt.count(r?.rejected))],
        ['Invalid', fmt.count(r?.invalid)],
        ['Duplicates', fmt.count(r?.duplicates)],
        ['Dropped', fmt.count(r?.dropped)],
        ['Written', fmt.count(r?.written)],
        ['Rejected cells', fmt.count(report.rejectedCells)],
        ['Took', fmt.duration(report.durationMs)],
      ]),
    ),
    report.duplicates?.decision ? el('p', { 'data-testid': 'duplicates-decision' }, `Identical rows: ${report.duplicates.decision}`) : null,
    variantNotes(report.columns ?? []),
    report.columns?.length ? [el('h3', null, 'Columns'), columnTable(report.columns)] : null,
  );
}

/** Columns whose values differ only by case or spacing: kept as written, with the sluice.yaml key that merges them. */
function variantNotes(columns: ReportColumn[]): HTMLElement | null {
  const noted = columns.filter((c) => c.variants?.groups);
  if (noted.length === 0) return null;
  return el(
    'ul',
    { 'data-testid': 'variants' },
    ...noted.map((c) => el('li', null, `${c.name}: ${(c.variants?.examples ?? []).map((g) => g.join(' / ')).join('; ')}. ${c.variants?.hint ?? ''}`)),
  );
}

function runsSection(f: FileDetail): HTMLElement {
  if (f.runs.length === 0) return section('Runs', empty('No runs yet.'));
  return section(
    'Runs',
    table(
      [
        { label: '#', num: true, cell: (r) => r.id },
        { label: 'Stage', cell: (r) => r.stage },
        { label: 'Status', cell: (r) => badge(r.status) },
        { label: 'Attempts', num: true, cell: (r) => r.attempts },
        { label: 'Started', nowrap: true, cell: (r) => fmt.when(r.startedAt) },
        { label: 'Duration', num: true, cell: (r) => fmt.duration(r.durationMs) },
        { label: 'Error', cell: (r) => (r.error ? el('span', { class: 'fail-text' }, r.error) : '') },
      ],
      f.runs,
      {
        attrs: { class: 'data' },
        rowAttrs: (r) => ({ 'data-testid': 'run-row', 'data-status': r.status, class: isFailure(r.status) ? 'row-failed' : null }),
      },
    ),
  );
}

function rejectsSection(rejects: Rejects | null | undefined): HTMLElement {
  if (!rejects || rejects.rows.length === 0) return section('Rejected rows', empty('No rows were rejected.'));
  const header = rejects.header;
  const reasonAt = header.indexOf('reason');
  return section(
    'Rejected rows',
    el(
      'div',
      { class: 'scroll' },
      table(
        header.map((h, i) => ({
          label: h,
          num: h === 'line',
          cell: (row: string[]) => el('span', { class: i === reasonAt ? 'fail-text' : null }, row[i] ?? ''),
        })),
        rejects.rows,
        { attrs: { class: 'data compact', 'data-testid': 'rejects' }, rowAttrs: () => ({ 'data-testid': 'reject-row' }) },
      ),
    ),
    rejects.truncated ? el('p', { class: 'muted small' }, `Only the first ${fmt.count(rejects.rows.length)} rejected rows are shown.`) : null,
  );
}

function fieldsText(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${fmt.cell(v)}`)
    .join(' ');
}

function logsSection(logs: LogLine[] | undefined): HTMLElement {
  if (!logs?.length) return section('Log', empty('Nothing logged for this file.'));
  return section(
    'Log',
    el(
      'ol',
      { class: 'log' },
      ...logs.map((l) =>
        el(
          'li',
          { 'data-testid': 'log-line', 'data-level': l.level, class: `level-${l.level}` },
          el('time', { datetime: l.at }, fmt.when(l.at)),
          el('span', { class: 'level' }, l.level),
          el('span', { class: 'message' }, l.message),
          el('span', { class: 'fields' }, fieldsText(l.fields)),
        ),
      ),
    ),
  );
}

export const fileDetailPage: PageFactory = (root, params) => {
  const key = params.join('/');
  document.title = `${key} · Sluice`;
  const body = el('div', null, el('p', { class: 'muted' }, 'Loading…'));
  replace(root, el('p', { class: 'crumbs' }, el('a', { href: '#/' }, 'Files'), ' / '), el('h1', { class: 'key' }, key), body);
  const load = loader(
    (signal) => api.file(key, signal),
    (f) => replace(body, section('Outcome', outcomeFacts(f)), reportSection(f.report), runsSection(f), rejectsSection(f.rejects), logsSection(f.logs)),
    (message) => replace(body, errorBox(message)),
  );
  load.run();
  return { refresh: () => load.run(), dispose: () => load.dispose() };
};
