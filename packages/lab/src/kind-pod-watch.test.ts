import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PlanRecorder } from './command-plan.js';
import type { LabEvent } from './engine-types.js';
import { PlannedPodWatch, PodTracker } from './kind-pod-watch.js';

interface PodShape {
  ip?: string;
  node?: string;
  ready?: boolean;
  deleting?: boolean;
  exitCode?: number;
}

/** A pod as the API returns it, at one point of its life. */
function podAt(name: string, shape: PodShape = {}): V1Pod {
  return {
    metadata: {
      name,
      labels: { 'app.kubernetes.io/name': 'addr-server' },
      ...(shape.deleting
        ? { deletionTimestamp: new Date('2026-01-01T00:00:35Z'), deletionGracePeriodSeconds: 35 }
        : {}),
    },
    spec: { containers: [], ...(shape.node ? { nodeName: shape.node } : {}) },
    status: {
      phase: 'Running',
      ...(shape.ip ? { podIP: shape.ip } : {}),
      conditions: [{ type: 'Ready', status: shape.ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'addr-server',
          image: 'grpc-lb-lab/addr-server:x',
          imageID: '',
          ready: shape.ready === true,
          restartCount: 0,
          state:
            shape.exitCode === undefined
              ? { running: {} }
              : { terminated: { exitCode: shape.exitCode, reason: 'Completed' } },
        },
      ],
    },
  };
}

function tracked() {
  let now = 1000;
  const events: LabEvent[] = [];
  const tracker = new PodTracker(
    (event) => events.push(event),
    () => now,
  );
  return {
    tracker,
    events,
    at(time: number) {
      now = time;
    },
  };
}

describe('PodTracker', () => {
  it("records a pod's life with the times it was seen, and narrates it", () => {
    const { tracker, events, at } = tracked();
    tracker.seen(podAt('addr-server-a'));
    at(1500);
    tracker.seen(podAt('addr-server-a', { ip: '10.244.1.5', node: 'grpc-lb-worker' }));
    at(2100);
    tracker.seen(podAt('addr-server-a', { ip: '10.244.1.5', node: 'grpc-lb-worker', ready: true }));
    at(2200);
    // An update that changes nothing the lab follows says nothing.
    tracker.seen(podAt('addr-server-a', { ip: '10.244.1.5', node: 'grpc-lb-worker', ready: true }));
    at(5000);
    tracker.seen(
      podAt('addr-server-a', { ip: '10.244.1.5', node: 'grpc-lb-worker', deleting: true }),
    );
    at(10_000);
    tracker.seen(
      podAt('addr-server-a', {
        ip: '10.244.1.5',
        node: 'grpc-lb-worker',
        deleting: true,
        exitCode: 0,
      }),
    );
    at(10_200);
    tracker.gone(podAt('addr-server-a', { ip: '10.244.1.5', deleting: true, exitCode: 0 }));
    expect(tracker.pods()).toEqual([
      {
        name: 'addr-server-a',
        ip: '10.244.1.5',
        node: 'grpc-lb-worker',
        createdAt: 1000,
        readyAt: 2100,
        terminatingAt: 5000,
        exitedAt: 10_000,
      },
    ]);
    expect(events.map((event) => [event.at, event.kind, event.detail])).toEqual([
      [1000, 'pod-created', 'addr-server-a created'],
      [2100, 'pod-ready', 'addr-server-a Ready (10.244.1.5) on grpc-lb-worker'],
      [5000, 'pod-terminating', 'addr-server-a terminating (grace 35 s)'],
      [10_000, 'pod-exited', 'addr-server-a exited (code 0, Completed)'],
    ]);
  });

  it('says when a Ready pod stops being Ready without being deleted', () => {
    const { tracker, events } = tracked();
    tracker.seen(podAt('p', { ready: true }));
    tracker.seen(podAt('p', { ready: false }));
    tracker.seen(podAt('p', { ready: true }));
    expect(events.map((event) => event.kind)).toEqual([
      'pod-created',
      'pod-ready',
      'pod-not-ready',
      'pod-ready',
    ]);
    expect(tracker.pods()[0]?.readyAt).toBe(1000);
  });

  it('counts a pod that vanishes from the API as terminated and exited then', () => {
    const { tracker, events, at } = tracked();
    tracker.seen(podAt('p', { ready: true }));
    at(3000);
    tracker.gone(podAt('p', { ready: true }));
    expect(tracker.pods()[0]).toMatchObject({ terminatingAt: 3000, exitedAt: 3000 });
    expect(events.at(-1)?.detail).toBe('p exited (deleted)');
  });

  it('resolves oldest, newest and names among the pods still running', () => {
    const { tracker, at } = tracked();
    tracker.seen(podAt('first', { ready: true }));
    at(2000);
    tracker.seen(podAt('second', { ready: true }));
    at(3000);
    tracker.seen(podAt('third', { ready: true }));
    at(4000);
    tracker.seen(podAt('first', { deleting: true }));
    expect(tracker.resolve('oldest')).toBe('second');
    expect(tracker.resolve('newest')).toBe('third');
    expect(tracker.resolve('second')).toBe('second');
    expect(() => tracker.resolve('first')).toThrow("kill-pod: no running pod matches 'first'");
  });
});

describe('PlannedPodWatch', () => {
  it('says what it would watch and names pods by what the step asked for', async () => {
    const plan = new PlanRecorder();
    const watch = new PlannedPodWatch(plan, 'watch the pods');
    await watch.start();
    expect(plan.entries).toEqual([{ kind: 'note', text: 'watch the pods', depth: 0 }]);
    expect(watch.resolve('oldest')).toBe('<oldest>');
    expect(watch.pods()).toEqual([]);
  });
});
