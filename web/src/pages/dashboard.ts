/**
 * `#/dashboards/<id>`: filter controls, then the charts. Charts fetch again
 * when a filter changes (cancelling a fetch in flight) and when the server
 * reports a change (the definition too: new filter values may have arrived).
 */
import { api, type ChartSpec, type Dashboard, type DashboardFilter, type FilterValue } from '../api';
import { ChartCard, loadCharts } from '../chart-card';
import { el, errorBox, replace, route } from '../dom';
import { loader, type PageFactory } from '../page';

const NULL_OPTION = '\u2205';

interface FilterControl {
  filter: DashboardFilter;
  select: HTMLSelectElement;
  /** Option value → the value sent to the server. */
  values: Map<string, FilterValue>;
}

function optionLabel(v: FilterValue): string {
  return v === null ? '(empty)' : v === '' ? '(blank)' : String(v);
}

function sameCharts(a: ChartSpec[], b: ChartSpec[]): boolean {
  return a.length === b.length && a.every((c, i) => c.id === b[i]?.id && c.kind === b[i]?.kind && c.title === b[i]?.title);
}

export const dashboardPage: PageFactory = (root, params) => {
  const id = params.join('/');
  document.title = `${id} · Sluice`;
  const title = el('h1', null, id);
  const sub = el('p', { class: 'muted' });
  const problems = el('div');
  const filterBar = el('div', { class: 'filters', role: 'group', 'aria-label': 'Filters', 'data-testid': 'filters' });
  const grid = el('div', { class: 'chart-grid', 'data-testid': 'charts' });
  replace(root, el('p', { class: 'crumbs' }, el('a', { href: '#/dashboards' }, 'Dashboards'), ' / '), title, sub, problems, filterBar, grid);

  let controls: FilterControl[] = [];
  let filterKey = '';
  let cards: ChartCard[] = [];

  const selectedFilters = (): Record<string, FilterValue[]> => {
    const out: Record<string, FilterValue[]> = {};
    for (const c of controls) {
      if (c.select.value !== '' && c.values.has(c.select.value)) out[c.filter.column] = [c.values.get(c.select.value) as FilterValue];
    }
    return out;
  };

  const data = loader(
    (signal) => Promise.all([api.dashboardData(id, selectedFilters(), signal), loadCharts()]),
    ([res, charts]) => {
      const byId = new Map(res.charts.map((c) => [c.id, c]));
      for (const card of cards) {
        const chart = byId.get(card.spec.id);
        if (chart) card.show(chart, charts);
        else card.fail('the server sent no data for this chart');
      }
      grid.removeAttribute('aria-busy');
    },
    (message) => {
      for (const card of cards) card.fail(message);
      grid.removeAttribute('aria-busy');
    },
  );

  const fetchData = (restart: boolean): void => {
    for (const card of cards) card.pending();
    grid.setAttribute('aria-busy', 'true');
    data.run({ restart });
  };

  const buildFilters = (filters: DashboardFilter[]): void => {
    const key = JSON.stringify(filters);
    if (key === filterKey) return;
    filterKey = key;
    const previous = new Map(controls.map((c) => [c.filter.column, c.select.value]));
    controls = filters.map((filter) => {
      const values = new Map<string, FilterValue>();
      const options = [el('option', { value: '' }, 'All')];
      for (const v of filter.values) {
        // '' is the "All" option; an empty text value gets a value of its own.
        let optionValue = v === null ? NULL_OPTION : v === '' ? '""' : String(v);
        while (values.has(optionValue)) optionValue += ' ';
        values.set(optionValue, v);
        options.push(el('option', { value: optionValue }, optionLabel(v)));
      }
      const select = el('select', { 'data-testid': 'filter', 'data-column': filter.column }, ...options);
      const before = previous.get(filter.column);
      if (before && values.has(before)) select.value = before;
      select.addEventListener('change', () => {
        reset.hidden = !controls.some((c) => c.select.value !== '');
        fetchData(true);
      });
      return { filter, select, values };
    });
    const reset = el('button', { type: 'button', class: 'link-button', hidden: !controls.some((c) => c.select.value !== '') }, 'Clear filters');
    reset.addEventListener('click', () => {
      for (const c of controls) c.select.value = '';
      reset.hidden = true;
      fetchData(true);
    });
    replace(filterBar, ...controls.map((c) => el('label', { class: 'filter' }, el('span', null, c.filter.column), c.select)), controls.length ? reset : null);
  };

  const buildCards = (specs: ChartSpec[]): void => {
    if (
      sameCharts(
        cards.map((c) => c.spec),
        specs,
      )
    )
      return;
    for (const card of cards) card.dispose();
    cards = specs.map((s) => new ChartCard(s));
    // Consecutive KPIs share a row of small cards; the order on the page stays the configured one.
    const nodes: HTMLElement[] = [];
    let kpis: HTMLElement | null = null;
    for (const card of cards) {
      if (card.spec.kind !== 'kpi') {
        kpis = null;
        nodes.push(card.node);
        continue;
      }
      if (!kpis) {
        kpis = el('div', { class: 'kpi-row' });
        nodes.push(kpis);
      }
      kpis.append(card.node);
    }
    replace(grid, ...nodes);
    if (cards.length === 0) replace(grid, el('p', { class: 'empty' }, 'This dashboard has no charts.'));
  };

  const definition = loader(
    (signal) => api.dashboard(id, signal),
    (d: Dashboard) => {
      document.title = `${d.title} · Sluice`;
      title.textContent = d.title;
      replace(sub, 'From ', el('a', { href: route('datasets', d.table) }, d.table), d.auto ? ' · made for every final table' : ' · from sluice.yaml');
      replace(problems, ...(d.errors ?? []).map((e) => errorBox(e)));
      buildFilters(d.filters);
      buildCards(d.charts);
      fetchData(false);
    },
    (message) => {
      replace(problems, errorBox(message));
      for (const card of cards) card.fail(message);
    },
  );
  definition.run();

  return {
    refresh: () => definition.run(),
    dispose: () => {
      definition.dispose();
      data.dispose();
      for (const card of cards) card.dispose();
    },
  };
};
