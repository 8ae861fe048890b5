import { parseWindowLine, type WindowLine, WindowRecorder } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import type { PhaseRecord, VerdictRow } from './engine-types.js';
import { parseScenario } from './scenario-load.js';
import { evaluatePhase, formatDuration, formatRange } from './verdict.js';

const PODS = ['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5'];

interface WindowSpec {
  end: number;
  calls?: Record<string, number>;
  errors?: Record<string, number>;
}

/** Real window lines: a recorder on a hand-driven clock, read back through the schema. */
function recorded(client: string, startAt: number, specs: WindowSpec[]): WindowLine[] {
  const clock = { now: startAt };
  const recorder = new WindowRecorder(client, 'grpc', () => clock.now);
  return specs.map(({ end, calls = {}, errors = {} }) => {
    for (const [pod, n] of Object.entries(calls)) {
      for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: `127.10.0.${pod.slice(4)}` }, 2);
    }
    for (const [code, n] of Object.entries(errors)) {
      for (let i = 0; i < n; i += 1) recorder.recordError(code);
    }
    clock.now = end;
    const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.line;
  });
}

/** Three 1 s windows from 10 s, the same calls in each. */
function steady(client: string, calls: Record<string, number>, errors?: Record<string, number>) {
  return recorded(
    client,
    10_000,
    [11_000, 12_000, 13_000].map((end) => ({ end, calls, ...(errors ? { errors } : {}) })),
  );
}

const pinned = (client = 'grpc') => steady(client, { 'pod-1': 20 });
const spread = (client = 'grpc') => steady(client, Object.fromEntries(PODS.map((pod) => [pod, 4])));

function phase(overrides: Partial<PhaseRecord>): PhaseRecord {
  return {
    phase: 'after-scale-up',
    start: 10_000,
    end: 13_000,
    windows: [],
    readyPods: PODS,
    newPods: [],
    windowsSinceNewPods: [],
    expect: {},
    ...overrides,
  };
}

