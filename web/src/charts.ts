/**
 * ECharts, tree-shaken to what the app draws, with the SVG renderer. Loaded
 * on demand by the pages that draw charts, so the rest of the app stays small.
 *
 * Category names, series names and values come from CSV files: tooltips use
 * `renderMode: 'richText'` (drawn inside the SVG as text), never ECharts'
 * HTML tooltips, which would insert those names as HTML.
 */
import {
  BarChart,
  type BarSeriesOption,
  LineChart,
  type LineSeriesOption,
  PieChart,
  type PieSeriesOption,
  ScatterChart,
  type ScatterSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { Bin, CategoryChart, ScatterChart as ScatterData } from './api';
import * as fmt from './format';

use([BarChart, LineChart, PieChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | PieSeriesOption | ScatterSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

const PALETTE = ['#2f6f9f', '#e0913a', '#4d9a6b', '#b5525c', '#7a6bb0', '#3aa0a8', '#b0894d', '#6b7a8f'];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const AXIS = { axisLine: { lineStyle: { color: '#b8c0c8' } }, axisLabel: { color: '#58636e' }, splitLine: { lineStyle: { color: '#eceff2' } } };

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  return typeof v === 'number' ? fmt.num(v) : v === null || v === undefined ? '—' : String(v);
}

function base(): ChartOption {
  return {
    color: PALETTE,
    textStyle: { fontFamily: FONT },
    animationDuration: 300,
    animationDurationUpdate: 300,
  };
}

/** Tooltip settings every chart shares: text drawn in the SVG, never HTML. */
function tooltip(trigger: 'axis' | 'item'): TooltipComponentOption {
  return {
    renderMode: 'richText',
    trigger,
    confine: true,
    valueFormatter: formatValue,
    ...(trigger === 'axis' ? { axisPointer: { type: 'shadow' } } : {}),
  };
}

/**
 * Category labels for a chart `width` pixels wide: every label when a typical
 * one has the room (longer ones are cut with an ellipsis), else ECharts skips some.
 */
function categoryLabels(labels: string[], width: number) {
  const band = (Math.max(width, 200) - 64) / Math.max(1, labels.length);
  const lengths = labels.map((l) => l.length).sort((a, b) => a - b);
  const typical = lengths[Math.floor(lengths.length / 2)] ?? 1;
  const needed = Math.min(120, 8 + 7 * typical);
  const fits = band >= needed;
  return {
    ...AXIS.axisLabel,
    interval: fits ? 0 : ('auto' as const),
    hideOverlap: true,
    overflow: 'truncate' as const,
    width: fits ? band - 6 : Math.max(48, needed),
  };
}

/** bar, line, area and pie charts: categories along x, one series or more; `width` is the chart's, for the labels. */
export function categoryOption(c: CategoryChart, width: number): ChartOption {
  if (c.kind === 'pie') {
    const series = c.series[0];
    return {
      ...base(),
      tooltip: tooltip('item'),
      series: [
        {
          type: 'pie',
          name: series?.name ?? c.x,
          radius: ['35%', '68%'],
          avoidLabelOverlap: true,
          label: { color: '#39424b', overflow: 'truncate', width: 110, alignTo: 'edge', edgeDistance: 8 },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          data: c.categories.map((name, i) => ({ name, value: series?.values[i] ?? '-' })),
        },
      ],
    };
  }
  const many = c.series.length > 1;
  const dual = twoScales(c.series.map((s) => s.values));
  const valueAxis = (values: (number | null)[]) => ({
    type: 'value' as const,
    ...AXIS,
    minInterval: values.every((v) => v === null || Number.isInteger(v)) ? 1 : undefined,
    axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => fmt.short(v) },
  });
  return {
    ...base(),
    tooltip: tooltip('axis'),
    legend: many ? { top: 0, type: 'scroll', textStyle: { color: '#39424b' } } : undefined,
    grid: { left: 8, right: 16, top: many ? 32 : 12, bottom: 8 },
    xAxis: {
      type: 'category',
      data: c.categories,
      name: c.x,
      nameLocation: 'middle',
      nameGap: 28,
      boundaryGap: c.kind === 'bar',
      ...AXIS,
      axisLabel: categoryLabels(c.categories, width),
    },
    // Two series of very different sizes (a count beside a sum) each get an axis, so neither is flattened.
    yAxis: dual
      ? [valueAxis(c.series[0]?.values ?? []), { ...valueAxis(c.series[1]?.values ?? []), splitLine: { show: false } }]
      : valueAxis(c.series.flatMap((s) => s.values)),
    series: c.series.map((s, i): BarSeriesOption | LineSeriesOption => {
      const yAxisIndex = dual ? i : 0;
      return c.kind === 'bar'
        ? { type: 'bar', name: s.name, data: s.values, barMaxWidth: 48, yAxisIndex }
        : {
            type: 'line',
            name: s.name,
            data: s.values,
            yAxisIndex,
            connectNulls: true,
            showSymbol: c.categories.length <= 40,
            areaStyle: c.kind === 'area' ? { opacity: 0.25 } : undefined,
          };
    }),
  };
}

/** Whether two series differ in size by more than ten times. */
function twoScales(series: (number | null)[][]): boolean {
  if (series.length !== 2) return false;
  const [a, b] = series.map((values) => Math.max(0, ...values.map((v) => Math.abs(v ?? 0))));
  if (!a || !b) return false;
  return Math.max(a, b) / Math.min(a, b) > 10;
}

export function scatterOption(c: ScatterData): ChartOption {
  return {
    ...base(),
    tooltip: { ...tooltip('item'), valueFormatter: undefined, formatter: (p) => formatPoint(p) },
    grid: { left: 8, right: 24, top: 16, bottom: 8 },
    xAxis: { type: 'value', name: c.x, nameLocation: 'middle', nameGap: 28, scale: true, ...AXIS },
    yAxis: { type: 'value', name: c.y, nameLocation: 'middle', nameGap: 40, scale: true, ...AXIS },
    series: [{ type: 'scatter', name: `${c.y} by ${c.x}`, data: c.points, symbolSize: 6, itemStyle: { opacity: 0.7 } }],
  };

  function formatPoint(p: unknown): string {
    const v = (p as { value?: unknown }).value;
    return Array.isArray(v) ? `${c.x}: ${formatValue(v[0])}\n${c.y}: ${formatValue(v[1])}` : formatValue(v);
  }
}

/** Bins as bars; `compact` for the small charts in a column profile. */
export function histogramOption(bins: Bin[], opts: { name?: string; compact?: boolean; width?: number } = {}): ChartOption {
  const labels = bins.map((b) => fmt.range(b.from, b.to));
  return {
    ...base(),
    tooltip: tooltip('axis'),
    grid: opts.compact ? { left: 4, right: 4, top: 6, bottom: 4 } : { left: 8, right: 16, top: 12, bottom: 8 },
    xAxis: {
      type: 'category',
      data: labels,
      name: opts.compact ? undefined : opts.name,
      nameLocation: 'middle',
      nameGap: 28,
      ...AXIS,
      axisLabel: { ...categoryLabels(labels, opts.width ?? 400), show: !opts.compact || bins.length <= 6, fontSize: opts.compact ? 10 : 12 },
      axisTick: { show: false },
    },
    yAxis: { type: 'value', show: !opts.compact, minInterval: 1, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => fmt.short(v) } },
    series: [{ type: 'bar', name: 'rows', data: bins.map((b) => b.count), barCategoryGap: '8%' }],
  };
}

/** One ECharts instance in a host element that has a size; follows the host's size. */
export class ChartView {
  private readonly chart: EChartsType;
  private readonly observer: ResizeObserver;
  private waiting: (() => void) | null = null;

  constructor(host: HTMLElement) {
    this.chart = init(host, undefined, { renderer: 'svg' });
    this.chart.on('finished', () => {
      const done = this.waiting;
      this.waiting = null;
      done?.();
    });
    this.observer = new ResizeObserver(() => this.chart.resize());
    this.observer.observe(host);
  }

  /** Draws `option` (replacing what was drawn); `onDrawn` runs once ECharts says it has finished. */
  draw(option: ChartOption, onDrawn?: () => void): void {
    this.waiting = onDrawn ?? null;
    this.chart.setOption(option, { notMerge: true });
  }

  dispose(): void {
    this.waiting = null;
    this.observer.disconnect();
    this.chart.dispose();
  }
}
