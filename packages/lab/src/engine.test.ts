import { setTimeout as sleep } from 'node:timers/promises';
import { type WindowLine, WindowRecorder } from '@lab/stats';
import { afterEach, describe, expect, it } from 'vitest';
import { type Narrator, runScenario } from './engine.js';
import type { LabEvent, PhaseResult, PodRecord } from './engine-types.js';
import type { Runtime, RuntimeSink } from './runtime.js';
import { parseScenario } from './scenario-load.js';
import type { Scenario } from './scenario-schema.js';

/** One window line from a real recorder on a hand-set clock. */
function windowLine(
  client: string,
  start: number,
  end: number,
  calls: Record<string, number>,
  errors: Record<string, number> = {},
): WindowLine {
  let clock = start;
  const recorder = new WindowRecorder(client, 'grpc', () => clock);
  for (const [pod, n] of Object.entries(calls)) {
    for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: `10.0.0.${pod.length}` }, 1);
  }
  for (const [code, n] of Object.entries(errors)) {
    for (let i = 0; i < n; i += 1) recorder.recordError(code);
  }
  clock = end;
  return recorder.flush();
}

interface Script {
  /** Pods Ready at deploy, `pod-1` … `pod-n`. */
  replicas?: number;
  /** Runs at the end of deploy, sink in place. */
  onDeploy?: (runtime: ScriptedRuntime) => void;
  /** Replaces the default scale (add Ready pods up to `replicas`). */
  onScale?: (runtime: ScriptedRuntime, replicas: number) => void;
  /** A step that throws. */
  failOn?: 'deploy' | 'scale' | 'rollout-restart';
  /** How long a rollout restart takes. */
  rolloutMs?: number;
  /** Live traffic: every `everyMs`, one window per client, calls per pod from `route`. */
  traffic?: {
    everyMs: number;
    clients: string[];
    route: (client: string, ready: string[]) => Record<string, number>;
  };
}

const runtimes: ScriptedRuntime[] = [];

/** A runtime that does what the test says, and records what the engine asked of it. */
class ScriptedRuntime implements Runtime {
  readonly name = 'scripted';
  readonly calls: string[] = [];
  readonly podList: PodRecord[] = [];
  sink: RuntimeSink | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(private readonly script: Script = {}) {
    runtimes.push(this);
  }

  async deploy(sink: RuntimeSink): Promise<void> {
    this.calls.push('deploy');
    this.sink = sink;
    if (this.script.failOn === 'deploy') throw new Error('deploy failed: no such image');
    // Deploying takes a while, and the first pods turn Ready during it.
    await sleep(20);
    for (let i = 0; i < (this.script.replicas ?? 1); i += 1) this.addPod(Date.now());
    this.script.onDeploy?.(this);
    const traffic = this.script.traffic;
    if (traffic) {
      const recorders = traffic.clients.map(
        (client) => [client, new WindowRecorder(client, 'grpc')] as const,
      );
      this.ticker = setInterval(() => {
        for (const [client, recorder] of recorders) {
          const ready = this.live().map((pod) => pod.name);
          for (const [pod, n] of Object.entries(traffic.route(client, ready))) {
            for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: '10.0.0.1' }, 1);
          }
          this.emit(recorder.flush());
        }
      }, traffic.everyMs);
    }
  }

  async scale(replicas: number): Promise<void> {
    this.calls.push(`scale ${replicas}`);
    if (this.script.failOn === 'scale') throw new Error('scale failed: quota exceeded');
    if (this.script.onScale) return this.script.onScale(this, replicas);
    while (this.live().length < replicas) this.addPod(Date.now());
  }

  async rolloutRestart(): Promise<void> {
    this.calls.push('rollout-restart');
    await sleep(this.script.rolloutMs ?? 0);
    if (this.script.failOn === 'rollout-restart') throw new Error('rollout failed: bad image');
    this.calls.push('rollout-done');
  }

  async killPod(pod: string, graceMs: number | undefined): Promise<string> {
    this.calls.push(`kill-pod ${pod} ${graceMs}`);
    const record = this.podList.find((p) => p.name === pod);
    if (record) record.terminatingAt = Date.now();
    return pod;
  }

  pods(): PodRecord[] {
    return this.podList.map((pod) => ({ ...pod }));
  }

  describe(): string[] {
    return ['scripted runtime: nothing runs'];
  }

  async teardown(): Promise<void> {
    this.calls.push('teardown');
    this.stop();
  }

  stop(): void {
    clearInterval(this.ticker);
  }

  emit(line: WindowLine): void {
    if (!this.sink) throw new Error('test bug: window before deploy');
    this.sink.window(line);
  }

  /** A pod, Ready at `readyAt` (never, if undefined). */
  addPod(readyAt: number | undefined, name = `pod-${++this.seq}`): PodRecord {
    const pod: PodRecord = { name, ip: `127.10.0.${this.seq}`, node: 'n1', createdAt: Date.now() };
    if (readyAt !== undefined) pod.readyAt = readyAt;
    this.podList.push(pod);
    this.sink?.event({
      at: pod.createdAt,
      kind: 'pod-created',
      pod: name,
      detail: `${name} created`,
    });
    if (readyAt !== undefined) {
      this.sink?.event({ at: readyAt, kind: 'pod-ready', pod: name, detail: `${name} Ready` });
    }
    return pod;
  }

  pod(name: string): PodRecord {
    const pod = this.podList.find((p) => p.name === name);
    if (!pod) throw new Error(`test bug: no pod ${name}`);
    return pod;
  }

  private live(): PodRecord[] {
    return this.podList.filter((p) => p.readyAt !== undefined && p.terminatingAt === undefined);
  }
}

afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

interface Log {
  says: string[];
  steps: string[];
  details: string[];
  phases: PhaseResult[];
  events: LabEvent[];
}

/**
 * A narrator that writes everything down. `onMeasure` runs when a phase
 * starts (with its start time) and when it ends: the moments a test pushes
 * windows with timestamps chosen around the phase.
 */
function recordingNarrator(
  onMeasure: (edge: 'start' | 'end', phase: string, at: number) => void = () => {},
): { narrator: Narrator; log: Log } {
  const log: Log = { says: [], steps: [], details: [], phases: [], events: [] };
  const narrator: Narrator = {
    say: (text) => log.says.push(text),
    step: (text) => log.steps.push(text),
    detail: (text) => log.details.push(text),
    progress: () => {},
    phase: (result) => log.phases.push(result),
    event: (event) => {
      log.events.push(event);
      const phase = /^measured? (\S+)/.exec(event.detail)?.[1] ?? '';
      if (event.kind === 'measure-start') onMeasure('start', phase, event.at);
      if (event.kind === 'measure-end') onMeasure('end', phase, event.at);
    },
  };
  return { narrator, log };
}

function scenario(
  steps: string,
  clients = '  - { name: grpc, kind: grpc, target: "dns:///addr-server:50051" }',
): Scenario {
  return parseScenario(
    `id: scripted
title: Scripted
claim: The engine measures what the runtime reports.
sources: ["test"]
runtimes: [local]
server: { replicas: 1 }
service: { kind: clusterip }
clients:
${clients}
steps:
${steps}
`,
    'scripted/scenario.yaml',
  );
}

function phaseNamed(phases: PhaseResult[], name: string): PhaseResult {
  const phase = phases.find((p) => p.record.phase === name);
  if (!phase) throw new Error(`no phase ${name}`);
  return phase;
}

function eventAt(events: LabEvent[], kind: LabEvent['kind']): number {
  const event = events.find((e) => e.kind === kind);
  if (!event) throw new Error(`no ${kind} event`);
  return event.at;
}