function only(rows: VerdictRow[]): VerdictRow {
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

function expectNoNaN(rows: VerdictRow[]): void {
  for (const row of rows) expect(JSON.stringify(row)).not.toMatch(/NaN|Infinity|undefined/);
}

describe('formatting', () => {
  it('shows exact values and closed ranges', () => {
    expect(formatRange(1)).toBe('1');
    expect(formatRange({ min: 4 })).toBe('≥ 4');
    expect(formatRange({ max: 0.4 })).toBe('≤ 0.4');
    expect(formatRange({ min: 2, max: 3 })).toBe('2–3');
    expect(formatRange({ min: 2, max: 2 })).toBe('2');
  });

  it('shows durations in seconds', () => {
    expect(formatDuration(5000)).toBe('5s');
    expect(formatDuration(2400)).toBe('2.4s');
    expect(formatDuration(250)).toBe('0.25s');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('evaluatePhase stats', () => {
  it('aggregates every client of the scenario, over the Ready pods, idle clients included', () => {
    const result = evaluatePhase(phase({ windows: [...pinned('grpc'), ...spread('http')] }), [
      'http',
      'grpc',
      'idle',
    ]);
    expect(Object.keys(result.stats)).toEqual(['http', 'grpc', 'idle']);
    expect(result.stats.grpc).toMatchObject({ ok: 60, backendsReached: 1, windows: 3 });
    // One pod of five Ready: the idle pods count.
    expect(result.stats.grpc!.jainIndex).toBeCloseTo(0.2, 10);
    expect(result.stats.http).toMatchObject({ ok: 60, backendsReached: 5, jainIndex: 1 });
    expect(result.stats.idle).toMatchObject({ client: 'idle', windows: 0, jainIndex: null });
    expect(result.verdicts).toEqual([]);
  });
});

describe('evaluatePhase checks', () => {
  it('passes and fails an exact backends count', () => {
    const expectOne = { grpc: { backends: 1 } };
    const pass = only(
      evaluatePhase(phase({ windows: pinned(), expect: expectOne }), ['grpc']).verdicts,
    );
    expect(pass).toEqual({
      phase: 'after-scale-up',
      client: 'grpc',
      check: 'backends',
      expected: '1',
      observed: '1',
      pass: true,
    });
    const fail = only(
      evaluatePhase(phase({ windows: spread(), expect: expectOne }), ['grpc']).verdicts,
    );
    expect(fail).toMatchObject({ expected: '1', observed: '5', pass: false });
  });

  it('passes and fails a backends range', () => {
    const atLeast = { grpc: { backends: { min: 4 } } };
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: atLeast }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '≥ 4', observed: '5', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: pinned(), expect: atLeast }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '≥ 4', observed: '1', pass: false });
    const between = { grpc: { backends: { min: 2, max: 3 } } };
    const three = steady('grpc', { 'pod-1': 5, 'pod-2': 5, 'pod-3': 5 });
    expect(
      only(evaluatePhase(phase({ windows: three, expect: between }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '2–3', observed: '3', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: between }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '2–3', observed: '5', pass: false });
  });

  it('checks maxShare, exact and as a range', () => {
    const atMost = { grpc: { maxShare: { max: 0.4 } } };
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: atMost }), ['grpc']).verdicts),
    ).toMatchObject({ check: 'maxShare', expected: '≤ 0.4', observed: '0.20', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: pinned(), expect: atMost }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '≤ 0.4', observed: '1.00', pass: false });
    const exactHalf = { grpc: { maxShare: 0.5 } };
    const halves = steady('grpc', { 'pod-1': 3, 'pod-2': 3 });
    expect(
      only(evaluatePhase(phase({ windows: halves, expect: exactHalf }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '0.5', observed: '0.50', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: pinned(), expect: exactHalf }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '0.5', observed: '1.00', pass: false });
  });

  it('never rounds an observed value into a contradiction of its verdict', () => {
    const windows = recorded('grpc', 10_000, [
      { end: 11_000, calls: { 'pod-1': 401, 'pod-2': 300, 'pod-3': 299 } },
    ]);
    const row = only(
      evaluatePhase(phase({ windows, expect: { grpc: { maxShare: { max: 0.4 } } } }), ['grpc'])
        .verdicts,
    );
    expect(row).toMatchObject({ observed: '0.401', pass: false });
  });

  it('checks Jain over the Ready pods, and fails it when there were no calls', () => {
    const fair = { grpc: { jain: { min: 0.9 } } };
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: fair }), ['grpc']).verdicts),
    ).toMatchObject({ check: 'jain', expected: '≥ 0.9', observed: '1.00', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: pinned(), expect: fair }), ['grpc']).verdicts),
    ).toMatchObject({ observed: '0.20', pass: false });
    expect(
      only(
        evaluatePhase(phase({ windows: spread(), expect: { grpc: { jain: 1 } } }), ['grpc'])
          .verdicts,
      ),
    ).toMatchObject({ expected: '1', observed: '1.00', pass: true });
    const allFailed = steady('grpc', {}, { UNAVAILABLE: 5 });
    const rows = evaluatePhase(
      phase({ windows: allFailed, expect: { grpc: { jain: { min: 0 }, maxShare: { max: 1 } } } }),
      ['grpc'],
    ).verdicts;
    expect(rows).toMatchObject([
      { check: 'maxShare', observed: 'no calls', pass: false },
      { check: 'jain', observed: 'no calls', pass: false },
    ]);
    expectNoNaN(rows);
  });

  it('counts failed calls and names their codes', () => {
    const none = { grpc: { failed: 0 } };
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: none }), ['grpc']).verdicts),
    ).toMatchObject({ check: 'failed', expected: '0', observed: '0', pass: true });
    const failing = steady('grpc', { 'pod-1': 5 }, { UNAVAILABLE: 2, DEADLINE_EXCEEDED: 1 });
    expect(
      only(evaluatePhase(phase({ windows: failing, expect: none }), ['grpc']).verdicts),
    ).toMatchObject({ observed: '9 (UNAVAILABLE 6, DEADLINE_EXCEEDED 3)', pass: false });
    const someFail = { grpc: { failed: { min: 1 } } };
    expect(
      only(evaluatePhase(phase({ windows: failing, expect: someFail }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '≥ 1', pass: true });
    expect(
      only(evaluatePhase(phase({ windows: spread(), expect: someFail }), ['grpc']).verdicts),
    ).toMatchObject({ expected: '≥ 1', observed: '0', pass: false });
  });

  it('gives a client with no windows one failing windows row, whatever it expected', () => {
    const result = evaluatePhase(
      phase({
        windows: spread('http'),
        expect: { grpc: { backends: 1, failed: 0 }, http: { failed: 0 } },
      }),
      ['http', 'grpc'],
    );
    expect(result.verdicts).toEqual([
      {
        phase: 'after-scale-up',
        client: 'grpc',
        check: 'windows',
        expected: '≥ 1 window',
        observed: 'no windows',
        pass: false,
      },
      expect.objectContaining({ client: 'http', check: 'failed', pass: true }),
    ]);
  });

  it('reports every check a client expects, in a fixed order', () => {
    const rows = evaluatePhase(
      phase({
        windows: spread(),
        expect: { grpc: { failed: 0, jain: { min: 0.9 }, maxShare: { max: 0.4 }, backends: 5 } },
      }),
      ['grpc'],
    ).verdicts;
    expect(rows.map((row) => row.check)).toEqual(['backends', 'maxShare', 'jain', 'failed']);
    expect(rows.every((row) => row.pass)).toBe(true);
    expectNoNaN(rows);
  });
});

