import { describe, expect, it } from 'vitest';
import { aggregatePhase, groupByClient } from './phase-aggregate.js';
import { WindowRecorder } from './window-recorder.js';
import { parseWindowLine, type WindowLine } from './window-schema.js';

/** A recorder on a hand-driven clock, so window bounds are exact. */
function clockedRecorder(client = 'c1', startAt = 10_000) {
  const clock = { now: startAt };
  const recorder = new WindowRecorder(client, 'grpc', () => clock.now);
  const flushAt = (t: number) => {
    clock.now = t;
    // Through JSON and the schema, as the engine will read them.
    const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.line;
  };
  return { recorder, flushAt };
}

function okCalls(recorder: WindowRecorder, pod: string, ip: string, n: number, latencyMs = 1) {
  for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip }, latencyMs);
}

function expectNoNaN(value: unknown, path = 'stats'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) expectNoNaN(inner, `${path}.${key}`);
  }
}

function twoWindows(): WindowLine[] {
  const { recorder, flushAt } = clockedRecorder();
  okCalls(recorder, 'pod-a', '10.0.0.1', 6);
  okCalls(recorder, 'pod-b', '10.0.0.2', 2);
  recorder.recordError('UNAVAILABLE');
  recorder.recordSkipped();
  const first = flushAt(11_000);
  okCalls(recorder, 'pod-a', '10.0.0.1', 4);
  okCalls(recorder, 'pod-b', '10.0.0.2', 3);
  okCalls(recorder, 'pod-c', '10.0.0.9', 5);
  recorder.recordError('UNAVAILABLE');
  recorder.recordError('DEADLINE_EXCEEDED');
  const second = flushAt(12_000);
  return [first, second];
}

