import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseWindowLine, type WindowLine, WindowRecorder } from '@lab/stats';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from './engine-types.js';
import { writeReport } from './report.js';
import { parseScenario } from './scenario-load.js';
import { evaluatePhase } from './verdict.js';
import { renderVerdictMarkdown } from './verdict-table.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

const scenario = parseScenario(
  `
id: l4-lb
title: L4 ClusterIP Service
claim: A ClusterIP Service balances connections, so gRPC stays on one pod.
sources: ["A: gRPC Load Balancing Example in Kubernetes (Java)"]
runtimes: [local]
server: { replicas: 1 }
service: { kind: clusterip }
clients:
  - { name: http, kind: http, target: "http://addr-server.grpc-lb.svc.cluster.local:8080" }
  - { name: grpc, kind: grpc, target: "dns:///addr-server.grpc-lb.svc.cluster.local:50051" }
steps:
  - deploy: {}
  - measure: before
    for: 2s
    expect:
      grpc: { backends: 1, failed: 0 }
  - scale: 3
  - measure: after-scale-up
    for: 2s
    expect:
      http: { backends: { min: 3 } }
      grpc: { backends: { min: 3 }, newPodsReachedWithin: 1s }
`,
  'scenario.yaml',
);

function recorded(client: string, start: number, calls: Record<string, number>[]): WindowLine[] {
  const clock = { now: start };
  const recorder = new WindowRecorder(client, client === 'http' ? 'http' : 'grpc', () => clock.now);
  return calls.map((window) => {
    for (const [pod, n] of Object.entries(window)) {
      for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: `127.10.0.${pod.slice(4)}` }, 3);
    }
    clock.now += 1000;
    const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.line;
  });
}

function runResult(): RunResult {
  const clients = scenario.clients.map((client) => client.name);
  const before = [
    ...recorded('http', T0 + 1000, [{ 'pod-1': 10 }, { 'pod-1': 10 }]),
    ...recorded('grpc', T0 + 1000, [{ 'pod-1': 10 }, { 'pod-1': 10 }]),
  ];
  const after = [
    ...recorded('http', T0 + 5000, [
      { 'pod-1': 4, 'pod-2': 3, 'pod-3': 3 },
      { 'pod-1': 3, 'pod-2': 4, 'pod-3': 3 },
    ]),
    ...recorded('grpc', T0 + 5000, [{ 'pod-1': 10 }, { 'pod-1': 10 }]),
  ];
  const phases = [
    evaluatePhase(
      {
        phase: 'before',
        start: T0 + 1000,
        end: T0 + 3000,
        windows: before,
        readyPods: ['pod-1'],
        newPods: [],
        windowsSinceNewPods: [],
        expect: { grpc: { backends: 1, failed: 0 } },
      },
      clients,
    ),
    evaluatePhase(
      {
        phase: 'after-scale-up',
        start: T0 + 5000,
        end: T0 + 7000,
        windows: after,
        readyPods: ['pod-1', 'pod-2', 'pod-3'],
        newPods: [
          { name: 'pod-2', readyAt: T0 + 4000 },
          { name: 'pod-3', readyAt: T0 + 4000 },
        ],
        windowsSinceNewPods: after,
        expect: {
          http: { backends: { min: 3 } },
          grpc: { backends: { min: 3 }, newPodsReachedWithin: 1000 },
        },
      },
      clients,
    ),
  ];
  return {
    scenario,
    runtime: 'local',
    speed: 1,
    startedAt: T0,
    endedAt: T0 + 7500,
    phases,
    events: [
      { at: T0, kind: 'deploy', detail: '1 pod' },
      { at: T0 + 900, kind: 'pod-ready', pod: 'pod-1', detail: 'Ready' },
      { at: T0 + 1000, kind: 'measure-start', detail: 'before' },
      { at: T0 + 3500, kind: 'scale', detail: '1 → 3' },
      { at: T0 + 4000, kind: 'pod-ready', pod: 'pod-2', detail: 'Ready' },
    ],
    pods: [{ name: 'pod-1', ip: '127.10.0.1', node: 'node-1', createdAt: T0, readyAt: T0 + 900 }],
    windows: [...before, ...after],
    pass: false,
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('writeReport', () => {
  it('writes the JSON, the Markdown and one chart per phase into a per-run folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-report-'));
    dirs.push(dir);
    const result = runResult();
    const files = await writeReport(result, dir);

    const out = dirname(files.json);
    expect(basename(out)).toBe('l4-lb-local-2026-01-02T03-04-05.000Z');
    expect(dirname(out)).toBe(dir);
    expect(files.svgs).toHaveLength(2);
    expect((await readdir(out)).sort()).toEqual(
      ['report.json', 'report.md', ...files.svgs.map((svg) => basename(svg))].sort(),
    );

    expect(JSON.parse(await readFile(files.json, 'utf8'))).toEqual(result);

    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toContain('# L4 ClusterIP Service');
    expect(markdown).toContain(scenario.claim);
    expect(markdown).toContain('A: gRPC Load Balancing Example in Kubernetes (Java)');
    for (const phase of result.phases) {
      for (const line of renderVerdictMarkdown(phase.verdicts).split('\n')) {
        expect(markdown).toContain(line);
      }
    }
    expect(markdown).toContain('| after-scale-up | grpc | backends | ≥ 3 | 1 | FAIL |');
    expect(markdown).toContain('pod-1 100%, pod-2 0%, pod-3 0%');
    for (const svg of files.svgs) {
      expect(markdown).toContain(`](${basename(svg)})`);
    }
    expect(markdown).toContain('## Timeline');
    expect(markdown).toContain('| +4s | pod-ready | pod-2 | Ready |');

    for (const [i, svgFile] of files.svgs.entries()) {
      const svg = await readFile(svgFile, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      for (const pod of result.phases[i]!.record.readyPods) expect(svg).toContain(pod);
      expect(svg).toContain('share of calls per pod');
    }
  });
});
