/** `#/ops`: recent runs across every stage, and the transform jobs. */
import { api, type Job, type Run } from '../api';
import { badge, el, empty, errorBox, replace, route, section, table } from '../dom';
import * as fmt from '../format';
import { loader, type PageFactory } from '../page';
import { isFailure, isRawKey } from './shared';

const STATUS_ORDER = ['running', 'queued', 'succeeded', 'failed', 'quarantined', 'superseded'];

function counts(runs: Run[]): HTMLElement {
  const by = new Map<string, number>();
  for (const r of runs) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const statuses = [...by.keys()].sort((a, b) => {
    const ia = STATUS_ORDER.indexOf(a);
    const ib = STATUS_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return el(
    'div',
    { class: 'counts', 'data-testid': 'run-counts' },
    el('div', { class: 'count' }, el('span', { class: 'count-value' }, fmt.count(runs.length)), el('span', { class: 'count-label' }, 'runs')),
    ...statuses.map((s) =>
      el(
        'div',
        { class: `count state-${s.replace(/[^a-z_-]/gi, '')}`, 'data-status': s },
        el('span', { class: 'count-value' }, fmt.count(by.get(s))),
        el('span', { class: 'count-label' }, s),
      ),
    ),
  );
}

function runsTable(runs: Run[]): HTMLElement {
  if (runs.length === 0) return empty('No runs yet: upload a file to start one.');
  return table(
    [
      { label: '#', num: true, cell: (r) => r.id },
      { label: 'Stage', cell: (r) => r.stage },
      {
        label: 'Subject',
        cell: (r) => (isRawKey(r.subject) ? el('a', { href: route('files', r.subject), class: 'key' }, r.subject) : el('span', { class: 'key' }, r.subject)),
      },
      { label: 'Status', cell: (r) => badge(r.status) },
      { label: 'Attempts', num: true, cell: (r) => r.attempts },
      { label: 'Started', nowrap: true, cell: (r) => fmt.when(r.startedAt) },
      { label: 'Duration', num: true, cell: (r) => fmt.duration(r.durationMs) },
      { label: 'Error', cell: (r) => (r.error ? el('span', { class: 'fail-text' }, r.error) : '') },
    ],
    runs,
    {
      attrs: { class: 'data', 'data-testid': 'runs' },
      rowAttrs: (r) => ({ 'data-testid': 'run-row', 'data-status': r.status, class: isFailure(r.status) ? 'row-failed' : null }),
    },
  );
}

function jobsTable(jobs: Job[]): HTMLElement {
  if (jobs.length === 0) return empty('No jobs.');
  return table(
    [
      { label: 'Job', cell: (j) => el('code', null, j.name) },
      { label: 'Kind', cell: (j) => j.kind },
      { label: 'Source', cell: (j) => el('a', { href: route('datasets', j.source) }, j.source) },
      { label: 'Output', cell: (j) => el('a', { href: route('datasets', j.output) }, j.output) },
      { label: 'Mode', cell: (j) => j.mode },
      { label: 'Bookmarked', num: true, cell: (j) => (typeof j.bookmarked === 'boolean' ? (j.bookmarked ? 'yes' : 'no') : fmt.count(j.bookmarked)) },
      { label: 'Last run', nowrap: true, cell: (j) => fmt.when(j.lastRunAt) },
      { label: 'Status', cell: (j) => (j.lastRun ? badge(j.lastRun.status) : '—') },
      { label: 'Rows', num: true, cell: (j) => fmt.count(j.lastRun?.rowsWritten) },
      { label: 'Error', cell: (j) => (j.lastRun?.error ? el('span', { class: 'fail-text' }, j.lastRun.error) : '') },
    ],
    jobs,
    {
      attrs: { class: 'data', 'data-testid': 'jobs' },
      rowAttrs: (j) => ({ 'data-testid': 'job-row', 'data-job': j.name, class: j.lastRun && isFailure(j.lastRun.status) ? 'row-failed' : null }),
    },
  );
}

export const opsPage: PageFactory = (root) => {
  document.title = 'Operations · Sluice';
  const runsBody = el('div', null, el('p', { class: 'muted' }, 'Loading…'));
  const jobsBody = el('div', null, el('p', { class: 'muted' }, 'Loading…'));
  replace(root, el('h1', null, 'Operations'), section('Recent runs', runsBody), section('Jobs', jobsBody));
  const runs = loader(
    (signal) => api.runs(200, signal),
    (list) => replace(runsBody, list.length ? counts(list) : null, el('div', { class: 'scroll runs' }, runsTable(list))),
    (message) => replace(runsBody, errorBox(message)),
  );
  const jobs = loader(
    (signal) => api.jobs(signal),
    (list) => replace(jobsBody, jobsTable(list)),
    (message) => replace(jobsBody, errorBox(message)),
  );
  runs.run();
  jobs.run();
  return {
    refresh: () => {
      runs.run();
      jobs.run();
    },
    dispose: () => {
      runs.dispose();
      jobs.dispose();
    },
  };
};