describe('aggregatePhase', () => {
  it('sums counts and derives shares, first sightings and rates', () => {
    const stats = aggregatePhase(twoWindows());
    expect(stats).toMatchObject({
      client: 'c1',
      protocol: 'grpc',
      windows: 2,
      start: 10_000,
      end: 12_000,
      durationMs: 2000,
      ok: 20,
      failed: 3,
      errors: { UNAVAILABLE: 2, DEADLINE_EXCEEDED: 1 },
      skipped: 1,
      backendsReached: 3,
      callsPerSecond: 10,
    });
    expect(stats.backends).toEqual({
      'pod-a': { calls: 10, share: 0.5, ip: '10.0.0.1', firstSeen: 10_000 },
      'pod-b': { calls: 5, share: 0.25, ip: '10.0.0.2', firstSeen: 10_000 },
      'pod-c': { calls: 5, share: 0.25, ip: '10.0.0.9', firstSeen: 11_000 },
    });
    expect(stats.maxShare).toBe(0.5);
    // (10+5+5)^2 / (3 * (100+25+25)) = 400 / 450
    expect(stats.jainIndex).toBeCloseTo(400 / 450, 12);
    // mean 20/3; deviations 10/3, -5/3, -5/3: variance 50/9
    expect(stats.coefficientOfVariation).toBeCloseTo(Math.sqrt(50 / 9) / (20 / 3), 12);
  });

  it('does not depend on the order of the windows', () => {
    const windows = twoWindows();
    expect(aggregatePhase([...windows].reverse())).toEqual(aggregatePhase(windows));
  });

  it('counts expected pods that got nothing, so one pod of five reads 0.2', () => {
    const { recorder, flushAt } = clockedRecorder();
    okCalls(recorder, 'pod-a', '10.0.0.1', 50);
    const windows = [flushAt(11_000)];
    const pods = ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'pod-e'];

    const reachedOnly = aggregatePhase(windows);
    expect(reachedOnly.jainIndex).toBe(1);
    expect(reachedOnly.coefficientOfVariation).toBe(0);

    const expected = aggregatePhase(windows, { pods });
    expect(expected.jainIndex).toBeCloseTo(0.2, 12);
    expect(expected.coefficientOfVariation).toBeCloseTo(2, 12);
    expect(expected.backendsReached).toBe(1);
    expect(Object.keys(expected.backends)).toEqual(['pod-a']);
  });

  it('keeps a pod outside the expected list in the fairness figures', () => {
    const { recorder, flushAt } = clockedRecorder();
    okCalls(recorder, 'pod-a', '10.0.0.1', 10);
    okCalls(recorder, 'pod-old', '10.0.0.7', 30);
    const stats = aggregatePhase([flushAt(11_000)], { pods: ['pod-a', 'pod-b'] });
    // values [10, 0, 30]: 40^2 / (3 * 1000)
    expect(stats.jainIndex).toBeCloseTo(1600 / 3000, 12);
    expect(stats.maxShare).toBe(0.75);
  });

  it('takes percentiles from the merged histograms, not from averaged windows', () => {
    const { recorder, flushAt } = clockedRecorder();
    for (let ms = 1; ms <= 90; ms += 1) recorder.recordOk({ pod: 'p', ip: '' }, ms);
    const first = flushAt(11_000);
    for (let ms = 91; ms <= 100; ms += 1) recorder.recordOk({ pod: 'p', ip: '' }, ms);
    const second = flushAt(12_000);

    const latency = aggregatePhase([first, second]).latencyMs!;
    // 3 significant digits: any value is within 0.1% of what was recorded.
    const near = (actual: number, expected: number) =>
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001);
    near(latency.p50, 50);
    near(latency.p90, 90);
    near(latency.p99, 99);
    near(latency.max, 100);
    // Averaging the per-window p50s (45 and 95) would have said 70.
    expect((first.latencyMs!.p50 + second.latencyMs!.p50) / 2).toBeGreaterThan(69);
  });

  it('gives defined values for an empty phase', () => {
    const stats = aggregatePhase([]);
    expect(stats).toEqual({
      client: '',
      protocol: null,
      windows: 0,
      start: 0,
      end: 0,
      durationMs: 0,
      ok: 0,
      failed: 0,
      errors: {},
      skipped: 0,
      backends: {},
      backendsReached: 0,
      node: null,
      proxies: {},
      proxiedCalls: 0,
      localProxyCalls: 0,
      maxShare: 0,
      jainIndex: null,
      coefficientOfVariation: null,
      latencyMs: null,
      callsPerSecond: 0,
    });
    expectNoNaN(aggregatePhase([], { pods: ['a', 'b'] }));
  });

  it('gives defined values when every call failed', () => {
    const { recorder, flushAt } = clockedRecorder();
    recorder.recordError('UNAVAILABLE');
    recorder.recordError('UNAVAILABLE');
    const stats = aggregatePhase([flushAt(11_000), flushAt(11_000)], { pods: ['a', 'b'] });
    expectNoNaN(stats);
    expect(stats).toMatchObject({
      ok: 0,
      failed: 2,
      backends: {},
      maxShare: 0,
      jainIndex: null,
      coefficientOfVariation: null,
      latencyMs: null,
      callsPerSecond: 0,
    });
  });

  it('counts calls per proxy, and those through the proxy of the node the client ran on', () => {
    const clock = { now: 10_000 };
    const recorder = new WindowRecorder('c1', 'grpc', () => clock.now, { node: 'node-a' });
    const flushAt = (t: number) => {
      clock.now = t;
      const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.line;
    };
    const a = { pod: 'pod-a', ip: '10.0.0.1', node: 'node-a' };
    const b = { pod: 'pod-b', ip: '10.0.0.2', node: 'node-b' };
    for (let i = 0; i < 6; i += 1) recorder.recordOk(i % 2 ? a : b, 1, 'node-a');
    recorder.recordOk(a, 1, 'node-b');
    // No proxy named itself: a direct call.
    recorder.recordOk(b, 1);
    const first = flushAt(11_000);
    expect(first).toMatchObject({
      node: 'node-a',
      proxies: { 'node-a': 6, 'node-b': 1 },
      backendNodes: { 'pod-a': 'node-a', 'pod-b': 'node-b' },
    });
    for (let i = 0; i < 2; i += 1) recorder.recordOk(a, 1, 'node-a');
    const stats = aggregatePhase([first, flushAt(12_000)]);
    expect(stats).toMatchObject({
      ok: 10,
      node: 'node-a',
      proxies: { 'node-a': 8, 'node-b': 1 },
      proxiedCalls: 9,
      localProxyCalls: 8,
    });
    expect(stats.backends['pod-a']?.node).toBe('node-a');
    expect(stats.backends['pod-b']?.node).toBe('node-b');
  });

  it('judges each window against its own node, and counts nothing local without one', () => {
    const onA = new WindowRecorder('c1', 'grpc', () => 10_000, { node: 'node-a' });
    const onB = new WindowRecorder('c1', 'grpc', () => 11_000, { node: 'node-b' });
    const unknown = new WindowRecorder('c1', 'grpc', () => 12_000);
    for (const recorder of [onA, onB, unknown]) {
      recorder.recordOk({ pod: 'p', ip: '' }, 1, 'node-a');
    }
    const stats = aggregatePhase([onA.flush(), onB.flush(), unknown.flush()]);
    expect(stats.proxiedCalls).toBe(3);
    expect(stats.localProxyCalls).toBe(1);
    // The latest window that said where the client ran.
    expect(stats.node).toBe('node-b');
  });

  it('has no proxy figures for windows without proxies or nodes', () => {
    const stats = aggregatePhase(twoWindows());
    expect(stats).toMatchObject({ node: null, proxies: {}, proxiedCalls: 0, localProxyCalls: 0 });
    expect(stats.backends['pod-a']).not.toHaveProperty('node');
  });

  it("refuses to mix clients' windows", () => {
    const a = clockedRecorder('a').flushAt(11_000);
    const b = clockedRecorder('b').flushAt(11_000);
    expect(() => aggregatePhase([a, b])).toThrow(/one client/);
  });
});

describe('groupByClient', () => {
  it('groups lines per client in input order', () => {
    const a = clockedRecorder('a');
    const b = clockedRecorder('b');
    const lines = [a.flushAt(11_000), b.flushAt(11_000), a.flushAt(12_000)];
    const groups = groupByClient(lines);
    expect([...groups.keys()]).toEqual(['a', 'b']);
    expect(groups.get('a')).toEqual([lines[0], lines[2]]);
    expect(groups.get('b')).toEqual([lines[1]]);
  });
});
