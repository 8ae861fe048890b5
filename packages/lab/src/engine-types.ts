import type { PhaseStats, WindowLine } from '@lab/stats';
import type { ClientExpect, Scenario } from './scenario-schema.js';
import type { TopologyReport } from './topology-report.js';

/** One pod's life as the runtime saw it; times are epoch ms. */
export interface PodRecord {
  name: string;
  ip: string;
  node: string;
  createdAt: number;
  readyAt?: number | undefined;
  /** Removed from the endpoints and sent SIGTERM (or SIGKILL with grace 0). */
  terminatingAt?: number | undefined;
  exitedAt?: number | undefined;
}

export type LabEventKind =
  | 'say'
  | 'balancer'
  | 'deploy'
  | 'scale'
  | 'rollout-restart'
  | 'kill-pod'
  | 'wait'
  | 'measure-start'
  | 'measure-end'
  | 'pod-created'
  | 'pod-ready'
  | 'pod-not-ready'
  | 'pod-terminating'
  | 'pod-exited'
  /** Something a person should know that is not a step: a client note, a client that exited. */
  | 'note';

/** Everything that happened during a run, in order; reports and the dashboard draw these. */
export interface LabEvent {
  at: number;
  kind: LabEventKind;
  pod?: string | undefined;
  detail: string;
}

/** What one `measure` step recorded. */
export interface PhaseRecord {
  phase: string;
  start: number;
  end: number;
  /** Every client's windows whose midpoint falls inside [start, end). */
  windows: WindowLine[];
  /** Pods Ready at any moment of the phase: the pods expected to share the load. */
  readyPods: string[];
  /**
   * Pods that turned Ready after the previous measure ended (or after deploy,
   * for the first), with their Ready time, for `newPodsReachedWithin`.
   */
  newPods: { name: string; readyAt: number }[];
  /**
   * Windows of every client from the first new pod's Ready time to the phase
   * end, so a pod reached before the phase started still counts.
   */
  windowsSinceNewPods: WindowLine[];
  expect: Record<string, ClientExpect>;
}

export interface VerdictRow {
  phase: string;
  client: string;
  /** `backends`, `maxShare`, `jain`, `failed`, `newPodsReachedWithin`, or `windows`. */
  check: string;
  expected: string;
  observed: string;
  pass: boolean;
}

export interface PhaseResult {
  record: PhaseRecord;
  /** Per client. */
  stats: Record<string, PhaseStats>;
  verdicts: VerdictRow[];
}

export interface RunResult {
  scenario: Scenario;
  runtime: string;
  speed: number;
  startedAt: number;
  endedAt: number;
  phases: PhaseResult[];
  events: LabEvent[];
  pods: PodRecord[];
  /** Every window line of every client, in arrival order: the raw measurements. */
  windows: WindowLine[];
  /** Where calls landed by node and zone, when the backends reported their nodes. */
  topology?: TopologyReport;
  pass: boolean;
}
