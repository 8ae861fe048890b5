import { parseWindowLine, type WindowLine, WindowRecorder } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import { compareCells, compareRows, renderCompareMarkdown } from './compare-matrix.js';
import { COMPARE_DEFAULTS, COMPARE_PHASES, compareScenario } from './compare-protocol.js';
import { ROLLOUT_FINISHED } from './engine.js';
import type { LabEvent, RunResult } from './engine-types.js';
import { parseScenario } from './scenario-load.js';
import { evaluatePhase } from './verdict.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

const scenario = compareScenario(
  parseScenario(
    `
id: l4-lb
title: L4
claim: one pod for gRPC
sources: ["A"]
runtimes: [local]
server: { replicas: 2 }
service: { kind: clusterip }
clients:
  - name: http
    kind: http
    target: "http://addr-server.grpc-lb.svc.cluster.local:8080"
    setup: { label: "ClusterIP, HTTP/1.1", hops: 0, clientChange: none }
  - { name: grpc, kind: grpc, target: "dns:///addr-server.grpc-lb.svc.cluster.local:50051" }
steps:
  - deploy: {}
`,
    'scenario.yaml',
  ),
  COMPARE_DEFAULTS,
);

type Calls = Record<string, number>;

/** One-second windows from `start`, each a map of pod to calls plus optional failures. */
function windows(client: string, start: number, each: (Calls & { failed?: number })[]) {
  const clock = { now: start };
  const recorder = new WindowRecorder(client, client === 'http' ? 'http' : 'grpc', () => clock.now);
  return each.map(({ failed = 0, ...calls }) => {
    for (const [pod, n] of Object.entries(calls)) {
      for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: '127.10.0.1' }, 2);
    }
    for (let i = 0; i < failed; i += 1) recorder.recordError('UNAVAILABLE');
    clock.now += 1000;
    const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.line;
  });
}

const ALL = ['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5'];
const spreadCalls = Object.fromEntries(ALL.map((pod) => [pod, 10]));

function phase(name: string, start: number, lines: WindowLine[], extra = {}) {
  return evaluatePhase(
    {
      phase: name,
      start,
      end: start + 2000,
      windows: lines,
      readyPods: ALL,
      newPods: [],
      windowsSinceNewPods: [],
      expect: {},
      ...extra,
    },
    ['http', 'grpc'],
  );
}

function run(rolloutFinishedAt: number): RunResult {
  const converge = [
    ...windows('http', T0 + 10_000, [{ 'pod-1': 5, 'pod-3': 5 }, spreadCalls]),
    ...windows('grpc', T0 + 10_000, [{ 'pod-1': 50 }, { 'pod-1': 50 }]),
  ];
  const events: LabEvent[] = [{ at: rolloutFinishedAt, kind: 'note', detail: ROLLOUT_FINISHED }];
  return {
    scenario,
    runtime: 'local',
    speed: 1,
    startedAt: T0,
    endedAt: T0 + 40_000,
    phases: [
      phase(COMPARE_PHASES.converge, T0 + 10_000, converge, {
        newPods: ['pod-3', 'pod-4', 'pod-5'].map((name) => ({ name, readyAt: T0 + 9_500 })),
        windowsSinceNewPods: converge,
      }),
      phase(COMPARE_PHASES.spread, T0 + 20_000, [
        ...windows('http', T0 + 20_000, [spreadCalls, spreadCalls]),
        ...windows('grpc', T0 + 20_000, [{ 'pod-1': 50 }, { 'pod-1': 50 }]),
      ]),
      phase(COMPARE_PHASES.scaleDown, T0 + 25_000, [
        ...windows('http', T0 + 25_000, [{ 'pod-1': 50 }, { 'pod-2': 50 }]),
        ...windows('grpc', T0 + 25_000, [{ 'pod-1': 50 }, { 'pod-1': 50 }]),
      ]),
      phase(COMPARE_PHASES.rollout, T0 + 30_000, [
        ...windows('http', T0 + 30_000, [{ 'pod-1': 50 }, { 'pod-2': 50 }]),
        ...windows('grpc', T0 + 30_000, [{ 'pod-1': 40, failed: 10 }, { 'pod-6': 50 }]),
      ]),
    ],
    events,
    pods: [],
    windows: [],
    pass: true,
  };
}

describe('compareRows', () => {
  it('tells a spread setup from a pinned one, from the windows alone', () => {
    const [http, grpc] = compareRows(run(T0 + 31_000));
    expect(http).toMatchObject({
      setup: 'ClusterIP, HTTP/1.1',
      spread: { reached: 5, ready: 5, jain: 1 },
      newPods: { count: 3, reached: 3, worstMs: 2500 },
      scaleDown: { failed: 0, calls: 100 },
      rollout: { failed: 0, finishedInPhase: true },
      hops: 0,
      clientChange: 'none',
    });
    expect(grpc).toMatchObject({
      setup: '',
      spread: { reached: 1, ready: 5 },
      newPods: { count: 3, reached: 0, worstMs: null },
      rollout: { failed: 10, calls: 100, errors: { UNAVAILABLE: 10 } },
      hops: null,
    });
    expect(grpc!.spread.jain).toBeCloseTo(0.2);
  });

  it('prints what it measured, and says what was not measured or declared', () => {
    const [http, grpc] = compareRows(run(T0 + 31_000)).map(compareCells);
    expect(http).toEqual([
      'ClusterIP, HTTP/1.1 (l4-lb/http)',
      '5 of 5 pods, Jain 1.00',
      'all 3 in 2.5s',
      '0',
      '0',
      expect.stringMatching(/^\d+\.\d\d \/ \d+\.\d\d ms$/),
      '0',
      'none',
    ]);
    expect(grpc?.[0]).toBe('l4-lb/grpc');
    expect(grpc?.slice(1, 5)).toEqual([
      '1 of 5 pods, Jain 0.20',
      '0 of 3 in 2s',
      '0',
      '10 (10.0%)',
    ]);
    expect(grpc?.slice(6)).toEqual(['not declared', 'not declared']);
  });

  it('flags a rolling restart that outlasted the phase it was measured in', () => {
    const rows = compareRows(run(T0 + 60_000));
    expect(compareCells(rows[0]!)[4]).toBe('0 (rollout outlasted the phase)');
    expect(renderCompareMarkdown(rows)).toContain('rollout outlasted the phase');
  });

  it('refuses a run that did not follow the protocol', () => {
    const result = run(T0);
    result.phases = result.phases.slice(1);
    expect(() => compareRows(result)).toThrow(/no converge phase/);
  });
});
