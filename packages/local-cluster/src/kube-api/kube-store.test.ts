import { describe, expect, it } from 'vitest';
import type { KubeObject, StoreEvent } from './kube-object.js';
import { KubeStore } from './kube-store.js';

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, ...extra };
}

function record(store: KubeStore): StoreEvent[] {
  const events: StoreEvent[] = [];
  store.subscribe({ onEvent: (e) => events.push(e) });
  return events;
}

describe('KubeStore', () => {
  it('gives every change the next cluster-wide resourceVersion, across kinds', () => {
    const store = new KubeStore();
    const a = store.put(pod('a'));
    const ns = store.put<KubeObject>({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ns' },
    });
    const b = store.put(pod('a', { spec: { x: 1 } }));
    expect([a, ns, b].map((o) => o.metadata.resourceVersion)).toEqual(['1', '2', '3']);
    expect(b.metadata.uid).toBe(a.metadata.uid);
    expect(b.metadata.creationTimestamp).toBe(a.metadata.creationTimestamp);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(store.remove('v1', 'Pod', 'ns', 'a')).toBe(true);
    expect(store.remove('v1', 'Pod', 'ns', 'a')).toBe(false);
    expect(store.resourceVersion).toBe(4);
  });

  it('emits ADDED, MODIFIED and DELETED in order, DELETED with the last state at the deletion revision', () => {
    const store = new KubeStore();
    const events = record(store);
    store.put(pod('a', { spec: { v: 1 } }));
    store.put(pod('a', { spec: { v: 2 } }));
    store.remove('v1', 'Pod', 'ns', 'a');
    expect(events.map((e) => [e.type, e.resourceVersion])).toEqual([
      ['ADDED', 1],
      ['MODIFIED', 2],
      ['DELETED', 3],
    ]);
    expect(events[2]?.object.spec).toEqual({ v: 2 });
    expect(events[2]?.object.metadata.resourceVersion).toBe('3');
    expect(events[1]?.previous?.spec).toEqual({ v: 1 });
  });

  it('treats a replace that changes nothing as a no-op, as the API server does', () => {
    const store = new KubeStore();
    const events = record(store);
    store.put(pod('a', { spec: { v: 1 } }));
    const again = store.put(pod('a', { spec: { v: 1 }, status: undefined }));
    expect(again.metadata.resourceVersion).toBe('1');
    expect(events).toHaveLength(1);
  });

  it('bumps metadata.generation only when the spec changes', () => {
    const store = new KubeStore();
    const d = (replicas: number, ready: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'ns', generation: 1 },
      spec: { replicas },
      status: { readyReplicas: ready },
    });
    expect(store.put(d(1, 0)).metadata.generation).toBe(1);
    expect(store.put(d(1, 1)).metadata.generation).toBe(1);
    expect(store.put(d(3, 1)).metadata.generation).toBe(2);
    expect(store.put(pod('p', { spec: { a: 1 } })).metadata.generation).toBeUndefined();
    expect(store.put(pod('p', { spec: { a: 2 } })).metadata.generation).toBeUndefined();
  });

  it('hands out copies: changing one never changes the store', () => {
    const store = new KubeStore();
    const stored = store.put(pod('a', { spec: { v: 1 } }));
    (stored.spec as { v: number }).v = 9;
    (store.get('v1', 'Pod', 'ns', 'a')?.spec as { v: number }).v = 8;
    expect(store.get('v1', 'Pod', 'ns', 'a')?.spec).toEqual({ v: 1 });
  });

  it('lists in storage-key order and rebuilds the state at an older revision', () => {
    const store = new KubeStore();
    store.put(pod('b'));
    store.put({ ...pod('a'), metadata: { name: 'a', namespace: 'other' } });
    store.put(pod('a', { spec: { v: 1 } }));
    const at3 = store.resourceVersion;
    store.put(pod('a', { spec: { v: 2 } }));
    store.remove('v1', 'Pod', 'ns', 'b');
    store.put(pod('c'));
    const names = (objects: KubeObject[] | undefined) =>
      objects?.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names(store.list('v1', 'Pod'))).toEqual(['ns/a', 'ns/c', 'other/a']);
    expect(names(store.list('v1', 'Pod', 'ns'))).toEqual(['ns/a', 'ns/c']);
    const then = store.listAt('v1', 'Pod', 'ns', at3);
    expect(names(then)).toEqual(['ns/a', 'ns/b']);
    expect(then?.[0]?.spec).toEqual({ v: 1 });
    expect(then?.[0]?.metadata.resourceVersion).toBe('3');
    expect(store.listAt('v1', 'Pod', 'ns', 0)).toEqual([]);
  });

  it('forgets history on compact: older revisions are gone, open listeners are told when asked', () => {
    const store = new KubeStore();
    let expired = 0;
    store.subscribe({ onEvent: () => {}, onExpired: () => expired++ });
    store.put(pod('a'));
    store.put(pod('b'));
    expect(store.eventsSince(0)?.map((e) => e.resourceVersion)).toEqual([1, 2]);
    expect(store.eventsSince(1)?.map((e) => e.resourceVersion)).toEqual([2]);
    store.compact();
    expect(expired).toBe(0);
    expect(store.eventsSince(1)).toBeUndefined();
    expect(store.eventsSince(2)).toEqual([]);
    expect(store.listAt('v1', 'Pod', 'ns', 1)).toBeUndefined();
    expect(store.oldestResourceVersion).toBe(2);
    store.compact({ expireOpenWatches: true });
    expect(expired).toBe(1);
  });

  it('keeps a bounded history, like the watch cache', () => {
    const store = new KubeStore({ historyLimit: 3 });
    for (let i = 0; i < 5; i++) store.put(pod(`p${i}`));
    expect(store.eventsSince(1)).toBeUndefined();
    expect(store.eventsSince(2)?.map((e) => e.resourceVersion)).toEqual([3, 4, 5]);
  });

  it('tells every listener of every change in order, even when a listener changes the store', () => {
    const store = new KubeStore();
    const seen: string[] = [];
    store.subscribe({
      onEvent: (e) => {
        // A controller reacting to a change with another change.
        if (e.object.metadata.name === 'a' && e.type === 'ADDED') store.put(pod('b'));
      },
    });
    store.subscribe({
      onEvent: (e) => seen.push(`${e.object.metadata.name}@${e.resourceVersion}`),
    });
    store.put(pod('a'));
    expect(seen).toEqual(['a@1', 'b@2']);
  });
});
