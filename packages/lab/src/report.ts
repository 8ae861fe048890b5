import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhaseStats } from '@lab/stats';
import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TitleComponent,
  type TitleComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { PhaseResult, RunResult } from './engine-types.js';
import { formatDuration, formatErrors } from './verdict.js';
import { renderVerdictMarkdown, summarizeVerdicts } from './verdict-table.js';
import { renderTopologyMarkdown } from './topology-report.js';

echarts.use([BarChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

type ChartOption = echarts.ComposeOption<
  BarSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption
>;

export interface ReportFiles {
  json: string;
  markdown: string;
  svgs: string[];
}

/** Observable's categorical palette: distinct for colour-blind readers, legible on white. */
const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2'];
const CHART_WIDTH = 760;

const byPodName = new Intl.Collator('en', { numeric: true }).compare;

/** Pods Ready in the phase (idle ones are the story) plus any other pod that took calls. */
function podsOf(phase: PhaseResult): string[] {
  const pods = new Set(phase.record.readyPods);
  for (const stats of Object.values(phase.stats)) {
    for (const pod of Object.keys(stats.backends)) pods.add(pod);
  }
  return [...pods].sort(byPodName);
}

function percent(share: number): number {
  return Math.round(share * 1000) / 10;
}

function formatJain(stats: PhaseStats): string {
  return stats.jainIndex === null ? 'no calls' : stats.jainIndex.toFixed(2);
}

/**
 * One phase's distribution as an SVG: a bar per pod for each client, sized
 * by that pod's share of the client's successful calls, idle pods at 0%.
 */
export function renderShareChart(phase: PhaseResult): string {
  const pods = podsOf(phase);
  const clients = Object.values(phase.stats);
  // One subtitle line per client, so many clients never run off the side.
  const legendTop = 46 + 16 * Math.max(1, clients.length);
  const gridTop = legendTop + 38;
  const height = gridTop + 50 + Math.max(1, pods.length) * (Math.max(1, clients.length) * 18 + 16);
  const option: ChartOption = {
    animation: false,
    backgroundColor: '#ffffff',
    color: PALETTE,
    textStyle: { fontFamily: 'sans-serif' },
    title: {
      text: `${phase.record.phase}: share of calls per pod`,
      subtext: clients
        .map(
          (s) =>
            `${s.client}: ${s.backendsReached} of ${phase.record.readyPods.length} Ready pods reached, Jain ${formatJain(s)}`,
        )
        .join('\n'),
      left: 'center',
    },
    legend: { top: legendTop, data: clients.map((s) => s.client) },
    grid: { top: gridTop, left: 70, right: 60, bottom: 50 },
    xAxis: {
      type: 'value',
      min: 0,
      max: 100,
      name: "% of the client's successful calls",
      nameLocation: 'middle',
      nameGap: 28,
      axisLabel: { formatter: '{value}%' },
    },
    yAxis: {
      type: 'category',
      data: pods,
      inverse: true,
      name: 'pod',
      nameLocation: 'start',
    },
    series: clients.map((stats) => ({
      type: 'bar',
      name: stats.client,
      data: pods.map((pod) => percent(stats.backends[pod]?.share ?? 0)),
      label: { show: true, position: 'right', formatter: '{c}%', color: '#333333' },
    })),
  };
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: CHART_WIDTH,
    height,
  });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function formatLatency(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

function clientRow(stats: PhaseStats, pods: string[], readyPods: string[]): string[] {
  const shares = pods
    .map((pod) => `${pod} ${percent(stats.backends[pod]?.share ?? 0)}%`)
    .join(', ');
  const codes = formatErrors(stats.errors);
  return [
    stats.client,
    String(stats.windows),
    String(stats.ok),
    `${stats.backendsReached} of ${readyPods.length} ready`,
    stats.ok > 0 ? shares : '',
    formatJain(stats),
    codes ? `${stats.failed} (${codes})` : String(stats.failed),
    stats.latencyMs ? formatLatency(stats.latencyMs.p50) : '',
    stats.latencyMs ? formatLatency(stats.latencyMs.p99) : '',
  ];
}

function phaseSection(phase: PhaseResult, startedAt: number, svg: string): string {
  const { record } = phase;
  const at = (t: number) => `+${formatDuration(t - startedAt, 1)}`;
  const pods = podsOf(phase);
  const newPods = record.newPods.map((pod) => `${pod.name} (Ready at ${at(pod.readyAt)})`);
  return [
    `## Phase \`${record.phase}\``,
    `${at(record.start)} to ${at(record.end)} (${formatDuration(record.end - record.start)}). ` +
      `Ready pods: ${record.readyPods.join(', ') || 'none'}. ` +
      `New pods: ${newPods.join(', ') || 'none'}.`,
    table(
      ['client', 'windows', 'ok', 'pods reached', 'share per pod', 'Jain', 'failed', 'p50', 'p99'],
      Object.values(phase.stats).map((stats) => clientRow(stats, pods, record.readyPods)),
    ),
    `![${record.phase}: share of calls per pod](${svg})`,
    '### Verdicts',
    phase.verdicts.length > 0
      ? renderVerdictMarkdown(phase.verdicts)
      : 'No expectations for this phase.',
  ].join('\n\n');
}

function renderMarkdown(result: RunResult, svgs: string[]): string {
  const { scenario } = result;
  const verdicts = result.phases.flatMap((phase) => phase.verdicts);
  const at = (t: number) => `+${formatDuration(t - result.startedAt, 1)}`;
  return [
    `# ${scenario.title}`,
    `> ${scenario.claim}`,
    `**${result.pass ? 'PASS' : 'FAIL'}**: ${summarizeVerdicts(scenario.id, verdicts)}`,
    table(
      ['scenario', 'runtime', 'speed', 'started', 'duration'],
      [
        [
          scenario.id,
          result.runtime,
          `${result.speed}×`,
          new Date(result.startedAt).toISOString(),
          formatDuration(result.endedAt - result.startedAt, 1),
        ],
      ],
    ),
    ['Sources:', ...scenario.sources.map((source) => `- ${source}`)].join('\n'),
    ...result.phases.map((phase, i) => phaseSection(phase, result.startedAt, svgs[i]!)),
    ...(result.topology ? [renderTopologyMarkdown(result.topology).trimEnd()] : []),
    '## Timeline',
    table(
      ['time', 'event', 'pod', 'detail'],
      result.events.map((event) => [at(event.at), event.kind, event.pod ?? '', event.detail]),
    ),
  ].join('\n\n');
}

function svgName(index: number, phase: string): string {
  return `${String(index + 1).padStart(2, '0')}-${phase.replaceAll(/[^a-zA-Z0-9_-]/g, '_')}.svg`;
}

/**
 * Writes one run's report folder, named so that runs never overwrite each
 * other: the raw result as JSON (windows kept: they are the measurements),
 * a Markdown report, and one distribution chart per phase.
 */
export async function writeReport(result: RunResult, dir: string): Promise<ReportFiles> {
  const stamp = new Date(result.startedAt).toISOString().replaceAll(':', '-');
  const out = join(dir, `${result.scenario.id}-${result.runtime}-${stamp}`);
  await mkdir(out, { recursive: true });

  const names = result.phases.map((phase, i) => svgName(i, phase.record.phase));
  const svgs = names.map((name) => join(out, name));
  await Promise.all(
    result.phases.map((phase, i) => writeFile(svgs[i]!, renderShareChart(phase), 'utf8')),
  );
  const json = join(out, 'report.json');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
  const markdown = join(out, 'report.md');
  await writeFile(markdown, `${renderMarkdown(result, names)}\n`, 'utf8');
  return { json, markdown, svgs };
}
