import type { PhaseStats } from '@lab/stats';
import { ROLLOUT_FINISHED } from './engine.js';
import type { PhaseResult, RunResult } from './engine-types.js';
import { COMPARE_PHASES, COMPARE_SCALE_UP } from './compare-protocol.js';
import { formatDuration, newPodsReached } from './verdict.js';

/** One setup (a client of a scenario) measured under the comparison protocol. */
export interface CompareRow {
  scenario: string;
  client: string;
  /** The setup's label from scenario.yaml; empty when not declared. */
  setup: string;
  protocol: 'grpc' | 'http';
  /** Pods that took calls in the steady phase after the scale-up, of those Ready. */
  spread: { reached: number; ready: number; jain: number | null };
  /** Time from Ready to first call of the new pod reached last; null if one was never reached. */
  newPods: { count: number; reached: number; worstMs: number | null; watchedMs: number };
  scaleDown: Disruption;
  rollout: Disruption & { finishedInPhase: boolean };
  latencyMs: { p50: number; p99: number } | null;
  /** Declared in scenario.yaml (`setup:`), not measured; null when not declared. */
  hops: number | null;
  clientChange: string | null;
}

export interface Disruption {
  failed: number;
  calls: number;
  errors: Record<string, number>;
}

function phaseOf(result: RunResult, name: string): PhaseResult {
  const phase = result.phases.find((p) => p.record.phase === name);
  if (!phase) {
    throw new Error(
      `${result.scenario.id}: no ${name} phase; the run did not follow the compare protocol`,
    );
  }
  return phase;
}

function statsOf(phase: PhaseResult, client: string): PhaseStats {
  const stats = phase.stats[client];
  if (!stats) throw new Error(`phase ${phase.record.phase} has no stats for ${client}`);
  return stats;
}

function disruption(stats: PhaseStats): Disruption {
  return { failed: stats.failed, calls: stats.ok + stats.failed, errors: stats.errors };
}

/** One row per client of a run made with `compareScenario`. */
export function compareRows(result: RunResult): CompareRow[] {
  const converge = phaseOf(result, COMPARE_PHASES.converge);
  const spread = phaseOf(result, COMPARE_PHASES.spread);
  const scaleDown = phaseOf(result, COMPARE_PHASES.scaleDown);
  const rollout = phaseOf(result, COMPARE_PHASES.rollout);
  const rolloutDone = result.events.find(
    (event) => event.kind === 'note' && event.detail === ROLLOUT_FINISHED,
  );
  return result.scenario.clients.map((client) => {
    const steady = statsOf(spread, client.name);
    const reached = newPodsReached(converge.record, client.name);
    const count = converge.record.newPods.length;
    return {
      scenario: result.scenario.id,
      client: client.name,
      setup: client.setup?.label ?? '',
      protocol: client.kind,
      spread: {
        reached: steady.backendsReached,
        ready: spread.record.readyPods.length,
        jain: steady.jainIndex,
      },
      newPods: {
        count,
        reached: count - reached.missing.length,
        worstMs: reached.missing.length === 0 && reached.worst ? reached.worst.delay : null,
        watchedMs: converge.record.end - converge.record.start,
      },
      scaleDown: disruption(statsOf(scaleDown, client.name)),
      rollout: {
        ...disruption(statsOf(rollout, client.name)),
        finishedInPhase: rolloutDone !== undefined && rolloutDone.at <= rollout.record.end,
      },
      latencyMs: steady.latencyMs ? { p50: steady.latencyMs.p50, p99: steady.latencyMs.p99 } : null,
      hops: client.setup?.hops ?? null,
      clientChange: client.setup?.clientChange ?? null,
    };
  });
}

export const COMPARE_HEADERS = [
  'setup',
  `spread after scale-up to ${COMPARE_SCALE_UP}`,
  'new pods reached',
  'failed: scale-down',
  'failed: rolling restart',
  'p50 / p99',
  'L7 hops',
  'client change',
] as const;

function failedCell(d: Disruption): string {
  if (d.calls === 0) return 'no calls';
  const percent = (100 * d.failed) / d.calls;
  return d.failed === 0 ? '0' : `${d.failed} (${percent < 0.1 ? '<0.1' : percent.toFixed(1)}%)`;
}

function newPodsCell(row: CompareRow): string {
  const { count, reached, worstMs, watchedMs } = row.newPods;
  if (count === 0) return 'no new pods';
  if (worstMs !== null) return `all ${count} in ${formatDuration(worstMs, 1)}`;
  return `${reached} of ${count} in ${formatDuration(watchedMs, 0)}`;
}

/** The matrix's cells, in COMPARE_HEADERS order, as text a table or Markdown prints. */
export function compareCells(row: CompareRow): string[] {
  const jain = row.spread.jain === null ? '' : `, Jain ${row.spread.jain.toFixed(2)}`;
  const latency = row.latencyMs
    ? `${row.latencyMs.p50.toFixed(2)} / ${row.latencyMs.p99.toFixed(2)} ms`
    : 'no calls';
  return [
    row.setup ? `${row.setup} (${row.scenario}/${row.client})` : `${row.scenario}/${row.client}`,
    `${row.spread.reached} of ${row.spread.ready} pods${jain}`,
    newPodsCell(row),
    failedCell(row.scaleDown),
    `${failedCell(row.rollout)}${row.rollout.finishedInPhase ? '' : ' (rollout outlasted the phase)'}`,
    latency,
    row.hops === null ? 'not declared' : String(row.hops),
    row.clientChange ?? 'not declared',
  ];
}

export function renderCompareMarkdown(rows: CompareRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [
    line(COMPARE_HEADERS),
    line(COMPARE_HEADERS.map(() => '---')),
    ...rows.map((row) => line(compareCells(row))),
  ].join('\n');
}
