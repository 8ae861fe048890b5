/** Watch semantics of KubeApiServer through @kubernetes/client-node's Watch, ListWatch and informer. */
import {
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type V1EndpointSlice,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../node-process.js';
import { type EndpointInput, endpointSlicesFor } from './endpoint-slices.js';
import { KubeApiServer, type KubeApiServerOptions } from './kube-api-server.js';
import type { KubeObject } from './kube-object.js';
import { KubeStore } from './kube-store.js';

const NS = 'grpc-lb';
const PATH = `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`;

let store: KubeStore;
let server: KubeApiServer;
let kc: KubeConfig;
const cleanups: (() => unknown)[] = [];

interface Seen {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: watch event objects are JSON the assertions read freely
  object: any;
}

async function startServer(options: Partial<KubeApiServerOptions> = {}): Promise<void> {
  server = new KubeApiServer({ store, host: '127.0.0.1', ...options });
  await server.start();
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(NS));
}

/** A client-node Watch that records its events and when it ended. */
async function watch(query: Record<string, string | number | boolean> = {}, path = PATH) {
  const events: Seen[] = [];
  let ended: { error: unknown } | undefined;
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (error) => {
      ended = { error };
    },
  );
  cleanups.push(() => controller.abort());
  return { events, ended: () => ended };
}

function endpoint(n: number, ready = true): EndpointInput {
  return {
    ip: `127.100.${Math.floor(n / 254)}.${(n % 254) + 1}`,
    ready,
    serving: ready,
    terminating: false,
  };
}

function slices(service: string, endpoints: EndpointInput[]): KubeObject[] {
  return endpointSlicesFor(
    { name: service, namespace: NS, ports: [{ name: 'grpc', port: 50051 }] },
    endpoints,
  );
}

function putAll(objects: KubeObject[]): void {
  for (const object of objects) store.put(object);
}

beforeEach(() => {
  store = new KubeStore();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.stop();
});

describe('KubeApiServer: watch', () => {
  it('sends ADDED, MODIFIED and DELETED in order, each at a higher resourceVersion than the last', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    const list = await kc
      .makeApiClient(DiscoveryV1Api)
      .listNamespacedEndpointSlice({ namespace: NS });
    const w = await watch({ resourceVersion: list.metadata?.resourceVersion ?? '' });
    putAll(slices('b', [endpoint(2)]));
    putAll(slices('a', [endpoint(1), endpoint(3)]));
    const [gone] = slices('b', []);
    store.remove('discovery.k8s.io/v1', 'EndpointSlice', NS, gone?.metadata.name ?? '');
    await waitFor(() => w.events.length === 3, 'three events', 3000);
    expect(
      w.events.map((e) => [e.type, e.object.metadata.labels['kubernetes.io/service-name']]),
    ).toEqual([
      ['ADDED', 'b'],
      ['MODIFIED', 'a'],
      ['DELETED', 'b'],
    ]);
    const versions = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(3);
    expect(versions[0]).toBeGreaterThan(Number(list.metadata?.resourceVersion));
    expect(w.events[1]?.object.endpoints).toHaveLength(2);
    // A DELETED event carries the last state, at the deletion's revision.
    expect(w.events[2]?.object.endpoints).toHaveLength(1);
    expect(versions[2]).toBe(store.resourceVersion);
    expect(w.events[0]?.object.kind).toBe('EndpointSlice');
  });

  it('starts a watch without resourceVersion with the current objects as ADDED', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    putAll(slices('b', [endpoint(2)]));
    const w = await watch();
    await waitFor(() => w.events.length === 2, 'the current objects', 3000);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
  });

  it('filters by label and field selector: leaving the selection is DELETED, entering it ADDED', async () => {
    await startServer();
    const pod = (labels: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: NS, labels },
    });
    store.put(pod({ role: 'a' }));
    const from = `${store.resourceVersion}`;
    const w = await watch(
      { resourceVersion: from, labelSelector: 'role=a', fieldSelector: 'metadata.name=p' },
      `/api/v1/namespaces/${NS}/pods`,
    );
    const other = await watch(
      { resourceVersion: from, fieldSelector: 'metadata.name=q' },
      `/api/v1/namespaces/${NS}/pods`,
    );
    store.put(pod({ role: 'b' }));
    store.put(pod({ role: 'a' }));
    store.put(pod({ role: 'a', extra: '1' }));
    await waitFor(() => w.events.length === 3, 'three events', 3000);
    expect(w.events.map((e) => e.type)).toEqual(['DELETED', 'ADDED', 'MODIFIED']);
    expect(w.events[0]?.object.metadata.labels).toEqual({ role: 'a' });
    expect(other.events).toEqual([]);
  });

  it('ends a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    const old = store.resourceVersion;
    putAll(slices('a', [endpoint(2)]));
    store.compact();
    const w = await watch({ resourceVersion: old });
    await waitFor(() => w.ended() !== undefined, 'the watch to end', 3000);
    expect(w.ended()?.error).toBeNull();
    expect(w.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${old} (${store.resourceVersion})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('ends every open watch with ERROR 410 on compact({ expireOpenWatches })', async () => {
    await startServer();
    const w = await watch({ resourceVersion: '0' });
    store.compact({ expireOpenWatches: true });
    await waitFor(() => w.ended() !== undefined, 'the watch to end', 3000);
    expect(w.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          code: 410,
          reason: 'Expired',
          message: 'The resourceVersion for the provided watch is too old.',
        }),
      },
    ]);
  });

  it('sends BOOKMARKs periodically when asked, carrying only the current resourceVersion', async () => {
    await startServer({ bookmarkIntervalMs: 100 });
    putAll(slices('a', [endpoint(1)]));
    const w = await watch({ resourceVersion: store.resourceVersion, allowWatchBookmarks: true });
    const quiet = await watch({ resourceVersion: store.resourceVersion });
    await waitFor(() => w.events.length >= 2, 'two bookmarks', 3000);
    putAll(slices('a', [endpoint(2)]));
    await waitFor(
      () =>
        w.events.some(
          (e) =>
            e.type === 'BOOKMARK' &&
            e.object.metadata.resourceVersion === `${store.resourceVersion}`,
        ),
      'a bookmark at the new revision',
      3000,
    );
    expect(w.events[0]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'EndpointSlice',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: { resourceVersion: `${store.resourceVersion - 1}` },
      },
    });
    expect(quiet.events.map((e) => e.type)).toEqual(['MODIFIED']);
  });

  it('ends a watch after timeoutSeconds, with a last BOOKMARK 2 s before', async () => {
    await startServer();
    const started = Date.now();
    const w = await watch({ resourceVersion: '0', timeoutSeconds: 3, allowWatchBookmarks: true });
    await waitFor(() => w.ended() !== undefined, 'the watch to time out', 4500);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(4500);
    expect(w.ended()?.error).toBeNull();
    expect(w.events.map((e) => e.type)).toEqual(['BOOKMARK']);
  }, 6000);

  it('streams the initial state then a bookmark marking its end, for sendInitialEvents', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    const w = await watch({
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    await waitFor(() => w.events.length === 2, 'initial events and a bookmark', 3000);
    expect(w.events[0]?.type).toBe('ADDED');
    expect(w.events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
  });

  it('ends open watches cleanly on stop(), and serves a resumed watch after start()', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    const w = await watch({ resourceVersion: store.resourceVersion });
    const url = server.url;
    await server.stop();
    await waitFor(() => w.ended() !== undefined, 'the watch to end', 3000);
    expect(w.ended()?.error).toBeNull();
    putAll(slices('a', [endpoint(2)]));
    await server.start();
    expect(server.url).toBe(url);
    const resumed = await watch({ resourceVersion: store.resourceVersion - 1 });
    await waitFor(() => resumed.events.length === 1, 'the missed change', 3000);
    expect(resumed.events[0]?.type).toBe('MODIFIED');
  });
});

