/** `#/dashboards`: the configured dashboards, then one made for every final table. */
import { api, type DashboardSummary } from '../api';
import { el, empty, errorBox, replace, route, section } from '../dom';
import { loader, type PageFactory } from '../page';

function list(items: DashboardSummary[]): HTMLElement {
  return el(
    'ul',
    { class: 'tiles' },
    ...items.map((d) =>
      el(
        'li',
        null,
        el(
          'a',
          { href: route('dashboards', d.id), 'data-testid': 'dashboard-link', 'data-id': d.id, class: 'tile' },
          el('span', { class: 'tile-title' }, d.title),
          el('span', { class: 'tile-sub' }, d.table),
        ),
      ),
    ),
  );
}

function show(body: HTMLElement, all: DashboardSummary[]): void {
  if (all.length === 0) {
    replace(body, empty('No dashboards yet: every table in final gets one once a file is published, or configure them under dashboards in sluice.yaml.'));
    return;
  }
  const configured = all.filter((d) => !d.auto);
  const auto = all.filter((d) => d.auto);
  replace(body, configured.length ? section('Configured', list(configured)) : null, auto.length ? section('For every final table', list(auto)) : null);
}

export const dashboardsPage: PageFactory = (root) => {
  document.title = 'Dashboards · Sluice';
  const body = el('div', null, el('p', { class: 'muted' }, 'Loading…'));
  replace(root, el('h1', null, 'Dashboards'), body);
  const load = loader(
    (signal) => api.dashboards(signal),
    (items) => show(body, items),
    (message) => replace(body, errorBox(message)),
  );
  load.run();
  return { refresh: () => load.run(), dispose: () => load.dispose() };
};
