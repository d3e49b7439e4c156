/** `#/datasets`: every table in the catalog, final first. */
import { api, type TableSummary } from '../api';
import { el, empty, errorBox, replace, route, section, table } from '../dom';
import * as fmt from '../format';
import { loader, type PageFactory } from '../page';

function tablesTable(tables: TableSummary[]): HTMLElement {
  return table(
    [
      { label: 'Table', cell: (t) => el('a', { href: route('datasets', t.table), 'data-testid': 'table-link', 'data-table': t.table }, t.table) },
      { label: 'Rows', num: true, cell: (t) => fmt.count(t.rows) },
      { label: 'Files', num: true, cell: (t) => fmt.count(t.files) },
      { label: 'Size', num: true, cell: (t) => fmt.bytes(t.bytes) },
      { label: 'Columns', num: true, cell: (t) => fmt.count(t.columns.length + t.partitionKeys.length) },
      { label: 'Partitioned by', cell: (t) => (t.partitionKeys.length ? t.partitionKeys.map((k) => k.name).join(', ') : '—') },
      { label: 'Version', num: true, cell: (t) => t.version },
      { label: 'Format', cell: (t) => t.format },
      { label: 'Updated', nowrap: true, cell: (t) => fmt.when(t.updatedAt) },
    ],
    tables,
    { attrs: { class: 'data' }, rowAttrs: (t) => ({ 'data-testid': 'table-row', 'data-table': t.table }) },
  );
}

function show(body: HTMLElement, tables: TableSummary[]): void {
  if (tables.length === 0) {
    replace(body, empty('No tables yet: upload a CSV file on the Files page and its tables appear here.'));
    return;
  }
  const sorted = [...tables].sort((a, b) => a.table.localeCompare(b.table));
  const final = sorted.filter((t) => t.table.startsWith('final.'));
  const other = sorted.filter((t) => !t.table.startsWith('final.'));
  replace(
    body,
    final.length ? section('Final', el('p', { class: 'muted small' }, 'Published tables, what dashboards and jobs read.'), tablesTable(final)) : null,
    other.length ? section('Processed', el('p', { class: 'muted small' }, 'Typed Parquet, one file per raw file.'), tablesTable(other)) : null,
  );
}

export const datasetsPage: PageFactory = (root) => {
  document.title = 'Datasets · Sluice';
  const body = el('div', null, el('p', { class: 'muted' }, 'Loading…'));
  replace(root, el('h1', null, 'Datasets'), body);
  const load = loader(
    (signal) => api.tables(signal),
    (tables) => show(body, tables),
    (message) => replace(body, errorBox(message)),
  );
  load.run();
  return { refresh: () => load.run(), dispose: () => load.dispose() };
};
