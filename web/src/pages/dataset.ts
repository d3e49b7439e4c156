/** `#/datasets/<table>`: schema, warnings, versions, a preview of rows and a profile of every column. */
import { api, type Column, type ColumnProfile, type Preview, type Profile, type TableDetail, type TableVersion } from '../api';
import { type Charts, loadCharts } from '../chart-card';
import type { ChartView } from '../charts';
import { el, empty, errorBox, facts, replace, route, table } from '../dom';
import * as fmt from '../format';
import { loader, type PageFactory } from '../page';

const PREVIEW_ROWS = 50;

interface SchemaRow extends Column {
  partition: boolean;
}

function overview(t: TableDetail): HTMLElement {
  return el(
    'div',
    null,
    facts([
      ['Rows', fmt.count(t.rows)],
      ['Files', fmt.count(t.files)],
      ['Size', fmt.bytes(t.bytes)],
      ['Version', String(t.version)],
      ['Format', t.format],
      ['Updated', fmt.when(t.updatedAt)],
      ['Location', el('code', { class: 'key' }, t.location)],
    ]),
    ...(t.warnings ?? []).map((w) => el('div', { class: 'warn-box', 'data-testid': 'warning' }, w)),
  );
}

function schemaTable(t: TableDetail): HTMLElement {
  const rows: SchemaRow[] = [...t.columns.map((c) => ({ ...c, partition: false })), ...t.partitionKeys.map((c) => ({ ...c, partition: true }))];
  return table(
    [
      { label: 'Column', cell: (c) => el('code', null, c.name) },
      { label: 'Type', cell: (c) => c.type },
      { label: 'Nullable', cell: (c) => (c.nullable === undefined ? '—' : c.nullable ? 'yes' : 'no') },
      { label: 'Partition', cell: (c) => (c.partition ? 'yes' : '') },
      { label: 'Comment', cell: (c) => el('span', { class: 'muted' }, c.comment ?? '') },
    ],
    rows,
    { attrs: { class: 'data', 'data-testid': 'schema-table' }, rowAttrs: (c) => ({ 'data-column': c.name }) },
  );
}

function sourcesPart(t: TableDetail): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (t.partitions?.length) {
    out.push(
      el('h3', null, 'Partitions'),
      table(
        [
          {
            label: 'Partition',
            cell: (p) =>
              Object.entries(p.values)
                .map(([k, v]) => `${k}=${v ?? 'null'}`)
                .join(', '),
          },
          { label: 'Files', num: true, cell: (p) => fmt.count(p.files) },
          { label: 'Rows', num: true, cell: (p) => fmt.count(p.rows) },
          { label: 'Size', num: true, cell: (p) => fmt.bytes(p.bytes) },
        ],
        t.partitions,
        { attrs: { class: 'data compact' } },
      ),
    );
  }
  if (t.sources?.length) {
    out.push(
      el('h3', null, 'Files'),
      table(
        [
          { label: 'File', cell: (s) => el('span', { class: 'key' }, s.file) },
          { label: 'From', cell: (s) => (s.rawKey ? el('a', { href: route('files', s.rawKey), class: 'key' }, s.rawKey) : '—') },
          { label: 'Rows', num: true, cell: (s) => fmt.count(s.rows) },
          { label: 'Size', num: true, cell: (s) => fmt.bytes(s.bytes) },
        ],
        t.sources,
        { attrs: { class: 'data compact' } },
      ),
    );
  }
  return out;
}

function versionsList(versions: TableVersion[]): HTMLElement {
  if (versions.length === 0) return empty('No versions recorded.');
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const col = (c: Column) => `${c.name} ${c.type}`;
  return el(
    'ol',
    { class: 'versions' },
    ...sorted.map((v) => {
      const d = v.diff ?? {};
      const changes = [
        ...(d.added ?? []).map((c) => el('li', { class: 'diff-added' }, `+ ${col(c)}`)),
        ...(d.removed ?? []).map((c) => el('li', { class: 'diff-removed' }, `− ${col(c)}`)),
        ...(d.widened ?? []).map((c) => el('li', { class: 'diff-widened' }, `↑ ${c.name}: ${c.from} → ${c.to}`)),
        ...(d.changed ?? []).map((c) => el('li', { class: 'diff-changed' }, `~ ${c.name}: ${c.from} → ${c.to}`)),
      ];
      return el(
        'li',
        { 'data-testid': 'version', 'data-version': v.version },
        el('div', { class: 'version-head' }, el('strong', null, `Version ${v.version}`), el('span', { class: 'muted' }, fmt.when(v.createdAt))),
        el('span', { class: 'muted small' }, `${v.columns.length + v.partitionKeys.length} columns`),
        changes.length ? el('ul', { class: 'diff' }, ...changes) : el('p', { class: 'muted small' }, 'No column changes.'),
      );
    }),
  );
}

function previewTable(p: Preview): HTMLElement {
  if (p.rows.length === 0) return el('div', { 'data-testid': 'preview-table' }, empty('The table has no rows.'));
  return el(
    'div',
    { class: 'scroll preview' },
    el(
      'table',
      { class: 'data compact', 'data-testid': 'preview-table' },
      el('thead', null, el('tr', null, ...p.columns.map((c) => el('th', { title: c.type }, c.name, el('span', { class: 'col-type' }, c.type))))),
      el(
        'tbody',
        null,
        ...p.rows.map((r) =>
          el(
            'tr',
            null,
            ...p.columns.map((_, i) => {
              const v = r[i];
              return el('td', { class: v === null || v === undefined ? 'null' : typeof v === 'number' ? 'num' : null }, fmt.cell(v));
            }),
          ),
        ),
      ),
    ),
  );
}

