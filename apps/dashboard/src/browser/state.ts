import {
  type DashMessage,
  type LabEventInfo,
  type PhaseInfo,
  RECENT_WINDOWS,
  type ScenarioInfo,
  type WindowPoint,
} from '../messages.js';

export type PodPhase = 'Starting' | 'Ready' | 'Not ready' | 'Terminating' | 'Exited' | 'Serving';

export interface PodView {
  name: string;
  state: PodPhase;
  /** The runtime's last word on this pod (its IP, why it exited…). */
  detail: string;
}

/** A step drawn on every chart: a scale, a restart, a deleted pod. */
export interface Marker {
  at: number;
  kind: string;
  label: string;
}

export interface NarrationLine {
  at: number;
  kind: 'say' | 'step' | 'detail';
  text: string;
}

export interface RunState {
  scenario: ScenarioInfo | null;
  /** The run's start (epoch ms): charts count seconds from here. */
  t0: number;
  narration: NarrationLine[];
  currentStep: string | null;
  progress: string | null;
  pods: Map<string, PodView>;
  /** Pod names in the order the run first mentioned them: their colour follows. */
  podOrder: string[];
  windows: Map<string, WindowPoint[]>;
  markers: Marker[];
  measuring: { phase: string; start: number } | null;
  phases: PhaseInfo[];
  ended: { at: number; pass: boolean } | null;
  /** The latest time any message carried. */
  now: number;
}

export function emptyState(): RunState {
  return {
    scenario: null,
    t0: 0,
    narration: [],
    currentStep: null,
    progress: null,
    pods: new Map(),
    podOrder: [],
    windows: new Map(),
    markers: [],
    measuring: null,
    phases: [],
    ended: null,
    now: 0,
  };
}

const POD_STATES: Record<string, PodPhase> = {
  'pod-created': 'Starting',
  'pod-ready': 'Ready',
  'pod-not-ready': 'Not ready',
  'pod-terminating': 'Terminating',
  'pod-exited': 'Exited',
};

function notePod(state: RunState, name: string): void {
  if (!state.podOrder.includes(name)) state.podOrder.push(name);
}

function marker(event: LabEventInfo): Marker | null {
  switch (event.kind) {
    case 'scale':
      return {
        at: event.at,
        kind: 'scale',
        label: `scale to ${/(\d+)\s*$/.exec(event.detail)?.[1] ?? '?'}`,
      };
    case 'rollout-restart':
      return { at: event.at, kind: 'restart', label: 'rollout restart' };
    case 'kill-pod':
      // The step is noted twice: "delete pod X" before, "deleted X" once done.
      return event.detail.startsWith('deleted ')
        ? { at: event.at, kind: 'kill', label: event.detail.replace(/^deleted /, 'delete ') }
        : null;
    case 'balancer':
      return { at: event.at, kind: 'balancer', label: event.detail.replace(/ \(.*\)$/, '') };
    default:
      return null;
  }
}

function applyEvent(state: RunState, event: LabEventInfo): void {
  state.now = Math.max(state.now, event.at);
  const podState = POD_STATES[event.kind];
  if (podState && event.pod) {
    notePod(state, event.pod);
    state.pods.set(event.pod, { name: event.pod, state: podState, detail: event.detail });
  }
  const mark = marker(event);
  if (mark) state.markers.push(mark);
  if (event.kind === 'measure-start') {
    state.measuring = { phase: /^measure (\S+)/.exec(event.detail)?.[1] ?? '', start: event.at };
  }
}

function applyWindow(state: RunState, window: WindowPoint): void {
  state.now = Math.max(state.now, window.end);
  const list = state.windows.get(window.client) ?? [];
  list.push(window);
  state.windows.set(window.client, list);
  for (const [pod, calls] of Object.entries(window.backends)) {
    if (calls === 0) continue;
    notePod(state, pod);
    if (!state.pods.has(pod)) {
      state.pods.set(pod, { name: pod, state: 'Serving', detail: 'answering calls' });
    }
  }
}

/** Folds one message into the state. */
export function apply(state: RunState, message: DashMessage): void {
  switch (message.type) {
    case 'hello':
      Object.assign(state, emptyState());
      state.scenario = message.scenario;
      state.t0 = message.at;
      state.now = message.at;
      for (const client of message.scenario.clients) state.windows.set(client.name, []);
      return;
    case 'say':
    case 'step':
    case 'detail':
      state.now = Math.max(state.now, message.at);
      state.narration.push({ at: message.at, kind: message.type, text: message.text });
      if (message.type === 'step') state.currentStep = message.text;
      return;
    case 'progress':
      state.progress = message.text;
      return;
    case 'event':
      applyEvent(state, message.event);
      return;
    case 'window':
      applyWindow(state, message.window);
      return;
    case 'phase':
      state.phases.push(message.phase);
      state.measuring = null;
      return;
    case 'end':
      state.ended = { at: message.at, pass: message.pass };
      state.now = Math.max(state.now, message.at);
      state.currentStep = message.pass
        ? 'Run finished: every check passed'
        : 'Run finished: a check failed';
      state.progress = null;
      return;
  }
}

export interface PodShare {
  pod: string;
  calls: number;
  share: number;
}

/**
 * A client's calls per pod over its last RECENT_WINDOWS windows, busiest
 * first, then the Ready pods it did not reach (at 0: idle pods are the story).
 */
export function recentShares(state: RunState, client: string): PodShare[] {
  const windows = (state.windows.get(client) ?? []).slice(-RECENT_WINDOWS);
  const calls = new Map<string, number>();
  for (const window of windows) {
    for (const [pod, n] of Object.entries(window.backends)) {
      if (n > 0) calls.set(pod, (calls.get(pod) ?? 0) + n);
    }
  }
  const total = [...calls.values()].reduce((sum, n) => sum + n, 0);
  const rows = [...calls].map(([pod, n]) => ({ pod, calls: n, share: total ? n / total : 0 }));
  rows.sort((a, b) => b.calls - a.calls || byName(a.pod, b.pod));
  for (const pod of state.podOrder) {
    if (!calls.has(pod) && state.pods.get(pod)?.state === 'Ready') {
      rows.push({ pod, calls: 0, share: 0 });
    }
  }
  return rows;
}

export const byName = new Intl.Collator('en', { numeric: true }).compare;

/** Pods that served this client in its last RECENT_WINDOWS windows, by name. */
export function podsVisible(state: RunState, client: string): string[] {
  return recentShares(state, client)
    .filter((row) => row.calls > 0)
    .map((row) => row.pod)
    .sort(byName);
}
