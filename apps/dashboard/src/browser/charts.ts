import { LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { podColour } from './palette.js';
import type { RunState } from './state.js';

echarts.use([
  LineChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
  SVGRenderer,
]);

type ChartOption = echarts.ComposeOption<
  LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

const seconds = (state: RunState, at: number) => Math.round((at - state.t0) / 10) / 100;

/**
 * One client's share of calls per pod over time, a stacked area per pod (a
 * window at a time), with the run's scale, restart and delete steps as
 * vertical markers and each measured phase as a shaded band.
 */
export function clientChartOption(state: RunState, client: string): ChartOption {
  const windows = state.windows.get(client) ?? [];
  const served = new Set<string>();
  for (const window of windows) {
    for (const [pod, n] of Object.entries(window.backends)) if (n > 0) served.add(pod);
  }
  const pods = state.podOrder.filter((pod) => served.has(pod));
  const x = (at: number) => seconds(state, at);
  const series: LineSeriesOption[] = pods.map((pod) => ({
    type: 'line',
    name: pod,
    stack: 'share',
    showSymbol: false,
    lineStyle: { width: 1 },
    areaStyle: { opacity: 0.85 },
    color: podColour(state.podOrder, pod),
    // A window without a successful call has no share to draw: a gap, not 0%.
    data: windows.map((w) => [x(w.end), w.ok > 0 ? ((w.backends[pod] ?? 0) / w.ok) * 100 : null]),
  }));
  const anyFailed = windows.some((w) => w.failed > 0);
  if (anyFailed) {
    series.push({
      type: 'line',
      name: 'failed calls',
      showSymbol: false,
      color: '#1b1f24',
      lineStyle: { type: 'dashed', width: 2 },
      data: windows.map((w) => [
        x(w.end),
        w.ok + w.failed > 0 ? (w.failed / (w.ok + w.failed)) * 100 : 0,
      ]),
    });
  }
  const bands = state.phases.map((phase) => [
    { xAxis: x(phase.start), name: phase.phase },
    { xAxis: x(phase.end) },
  ]);
  if (state.measuring) {
    bands.push([
      { xAxis: x(state.measuring.start), name: `${state.measuring.phase} (measuring)` },
      { xAxis: x(Math.max(state.now, state.measuring.start)) },
    ]);
  }
  // Steps and phases ride on a series of their own, drawn even before any window.
  series.push({
    type: 'line',
    name: 'steps',
    data: [],
    silent: true,
    markLine: {
      symbol: 'none',
      silent: true,
      animation: false,
      lineStyle: { color: '#1b1f24', type: 'solid', width: 1.5 },
      label: { formatter: '{b}', position: 'insideEndTop', color: '#1b1f24', fontSize: 11 },
      data: state.markers.map((m) => ({ xAxis: x(m.at), name: m.label })),
    },
    markArea: {
      silent: true,
      itemStyle: { color: 'rgba(27, 31, 36, 0.06)' },
      label: { color: '#4a5360', fontSize: 11, position: 'insideTop' },
      data: bands as never,
    },
  });
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: 'system-ui, sans-serif', color: '#1b1f24' },
    grid: { top: 56, left: 52, right: 16, bottom: 40 },
    legend: { top: 0, type: 'scroll', data: [...pods, ...(anyFailed ? ['failed calls'] : [])] },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${Number(v).toFixed(0)}%` },
    xAxis: {
      type: 'value',
      min: 0,
      max: Math.max(1, Math.ceil(x(state.now))),
      name: 'seconds since start',
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { color: '#1b1f24' },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      name: '% of calls',
      axisLabel: { formatter: '{value}%', color: '#1b1f24' },
    },
    series,
  };
}

/** The page's chart instances, one per client, kept across renders. */
export class Charts {
  private readonly charts = new Map<string, echarts.ECharts>();

  draw(element: HTMLElement, state: RunState, client: string): void {
    let chart = this.charts.get(client);
    if (!chart || chart.getDom() !== element) {
      chart?.dispose();
      chart = echarts.init(element, null, { renderer: 'svg' });
      this.charts.set(client, chart);
    }
    chart.setOption(clientChartOption(state, client), { notMerge: true });
  }

  resize(): void {
    for (const chart of this.charts.values()) chart.resize();
  }

  clear(): void {
    for (const chart of this.charts.values()) chart.dispose();
    this.charts.clear();
  }
}