describe('newPodsReachedWithin', () => {
  // pod-4 and pod-5 turn Ready at 10.6 s; windows end each second from 10 s.
  const newPods = [
    { name: 'pod-4', readyAt: 10_600 },
    { name: 'pod-5', readyAt: 10_600 },
  ];
  const within = (ms: number) => ({ grpc: { newPodsReachedWithin: ms } });
  const since = recorded('grpc', 10_000, [
    // Ends before pod-5 was Ready: cannot count, even though it names pod-5.
    { end: 10_500, calls: { 'pod-1': 5, 'pod-5': 1 } },
    { end: 11_000, calls: { 'pod-1': 5, 'pod-4': 1 } },
    { end: 12_000, calls: { 'pod-1': 5 } },
    { end: 13_000, calls: { 'pod-1': 5, 'pod-5': 2 } },
  ]);

  it('passes when every new pod was reached in time, naming the slowest', () => {
    const row = only(
      evaluatePhase(
        phase({
          windows: since.slice(2),
          windowsSinceNewPods: since,
          newPods,
          expect: within(5000),
        }),
        ['grpc'],
      ).verdicts,
    );
    // pod-4 at most 0.4 s after Ready, pod-5 at most 2.4 s.
    expect(row).toMatchObject({
      check: 'newPodsReachedWithin',
      expected: '≤ 5s',
      observed: '2.4s (pod-5)',
      pass: true,
    });
  });

  it('fails when a new pod was reached too late', () => {
    const row = only(
      evaluatePhase(
        phase({ windows: since, windowsSinceNewPods: since, newPods, expect: within(2000) }),
        ['grpc'],
      ).verdicts,
    );
    expect(row).toMatchObject({ expected: '≤ 2s', observed: '2.4s (pod-5)', pass: false });
  });

  it('fails naming the new pods never reached', () => {
    const withPod6 = [...newPods, { name: 'pod-6', readyAt: 11_000 }];
    const row = only(
      evaluatePhase(
        phase({
          windows: since,
          windowsSinceNewPods: since,
          newPods: withPod6,
          expect: within(5000),
        }),
        ['grpc'],
      ).verdicts,
    );
    expect(row).toMatchObject({ observed: 'pod-6 never reached', pass: false });
    const pinnedSince = pinned();
    const both = only(
      evaluatePhase(
        phase({
          windows: pinnedSince,
          windowsSinceNewPods: pinnedSince,
          newPods,
          expect: within(5000),
        }),
        ['grpc'],
      ).verdicts,
    );
    expect(both).toMatchObject({ observed: 'pod-4, pod-5 never reached', pass: false });
  });

  it('only looks at the checked client', () => {
    const other = spread('http');
    const row = only(
      evaluatePhase(
        phase({
          windows: [...pinned(), ...other],
          windowsSinceNewPods: [...pinned(), ...other],
          newPods,
          expect: within(5000),
        }),
        ['grpc', 'http'],
      ).verdicts,
    );
    expect(row).toMatchObject({ client: 'grpc', pass: false });
  });

  it('fails a phase that has no new pods: the scenario cannot show convergence', () => {
    const row = only(
      evaluatePhase(
        phase({ windows: spread(), windowsSinceNewPods: spread(), expect: within(5000) }),
        ['grpc'],
      ).verdicts,
    );
    expect(row).toMatchObject({ expected: '≤ 5s', observed: 'no new pods', pass: false });
  });
});

describe('verdicts follow the measurements', () => {
  const yaml = `
id: l4-lb
title: L4 ClusterIP Service
claim: A ClusterIP Service balances connections, so gRPC stays on one pod.
sources: ["A: gRPC Load Balancing Example in Kubernetes (Java)"]
runtimes: [local]
server: { replicas: 5 }
service: { kind: clusterip }
clients:
  - { name: grpc, kind: grpc, target: "dns:///addr-server.grpc-lb.svc.cluster.local:50051" }
steps:
  - deploy: {}
  - measure: spread
    for: 3s
    expect:
      grpc: { backends: { min: 4 }, maxShare: { max: 0.4 }, jain: { min: 0.9 }, failed: 0 }
`;

  it('flips from PASS to FAIL when the same expectation meets pinned traffic', () => {
    const scenario = parseScenario(yaml, 'scenario.yaml');
    const step = scenario.steps.find((s) => s.action === 'measure');
    if (step?.action !== 'measure') throw new Error('no measure step');
    const clients = scenario.clients.map((client) => client.name);
    const judge = (windows: WindowLine[]) =>
      evaluatePhase(phase({ phase: step.phase, windows, expect: step.expect }), clients).verdicts;

    const balanced = judge(spread());
    expect(balanced.map((row) => [row.check, row.pass])).toEqual([
      ['backends', true],
      ['maxShare', true],
      ['jain', true],
      ['failed', true],
    ]);
    const stuck = judge(pinned());
    expect(stuck.map((row) => [row.check, row.observed, row.pass])).toEqual([
      ['backends', '1', false],
      ['maxShare', '1.00', false],
      ['jain', '0.20', false],
      ['failed', '0', true],
    ]);
  });
});