describe('runScenario: measuring', () => {
  it('assigns a window to a phase by its midpoint, late windows included', async () => {
    let start = 0;
    const runtime = new ScriptedRuntime();
    const { narrator } = recordingNarrator((edge, _phase, at) => {
      if (edge === 'start') start = at;
      if (edge !== 'end') return;
      // The phase is [start, start + 300); these arrive 300 ms after it ended, as a last
      // window does, within the engine's grace.
      const s = start;
      setTimeout(() => {
        runtime.emit(windowLine('grpc', s - 400, s - 100, { before: 1 }));
        runtime.emit(windowLine('grpc', s - 200, s + 100, { 'overlaps-start': 1 })); // mid s - 50
        runtime.emit(windowLine('grpc', s - 100, s + 200, { 'straddles-start': 1 })); // mid s + 50
        runtime.emit(windowLine('grpc', s + 100, s + 400, { 'straddles-end': 1 })); // mid s + 250
        runtime.emit(windowLine('grpc', s + 200, s + 500, { 'overlaps-end': 1 })); // mid s + 350
      }, 300);
    });
    const result = await runScenario(
      scenario(`  - deploy: {}
  - measure: only
    for: 300ms
    expect:
      grpc: { backends: 2 }`),
      runtime,
      { speed: 1, narrator },
    );
    const { record, stats, verdicts } = phaseNamed(result.phases, 'only');
    expect(record.end - record.start).toBe(300);
    expect(Math.abs(record.start - start)).toBeLessThanOrEqual(5);
    expect(record.windows.flatMap((w) => Object.keys(w.backends)).sort()).toEqual([
      'straddles-end',
      'straddles-start',
    ]);
    expect(stats.grpc?.windows).toBe(2);
    expect(verdicts).toMatchObject([{ client: 'grpc', check: 'backends', pass: true }]);
    expect(result.pass).toBe(true);
  });

  it('counts as new only the pods Ready since the previous measure (or deploy)', async () => {
    let start = 0;
    const runtime = new ScriptedRuntime({
      replicas: 1,
      onDeploy: (rt) => rt.addPod(undefined, 'pod-stuck'),
      onScale: (rt) => {
        rt.addPod(Date.now(), 'pod-new-a');
        rt.addPod(Date.now(), 'pod-new-b');
      },
    });
    const { narrator } = recordingNarrator((edge, phase, at) => {
      if (edge === 'start') start = at;
      // A pod that turns Ready in the middle of the first phase.
      if (edge === 'start' && phase === 'before') {
        setTimeout(() => runtime.addPod(Date.now(), 'pod-mid'), 50);
      }
      if (edge !== 'end' || phase !== 'after') return;
      const s = start;
      // fast reaches both new pods in its first window, about 100 ms after Ready.
      runtime.emit(windowLine('fast', s, s + 100, { 'pod-1': 5, 'pod-new-a': 5, 'pod-new-b': 5 }));
      // slow reaches pod-new-b about 290 ms after it turned Ready.
      runtime.emit(windowLine('slow', s, s + 100, { 'pod-1': 10 }));
      runtime.emit(windowLine('slow', s + 100, s + 200, { 'pod-1': 5, 'pod-new-a': 5 }));
      runtime.emit(windowLine('slow', s + 200, s + 290, { 'pod-new-b': 5 }));
    });
    const result = await runScenario(
      scenario(
        `  - deploy: {}
  - measure: before
    for: 300ms
  - scale: 4
  - measure: after
    for: 300ms
    expect:
      fast: { newPodsReachedWithin: 200ms }
      slow: { newPodsReachedWithin: 200ms }`,
        `  - { name: fast, kind: grpc, target: "dns:///addr-server:50051" }
  - { name: slow, kind: grpc, target: "dns:///addr-server:50051" }`,
      ),
      runtime,
      { speed: 1, narrator },
    );

    const before = phaseNamed(result.phases, 'before').record;
    expect(before.newPods).toEqual([{ name: 'pod-mid', readyAt: runtime.pod('pod-mid').readyAt }]);

    const after = phaseNamed(result.phases, 'after');
    expect(after.record.newPods).toEqual(
      ['pod-new-a', 'pod-new-b'].map((name) => ({ name, readyAt: runtime.pod(name).readyAt })),
    );
    expect([...after.record.readyPods].sort()).toEqual([
      'pod-1',
      'pod-mid',
      'pod-new-a',
      'pod-new-b',
    ]);
    // The first window reaching the new pods started with the phase, so it is in.
    expect(after.record.windowsSinceNewPods).toHaveLength(4);

    const [fast, slow] = after.verdicts;
    expect(fast).toMatchObject({ client: 'fast', check: 'newPodsReachedWithin', pass: true });
    expect(fast?.observed).toMatch(/^0\.1\d*s \(pod-new-[ab]\)$/);
    expect(slow).toMatchObject({ client: 'slow', check: 'newPodsReachedWithin', pass: false });
    expect(slow?.observed).toMatch(/^0\.\d+s \(pod-new-b\)$/);
    expect(result.pass).toBe(false);
  });

  it('divides waits, measures and newPodsReachedWithin by --speed', async () => {
    let start = 0;
    const runtime = new ScriptedRuntime({ replicas: 1 });
    const { narrator, log } = recordingNarrator((edge, _phase, at) => {
      if (edge === 'start') start = at;
      if (edge !== 'end') return;
      const s = start;
      runtime.emit(windowLine('quick', s, s + 100, { 'pod-1': 5, 'pod-2': 5 }));
      runtime.emit(windowLine('late', s, s + 300, { 'pod-1': 10 }));
      // pod-2 first reached about 650 ms after Ready: within the file's 2s, not within 2s / 4.
      runtime.emit(windowLine('late', s + 300, s + 650, { 'pod-2': 10 }));
    });
    const began = Date.now();
    const result = await runScenario(
      scenario(
        `  - deploy: {}
  - wait: 800ms
  - scale: 2
  - measure: scaled
    for: 2s
    expect:
      quick: { newPodsReachedWithin: 2s }
      late: { newPodsReachedWithin: 2s }`,
        `  - { name: quick, kind: grpc, target: "dns:///addr-server:50051" }
  - { name: late, kind: grpc, target: "dns:///addr-server:50051" }`,
      ),
      runtime,
      { speed: 4, narrator },
    );
    const elapsed = Date.now() - began;

    expect(result.speed).toBe(4);
    expect(log.steps).toContain('wait 0.2s');
    expect(log.steps).toContain('measure scaled for 0.5s');
    const waited = eventAt(result.events, 'scale') - eventAt(result.events, 'wait');
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(500);
    const { record, verdicts } = phaseNamed(result.phases, 'scaled');
    expect(record.end - record.start).toBe(500);
    const measured =
      eventAt(result.events, 'measure-end') - eventAt(result.events, 'measure-start');
    expect(measured).toBeGreaterThanOrEqual(490);
    expect(measured).toBeLessThan(800);
    // wait 200 + measure 500 + the 800 ms grace for the last window: not 2.8 s of file time.
    expect(elapsed).toBeLessThan(2300);

    expect(record.expect).toEqual({
      quick: { newPodsReachedWithin: 500 },
      late: { newPodsReachedWithin: 500 },
    });
    expect(verdicts).toMatchObject([
      { client: 'quick', check: 'newPodsReachedWithin', expected: '≤ 0.5s', pass: true },
      { client: 'late', check: 'newPodsReachedWithin', expected: '≤ 0.5s', pass: false },
    ]);
    expect(verdicts[1]?.observed).toMatch(/\(pod-2\)$/);
  });

  it('judges from live traffic: result.pass is false when any verdict fails', async () => {
    const traffic = {
      everyMs: 50,
      clients: ['http', 'grpc'],
      // http spreads over every Ready pod; grpc stays on the first pod.
      route: (client: string, ready: string[]): Record<string, number> =>
        client === 'http' ? Object.fromEntries(ready.map((pod) => [pod, 2])) : { 'pod-1': 6 },
    };
    const clients = `  - { name: http, kind: http, target: "http://addr-server:8080" }
  - { name: grpc, kind: grpc, target: "dns:///addr-server:50051" }`;
    const runtime = new ScriptedRuntime({ replicas: 1, traffic });
    const { narrator, log } = recordingNarrator();
    const result = await runScenario(
      scenario(
        `  - deploy: {}
  - measure: one-pod
    for: 300ms
    expect:
      grpc: { backends: 1, failed: 0 }
  - scale: 3
  - measure: three-pods
    for: 300ms
    expect:
      http: { backends: 3, failed: 0 }
      grpc: { backends: { min: 3 } }`,
        clients,
      ),
      runtime,
      { speed: 1, narrator },
    );
    expect(log.phases.map((p) => p.record.phase)).toEqual(['one-pod', 'three-pods']);
    expect(phaseNamed(result.phases, 'one-pod').verdicts.every((row) => row.pass)).toBe(true);
    const rows = phaseNamed(result.phases, 'three-pods').verdicts;
    expect(rows.filter((row) => !row.pass)).toMatchObject([
      { client: 'grpc', check: 'backends', observed: '1', pass: false },
    ]);
    expect(rows.filter((row) => row.pass)).toHaveLength(2);
    expect(result.pass).toBe(false);
    expect(runtime.calls).toEqual(['deploy', 'scale 3', 'teardown']);
  });

  it('result.pass is true when every verdict passes', async () => {
    const runtime = new ScriptedRuntime({
      replicas: 2,
      traffic: { everyMs: 50, clients: ['grpc'], route: () => ({ 'pod-1': 3, 'pod-2': 3 }) },
    });
    const { narrator } = recordingNarrator();
    const result = await runScenario(
      scenario(`  - deploy: {}
  - measure: two-pods
    for: 300ms
    expect:
      grpc: { backends: 2, jain: { min: 0.99 }, failed: 0 }`),
      runtime,
      { speed: 1, narrator },
    );
    expect(result.phases[0]?.verdicts).toHaveLength(3);
    expect(result.pass).toBe(true);
  });
});

