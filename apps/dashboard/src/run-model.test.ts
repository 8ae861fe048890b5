/** The page's model without a browser: folding messages, replays, saved runs. */
import type { RunResult } from '@lab/lab';
import { parseWindowLine, type WindowLine, WindowRecorder } from '@lab/stats';
import { describe, expect, it } from 'vitest';
import { FeedFollower } from './browser/follower.js';
import { podsVisible, recentShares } from './browser/state.js';
import { RunFeed } from './feed.js';
import { messagesFromResult } from './from-result.js';
import type { DashMessage, ScenarioInfo } from './messages.js';
import { combineNarrators, dashboardNarrator } from './narrator.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

const scenario: ScenarioInfo = {
  id: 'l4-lb',
  title: 'L4',
  claim: 'claim',
  runtime: 'local',
  speed: 1,
  serverName: 'addr-server',
  service: { name: 'addr-server', kind: 'clusterip' },
  clients: [
    { name: 'http', kind: 'http', target: 'http://x' },
    { name: 'grpc', kind: 'grpc', target: 'dns:///x', lb: 'pick_first' },
  ],
};

function windows(client: string, start: number, calls: Record<string, number>[]): WindowLine[] {
  const clock = { now: start };
  const recorder = new WindowRecorder(client, client === 'http' ? 'http' : 'grpc', () => clock.now);
  return calls.map((window) => {
    for (const [pod, n] of Object.entries(window)) {
      for (let i = 0; i < n; i += 1) recorder.recordOk({ pod, ip: '127.10.0.1' }, 3 + i);
    }
    clock.now += 500;
    const parsed = parseWindowLine(JSON.stringify(recorder.flush()));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.line;
  });
}

/** Runs narrator calls through a feed and folds the feed like a page. */
function liveRun(): { feed: RunFeed; follower: FeedFollower } {
  const feed = new RunFeed();
  const follower = new FeedFollower();
  feed.subscribe(({ seq, message }) => follower.receive(feed.run, seq, message));
  feed.publish({ type: 'hello', run: feed.run, at: T0, scenario });
  const narrator = dashboardNarrator(feed);
  narrator.step('deploy the server, its Service and the clients');
  narrator.event?.({ at: T0 + 100, kind: 'pod-created', pod: 'pod-1', detail: 'pod-1 created' });
  narrator.event?.({ at: T0 + 200, kind: 'pod-ready', pod: 'pod-1', detail: 'pod-1 Ready' });
  for (const line of windows('grpc', T0 + 1000, [{ 'pod-1': 5 }, { 'pod-1': 5 }])) {
    narrator.window?.(line);
  }
  narrator.event?.({ at: T0 + 2000, kind: 'scale', detail: 'scale the server to 5' });
  for (const pod of ['pod-2', 'pod-3']) {
    narrator.event?.({ at: T0 + 2100, kind: 'pod-ready', pod, detail: `${pod} Ready` });
  }
  for (const line of windows('http', T0 + 2500, [{ 'pod-1': 2, 'pod-2': 3 }, { 'pod-3': 4 }])) {
    narrator.window?.(line);
  }
  return { feed, follower };
}

describe('a live run folded by the page', () => {
  it('draws pods, markers and the pods each client reached lately', () => {
    const { state } = liveRun().follower;
    expect(state.markers).toEqual([{ at: T0 + 2000, kind: 'scale', label: 'scale to 5' }]);
    expect(state.currentStep).toBe('deploy the server, its Service and the clients');
    expect([...state.pods.values()].map((pod) => [pod.name, pod.state])).toEqual([
      ['pod-1', 'Ready'],
      ['pod-2', 'Ready'],
      ['pod-3', 'Ready'],
    ]);
    expect(podsVisible(state, 'grpc')).toEqual(['pod-1']);
    expect(podsVisible(state, 'http')).toEqual(['pod-1', 'pod-2', 'pod-3']);
    // Idle Ready pods are listed at 0: they are the story for gRPC.
    expect(recentShares(state, 'grpc')).toEqual([
      { pod: 'pod-1', calls: 10, share: 1 },
      { pod: 'pod-2', calls: 0, share: 0 },
      { pod: 'pod-3', calls: 0, share: 0 },
    ]);
  });

  it('merges the latency of recent windows from their histograms', () => {
    const { state } = liveRun().follower;
    const grpc = state.windows.get('grpc')!;
    // Calls of 3..7 ms in each window: the merged p99 is the slowest call.
    expect(grpc.at(-1)?.recent?.p99).toBeCloseTo(7, 1);
    expect(grpc.at(-1)?.recent?.p50).toBeCloseTo(5, 1);
  });

  it('applies a replayed message once, and starts over for another run', () => {
    const { feed } = liveRun();
    const follower = new FeedFollower();
    const replay = feed.since(0);
    for (const { seq, message } of replay) follower.receive(feed.run, seq, message);
    const windowsSeen = follower.state.windows.get('http')!.length;
    // A reconnect that resends what the page has: nothing changes.
    for (const { seq, message } of feed.since(2)) {
      expect(follower.receive(feed.run, seq, message).applied).toBe(false);
    }
    expect(follower.state.windows.get('http')!.length).toBe(windowsSeen);
    const hello: DashMessage = { type: 'hello', run: 'next', at: T0 + 9000, scenario };
    expect(follower.receive('next', 1, hello)).toEqual({ applied: true, reset: true });
    expect(follower.state.windows.get('http')).toEqual([]);
  });
});

describe('combineNarrators', () => {
  it('hands every call to each narrator', () => {
    const calls: string[] = [];
    const recorder = (name: string) => ({
      say: (text: string) => calls.push(`${name} say ${text}`),
      step: (text: string) => calls.push(`${name} step ${text}`),
      detail: () => {},
      progress: () => {},
      phase: () => {},
    });
    const both = combineNarrators(recorder('a'), recorder('b'));
    both.say('hi');
    both.step('go');
    both.window?.(windows('grpc', T0, [{ 'pod-1': 1 }])[0]!);
    expect(calls).toEqual(['a say hi', 'b say hi', 'a step go', 'b step go']);
  });
});

describe('messagesFromResult', () => {
  it('orders a saved run as a live page would have received it', () => {
    const result = {
      scenario: {
        id: 'l4-lb',
        title: 'L4',
        claim: 'claim',
        server: { name: 'addr-server' },
        service: { name: 'addr-server', kind: 'clusterip' },
        clients: scenario.clients,
      },
      runtime: 'local',
      speed: 1,
      startedAt: T0,
      endedAt: T0 + 5000,
      phases: [],
      pods: [],
      events: [
        { at: T0 + 10, kind: 'say', detail: 'One pod.' },
        { at: T0 + 20, kind: 'deploy', detail: 'deploy the server' },
        { at: T0 + 3000, kind: 'scale', detail: 'scale the server to 5' },
      ],
      windows: windows('grpc', T0 + 1000, [{ 'pod-1': 5 }]),
      pass: true,
    } as unknown as RunResult;
    expect(messagesFromResult(result).map((m) => m.type)).toEqual([
      'hello',
      'say',
      'step',
      'event',
      'window',
      'step',
      'event',
      'end',
    ]);
  });
});