function topBars(top: NonNullable<ColumnProfile['top']>): HTMLElement {
  const max = Math.max(1, ...top.map((t) => t.count));
  return el(
    'ul',
    { class: 'bars' },
    ...top.map((t) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(t.count / max) * 100}%`;
      return el(
        'li',
        null,
        el('span', { class: t.value === null ? 'bar-label null' : 'bar-label', title: t.value ?? 'null' }, t.value ?? 'null'),
        el('span', { class: 'bar-track' }, bar),
        el('span', { class: 'bar-count' }, fmt.count(t.count)),
      );
    }),
  );
}

function minMax(v: string | number | null): string {
  return typeof v === 'number' ? fmt.num(v) : (v ?? '—');
}

/** The profile cards; histograms are drawn after the cards are in the page, by `draw`. */
function profileCards(p: Profile): { node: HTMLElement; histograms: { host: HTMLElement; card: HTMLElement; c: ColumnProfile }[] } {
  const histograms: { host: HTMLElement; card: HTMLElement; c: ColumnProfile }[] = [];
  const cards = p.columns.map((c) => {
    const card = el(
      'div',
      { class: 'profile-card', 'data-testid': 'profile-column', 'data-column': c.name },
      el('div', { class: 'profile-head' }, el('code', null, c.name), el('span', { class: 'muted small' }, c.type)),
      facts([
        ['Nulls', `${fmt.count(c.nulls)} (${fmt.pct(c.nulls, p.rows)})`],
        ['Distinct', fmt.count(c.distinct)],
        ['Min', minMax(c.min)],
        ['Max', minMax(c.max)],
      ]),
    );
    if (c.histogram?.length) {
      const host = el('div', { class: 'histogram' });
      card.append(host);
      histograms.push({ host, card, c });
    } else if (c.top?.length) {
      card.append(topBars(c.top));
    }
    return card;
  });
  return {
    node: el('div', { class: 'profile-grid' }, el('p', { class: 'muted small wide' }, `${fmt.count(p.rows)} rows`), ...cards),
    histograms,
  };
}

export const datasetPage: PageFactory = (root, params) => {
  const name = params.join('/');
  document.title = `${name} · Sluice`;
  const loading = () => el('p', { class: 'muted' }, 'Loading…');
  const overviewBody = el('div', null, loading());
  const schemaBody = el('div', null, loading());
  const versionsBody = el('div', { 'data-testid': 'versions' }, loading());
  const previewBody = el('div', null, loading());
  const profileBody = el('div', null, loading());
  const card = (title: string, body: HTMLElement, note?: string) =>
    el('section', { class: 'card' }, el('h2', null, title), note ? el('p', { class: 'muted small' }, note) : null, body);
  replace(
    root,
    el('p', { class: 'crumbs' }, el('a', { href: '#/datasets' }, 'Datasets'), ' / '),
    el('h1', null, name),
    el('section', { class: 'card' }, overviewBody),
    card('Schema', schemaBody),
    card('Versions', versionsBody),
    card('Preview', previewBody, `The first ${PREVIEW_ROWS} rows.`),
    card('Profile', profileBody),
  );

  let views: ChartView[] = [];
  const dropViews = () => {
    for (const v of views) v.dispose();
    views = [];
  };
  const drawProfile = (p: Profile, charts: Charts) => {
    dropViews();
    if (p.columns.length === 0) return replace(profileBody, empty('No columns to profile.'));
    const { node, histograms } = profileCards(p);
    replace(profileBody, node);
    for (const h of histograms) {
      const view = new charts.ChartView(h.host);
      view.draw(charts.histogramOption(h.c.histogram ?? [], { compact: true, width: h.host.clientWidth }), () => {
        h.host.dataset.ready = 'true';
      });
      views.push(view);
    }
  };

  const loaders = [
    loader(
      (signal) => api.table(name, signal),
      (t) => {
        replace(overviewBody, overview(t));
        replace(schemaBody, schemaTable(t), ...sourcesPart(t));
      },
      (message) => {
        replace(overviewBody, errorBox(message));
        replace(schemaBody, empty('—'));
      },
    ),
    loader(
      (signal) => api.versions(name, signal),
      (v) => replace(versionsBody, versionsList(v)),
      (message) => replace(versionsBody, errorBox(message)),
    ),
    loader(
      (signal) => api.preview(name, PREVIEW_ROWS, signal),
      (p) => replace(previewBody, previewTable(p)),
      (message) => replace(previewBody, errorBox(message)),
    ),
    loader(
      (signal) => Promise.all([api.profile(name, signal), loadCharts()]),
      ([p, charts]) => drawProfile(p, charts),
      (message) => {
        dropViews();
        replace(profileBody, errorBox(message));
      },
    ),
  ];
  for (const l of loaders) l.run();
  return {
    refresh: () => {
      for (const l of loaders) l.run();
    },
    dispose: () => {
      for (const l of loaders) l.dispose();
      dropViews();
    },
  };
};