describe('runScenario: kill-pod', () => {
  const clients = `  - { name: grpc, kind: grpc, target: "dns:///addr-server:50051" }
  - { name: other, kind: grpc, target: "dns:///addr-server:50051" }`;
  const steps = `  - deploy: {}
  - kill-pod: { pod: "pinned-by:grpc", grace: 0s }`;

  /** grpc's latest window with calls is mostly pod-3; later lines must not change that. */
  function pinnedToPod3(rt: ScriptedRuntime): void {
    const t = Date.now();
    rt.emit(windowLine('grpc', t - 3000, t - 2000, { 'pod-2': 10 }));
    rt.emit(windowLine('grpc', t - 2000, t - 1000, { 'pod-1': 3, 'pod-3': 7 }));
    rt.emit(windowLine('other', t - 1000, t - 500, { 'pod-2': 10 }));
    rt.emit(windowLine('grpc', t - 1000, t, {}, { UNAVAILABLE: 3 }));
  }

  it('pinned-by:<client> deletes the pod with most calls in its latest window', async () => {
    const runtime = new ScriptedRuntime({ replicas: 3, onDeploy: pinnedToPod3 });
    const { narrator } = recordingNarrator();
    const result = await runScenario(scenario(steps, clients), runtime, { speed: 1, narrator });
    expect(runtime.calls).toEqual(['deploy', 'kill-pod pod-3 0', 'teardown']);
    expect(result.events.map((e) => e.detail)).toContain('deleted pod-3');
  });

  it('says the pinned pod is already gone when it is terminating, and deletes nothing', async () => {
    const runtime = new ScriptedRuntime({
      replicas: 3,
      onDeploy: (rt) => {
        pinnedToPod3(rt);
        rt.pod('pod-3').terminatingAt = Date.now();
      },
    });
    const { narrator, log } = recordingNarrator();
    const result = await runScenario(scenario(steps, clients), runtime, { speed: 1, narrator });
    expect(runtime.calls).toEqual(['deploy', 'teardown']);
    const said = log.details.filter((line) => line.includes('already gone'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('pod-3');
    expect(result.events).toContainEqual(
      expect.objectContaining({ kind: 'note', detail: said[0] }),
    );
  });

  it('says so when the client has reached no pod yet', async () => {
    const runtime = new ScriptedRuntime({ replicas: 2 });
    const { narrator, log } = recordingNarrator();
    await runScenario(scenario(steps, clients), runtime, { speed: 1, narrator });
    expect(runtime.calls).toEqual(['deploy', 'teardown']);
    expect(log.details).toContain('grpc has not reached any pod: nothing to delete');
  });

  it('passes oldest, newest and names to the runtime as they are', async () => {
    const runtime = new ScriptedRuntime({ replicas: 2 });
    const { narrator } = recordingNarrator();
    await runScenario(
      scenario(`  - deploy: {}
  - kill-pod: { pod: oldest }
  - kill-pod: { pod: pod-2, grace: 2s }`),
      runtime,
      { speed: 2, narrator },
    );
    expect(runtime.calls).toEqual([
      'deploy',
      'kill-pod oldest undefined',
      'kill-pod pod-2 2000',
      'teardown',
    ]);
  });
});

describe('runScenario: the runtime’s life', () => {
  it.each(['deploy', 'scale'] as const)(
    'a runtime error in %s still tears the runtime down, and is rethrown',
    async (failOn) => {
      const runtime = new ScriptedRuntime({ failOn });
      const { narrator, log } = recordingNarrator();
      const run = runScenario(
        scenario(`  - deploy: {}
  - scale: 3
  - say: Never said.`),
        runtime,
        { speed: 1, narrator },
      );
      await expect(run).rejects.toThrow(failOn === 'deploy' ? 'no such image' : 'quota exceeded');
      expect(runtime.calls.at(-1)).toBe('teardown');
      expect(runtime.calls.filter((call) => call === 'teardown')).toHaveLength(1);
      expect(log.says).not.toContain('Never said.');
    },
  );

  it('tears down after the last step, once', async () => {
    const runtime = new ScriptedRuntime();
    const { narrator, log } = recordingNarrator();
    const result = await runScenario(
      scenario(`  - say: Hello.
  - deploy: {}
  - wait: 20ms`),
      runtime,
      { speed: 1, narrator },
    );
    expect(runtime.calls).toEqual(['deploy', 'teardown']);
    expect(log.says).toEqual(['Hello.']);
    expect(log.details).toContain('scripted runtime: nothing runs');
    expect(result.pass).toBe(true);
    expect(result.runtime).toBe('scripted');
  });

  it('rollout-restart waits for the rollout by default', async () => {
    const runtime = new ScriptedRuntime({ rolloutMs: 100 });
    const { narrator, log } = recordingNarrator();
    await runScenario(
      scenario(`  - deploy: {}
  - rollout-restart: {}
  - measure: after
    for: 20ms`),
      runtime,
      { speed: 1, narrator },
    );
    expect(runtime.calls).toEqual(['deploy', 'rollout-restart', 'rollout-done', 'teardown']);
    expect(log.events.map((e) => e.kind)).not.toContain('note');
  });

  it('rollout-restart with wait: false is measured while it runs, and the next action waits', async () => {
    const runtime = new ScriptedRuntime({ rolloutMs: 300 });
    const order: string[] = [];
    const { narrator, log } = recordingNarrator((edge, phase) => {
      order.push(`${edge} ${phase}: ${runtime.calls.at(-1)}`);
    });
    await runScenario(
      scenario(`  - deploy: {}
  - rollout-restart: { wait: false }
  - measure: during
    for: 50ms
  - scale: 2`),
      runtime,
      { speed: 1, narrator },
    );
    // The measure began and ended with the rollout still going; scale came after it.
    expect(order).toEqual(['start during: rollout-restart', 'end during: rollout-restart']);
    expect(runtime.calls).toEqual([
      'deploy',
      'rollout-restart',
      'rollout-done',
      'scale 2',
      'teardown',
    ]);
    expect(log.events.some((e) => e.detail === 'rollout restart finished')).toBe(true);
  });

  it('a background rollout that fails fails the run and tears down', async () => {
    const runtime = new ScriptedRuntime({ rolloutMs: 50, failOn: 'rollout-restart' });
    const { narrator } = recordingNarrator();
    await expect(
      runScenario(
        scenario(`  - deploy: {}
  - rollout-restart: { wait: false }
  - measure: during
    for: 10ms`),
        runtime,
        { speed: 1, narrator },
      ),
    ).rejects.toThrow('rollout failed: bad image');
    expect(runtime.calls.at(-1)).toBe('teardown');
  });

  it('keep: true leaves the runtime running', async () => {
    const runtime = new ScriptedRuntime();
    const { narrator } = recordingNarrator();
    const result = await runScenario(
      scenario(`  - deploy: {}
  - wait: 20ms`),
      runtime,
      { speed: 1, narrator, keep: true },
    );
    expect(runtime.calls).toEqual(['deploy']);
    expect(result.pods.map((pod) => pod.name)).toEqual(['pod-1']);
  });
});
