/**
 * One dashboard chart: a card `[data-testid=chart]` that says when it is drawn
 * (`data-ready="true"`, after ECharts' `finished` event; at once for a KPI or a
 * table) or failed (`data-error` with the message).
 */
import type { ChartData, ChartSpec } from './api';
import type { ChartOption, ChartView } from './charts';
import { el, empty, replace } from './dom';
import * as fmt from './format';

export type Charts = typeof import('./charts');

/** The chart module, fetched once on first use. */
export function loadCharts(): Promise<Charts> {
  return import('./charts');
}

function cellClass(v: unknown): string | null {
  if (v === null || v === undefined) return 'null';
  return typeof v === 'number' ? 'num' : null;
}

export class ChartCard {
  readonly node: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private view: ChartView | null = null;
  private host: HTMLElement | null = null;

  constructor(readonly spec: ChartSpec) {
    this.title = el('h3', null, spec.title);
    this.body = el('div', { class: 'chart-body' }, el('p', { class: 'muted' }, 'Loading…'));
    this.node = el(
      'article',
      { class: `chart-card kind-${spec.kind.replace(/[^a-z]/g, '')}`, 'data-testid': 'chart', 'data-kind': spec.kind, 'data-chart-id': spec.id },
      this.title,
      this.body,
    );
  }

  /** New data is on its way: no longer ready. */
  pending(): void {
    this.node.removeAttribute('data-ready');
    this.node.classList.add('is-loading');
  }

  fail(message: string): void {
    this.dropView();
    this.node.classList.remove('is-loading');
    this.node.removeAttribute('data-ready');
    this.node.dataset.error = message;
    replace(this.body, el('p', { class: 'chart-error', role: 'alert' }, message));
  }

  show(data: ChartData, charts: Charts): void {
    if (data.error) {
      this.fail(data.error);
      return;
    }
    this.node.removeAttribute('data-error');
    if (data.title && data.title !== this.title.textContent) this.title.textContent = data.title;
    switch (data.kind) {
      case 'kpi':
        this.dropView();
        replace(
          this.body,
          el(
            'div',
            { class: 'kpi' },
            el('div', { class: 'kpi-value', 'data-testid': 'kpi-value', 'data-value': String(data.value) }, fmt.kpi(data.value)),
            el('div', { class: 'kpi-label' }, data.label),
          ),
        );
        this.ready();
        break;
      case 'table':
        this.dropView();
        replace(this.body, this.table(data.columns, data.rows));
        this.ready();
        break;
      case 'bar':
      case 'line':
      case 'area':
      case 'pie':
        this.draw(data.categories.length ? (w) => charts.categoryOption(data, w) : null, charts);
        break;
      case 'scatter':
        this.draw(data.points.length ? () => charts.scatterOption(data) : null, charts);
        break;
      case 'histogram':
        this.draw(data.bins.length ? (w) => charts.histogramOption(data.bins, { name: data.column, width: w }) : null, charts);
        break;
      default:
        this.fail(`this app cannot draw a chart of kind "${String((data as { kind: unknown }).kind)}"`);
    }
  }

  dispose(): void {
    this.dropView();
  }

  private ready(): void {
    this.node.classList.remove('is-loading');
    this.node.dataset.ready = 'true';
  }

  /** Draws with ECharts the option made for the chart's width; with none (no data), says so instead. */
  private draw(option: ((width: number) => ChartOption) | null, charts: Charts): void {
    if (!option) {
      this.dropView();
      replace(this.body, empty('No rows match.'));
      this.ready();
      return;
    }
    if (!this.view || !this.host) {
      this.host = el('div', { class: 'chart-host', role: 'img', 'aria-label': this.title.textContent ?? '' });
      replace(this.body, this.host);
      this.view = new charts.ChartView(this.host);
    }
    this.view.draw(option(this.host.clientWidth), () => this.ready());
  }

  private dropView(): void {
    this.view?.dispose();
    this.view = null;
    this.host = null;
  }

  private table(columns: string[], rows: unknown[][]): HTMLElement {
    if (rows.length === 0) return empty('No rows match.');
    return el(
      'div',
      { class: 'scroll table-chart' },
      el(
        'table',
        { class: 'data compact' },
        el('thead', null, el('tr', null, ...columns.map((c) => el('th', null, c)))),
        el('tbody', null, ...rows.map((r) => el('tr', null, ...columns.map((_, i) => el('td', { class: cellClass(r[i]) }, fmt.cell(r[i])))))),
      ),
    );
  }
}