describe('KubeApiServer: client-node informer', () => {
  it('lists, follows adds, updates and deletes, and recovers from a forced 410 and a restart', async () => {
    await startServer();
    putAll(slices('a', [endpoint(1)]));
    const api = kc.makeApiClient(DiscoveryV1Api);
    const informer = makeInformer<V1EndpointSlice>(
      kc,
      PATH,
      () => api.listNamespacedEndpointSlice({ namespace: NS }),
      'kubernetes.io/service-name=a',
    );
    const log: string[] = [];
    const endpoints = () =>
      informer.list(NS).flatMap((s) => s.endpoints.map((e) => e.addresses[0]));
    informer.on('add', (s) => log.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => log.push(`update ${s.metadata?.name}`));
    informer.on('delete', (s) => log.push(`delete ${s.metadata?.name}`));
    // The documented pattern: restart the informer when its watch fails.
    let restarts = 0;
    informer.on('error', () => {
      restarts++;
      setTimeout(() => void informer.start(), 200);
    });
    cleanups.push(() => informer.stop());
    await informer.start();
    expect(endpoints()).toEqual(['127.100.0.2']);

    putAll(slices('a', [endpoint(1), endpoint(2)]));
    await waitFor(() => endpoints().length === 2, 'the added endpoint', 3000);

    store.compact({ expireOpenWatches: true });
    putAll(slices('a', [endpoint(1), endpoint(2), endpoint(3)]));
    await waitFor(() => endpoints().length === 3, 'a relist after 410', 3000);

    await server.stop();
    putAll(slices('a', [endpoint(3)]));
    await server.start();
    await waitFor(
      () => endpoints().length === 1,
      'the change made while the server was down',
      5000,
    );

    // 250 endpoints: three slices, the informer sees all of them.
    putAll(
      slices(
        'a',
        Array.from({ length: 250 }, (_, i) => endpoint(i)),
      ),
    );
    await waitFor(() => endpoints().length === 250, '250 endpoints in 3 slices', 3000);
    expect(informer.list(NS)).toHaveLength(3);

    // Scale to zero: the placeholder slice stays, without endpoints.
    const placeholder = slices('a', []);
    putAll(placeholder);
    for (const stale of store.list('discovery.k8s.io/v1', 'EndpointSlice', NS)) {
      if (stale.metadata.name === placeholder[0]?.metadata.name) continue;
      store.remove('discovery.k8s.io/v1', 'EndpointSlice', NS, stale.metadata.name);
    }
    await waitFor(() => informer.list(NS).length === 1 && endpoints().length === 0, 'zero', 3000);
    expect(log.filter((line) => line.startsWith('delete'))).toHaveLength(2);
    // Only the restart can fail the watch: the informer relists on its own after a 410.
    expect(restarts).toBeLessThanOrEqual(1);
  }, 15_000);
});