describe('viaLocalProxy', () => {
  /**
   * Three 1 s windows of a client on `node`; each call is answered by pod-1
   * through the proxy named in `proxies` (`''`: no proxy named itself).
   */
  function viaProxies(node: string | undefined, proxies: Record<string, number>): WindowLine[] {
    const clock = { now: 10_000 };
    const recorder = new WindowRecorder('proxied', 'grpc', () => clock.now, { node });
    return [11_000, 12_000, 13_000].map((end) => {
      for (const [proxy, n] of Object.entries(proxies)) {
        for (let i = 0; i < n; i += 1) {
          recorder.recordOk(
            { pod: 'pod-1', ip: '127.10.0.1', node: 'node-b' },
            2,
            proxy || undefined,
          );
        }
      }
      clock.now = end;
      const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.line;
    });
  }

  const judge = (windows: WindowLine[], range: { min: number } = { min: 0.99 }) =>
    only(
      evaluatePhase(phase({ windows, expect: { proxied: { viaLocalProxy: range } } }), ['proxied'])
        .verdicts,
    );

  it("passes when every call came back through the proxy of the client's node", () => {
    expect(judge(viaProxies('node-a', { 'node-a': 20 }))).toEqual({
      phase: 'after-scale-up',
      client: 'proxied',
      check: 'viaLocalProxy',
      expected: '≥ 0.99',
      observed: '1.00 (60 of 60 via node-a)',
      pass: true,
    });
  });

  it("fails when the calls went through another node's proxy", () => {
    expect(judge(viaProxies('node-a', { 'node-b': 20 }))).toMatchObject({
      observed: '0.00 (0 of 60 via node-a; node-b 60)',
      pass: false,
    });
  });

  it('fails a mix below the bound, and names where the rest went', () => {
    const row = judge(viaProxies('node-a', { 'node-a': 18, 'node-b': 1, '': 1 }));
    expect(row).toMatchObject({
      observed: '0.90 (54 of 60 via node-a; node-b 3; no header 3)',
      pass: false,
    });
  });

  it('fails, never passes vacuously, when no response named a proxy', () => {
    const row = judge(viaProxies('node-a', { '': 20 }), { min: 0 });
    expect(row).toMatchObject({ observed: 'no x-lab-proxy header in 60 calls', pass: false });
  });

  it('fails when the client does not know its node', () => {
    const row = judge(viaProxies(undefined, { 'node-a': 20 }), { min: 0 });
    expect(row).toMatchObject({ observed: 'client node unknown (no NODE_NAME)', pass: false });
  });

  it('fails without calls', () => {
    const clock = { now: 10_000 };
    const recorder = new WindowRecorder('proxied', 'grpc', () => clock.now, { node: 'node-a' });
    recorder.recordError('UNAVAILABLE');
    clock.now = 11_000;
    expect(judge([recorder.flush()])).toMatchObject({ observed: 'no calls', pass: false });
  });

  it('is a key of the scenario schema, a fraction', () => {
    const text = (value: string) => `
id: t
title: t
claim: t
sources: [s]
runtimes: [kind]
server: { replicas: 1 }
service: { kind: headless }
clients:
  - { name: proxied, kind: grpc, target: "dns:///node-proxy.grpc-lb.svc.cluster.local:10000" }
steps:
  - deploy: {}
  - measure: m
    for: 1s
    expect:
      proxied: { viaLocalProxy: ${value} }
`;
    const loaded = parseScenario(text('{ min: 0.99 }'), 'scenario.yaml');
    const measure = loaded.steps.find((step) => step.action === 'measure');
    expect(measure?.action === 'measure' && measure.expect.proxied?.viaLocalProxy).toEqual({
      min: 0.99,
    });
    expect(() => parseScenario(text('1.5'), 'scenario.yaml')).toThrow(/viaLocalProxy/);
  });
});
