/**
 * KubePodWatch through a real list + watch over HTTP: the local cluster's
 * Kubernetes-compatible API server, fed Pod objects by hand in the shapes a
 * real cluster gives them, so the same client-node code path is exercised.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiServer, type KubeObject, KubeStore, waitFor } from '@lab/local-cluster';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent } from './engine-types.js';
import { KubePodWatch } from './kind-pod-watch.js';

const NS = 'grpc-lb';
let store: KubeStore;
let server: KubeApiServer;
let watch: KubePodWatch | undefined;

beforeEach(async () => {
  store = new KubeStore();
  server = new KubeApiServer({ store, host: '127.0.0.1' });
  await server.start();
});

afterEach(async () => {
  await watch?.stop();
  watch = undefined;
  await server.stop();
});

function pod(
  name: string,
  shape: { app?: string; ready?: boolean; deleting?: boolean; namespace?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: shape.namespace ?? NS,
      labels: { 'app.kubernetes.io/name': shape.app ?? 'addr-server' },
      ...(shape.deleting
        ? { deletionTimestamp: '2026-01-01T00:00:35Z', deletionGracePeriodSeconds: 35 }
        : {}),
    },
    spec: { nodeName: 'grpc-lb-worker2', containers: [{ name: 'addr-server', image: 'x' }] },
    status: {
      phase: 'Running',
      podIP: '10.244.2.7',
      conditions: [{ type: 'Ready', status: shape.ready ? 'True' : 'False' }],
    },
  } as KubeObject;
}

async function started(): Promise<{ watch: KubePodWatch; events: LabEvent[] }> {
  const config = new KubeConfig();
  config.loadFromString(server.kubeconfig(NS));
  const events: LabEvent[] = [];
  watch = new KubePodWatch(config, {
    namespace: NS,
    labelSelector: 'app.kubernetes.io/name=addr-server',
  });
  await watch.start((event) => events.push(event));
  return { watch, events };
}

describe('KubePodWatch', () => {
  it("follows the server's pods from creation to deletion, and only them", async () => {
    store.put(pod('addr-server-a', { ready: true }));
    store.put(pod('client-grpc-x', { app: 'client-grpc', ready: true }));
    store.put(pod('addr-server-elsewhere', { namespace: 'other', ready: true }));
    const { watch: w, events } = await started();
    expect(w.pods().map((p) => p.name)).toEqual(['addr-server-a']);

    const before = Date.now();
    store.put(pod('addr-server-b'));
    store.put(pod('addr-server-b', { ready: true }));
    await waitFor(() => w.pods().some((p) => p.name === 'addr-server-b' && p.readyAt), 'b Ready');
    store.put(pod('addr-server-a', { ready: false, deleting: true }));
    await waitFor(() => w.pods().some((p) => p.terminatingAt !== undefined), 'a terminating');
    store.remove('v1', 'Pod', NS, 'addr-server-a');
    await waitFor(() => w.pods().some((p) => p.exitedAt !== undefined), 'a gone');

    const [a, b] = w.pods();
    expect(a).toMatchObject({ name: 'addr-server-a', ip: '10.244.2.7', node: 'grpc-lb-worker2' });
    expect(b?.readyAt).toBeGreaterThanOrEqual(before);
    expect(a?.exitedAt).toBeGreaterThanOrEqual(a?.terminatingAt ?? Number.POSITIVE_INFINITY);
    expect(w.resolve('oldest')).toBe('addr-server-b');
    expect(events.map((event) => `${event.kind} ${event.pod}`)).toEqual([
      'pod-created addr-server-a',
      'pod-ready addr-server-a',
      'pod-created addr-server-b',
      'pod-ready addr-server-b',
      'pod-terminating addr-server-a',
      'pod-exited addr-server-a',
    ]);
  });

  it('starts on an empty namespace, as before the first apply', async () => {
    const { watch: w } = await started();
    expect(w.pods()).toEqual([]);
    store.put(pod('addr-server-a', { ready: true }));
    await waitFor(() => w.pods().length === 1, 'the first pod');
  });

  it('fails to start when the API does not answer', async () => {
    await server.stop();
    await expect(started()).rejects.toThrow(
      /^cannot list the pods of namespace grpc-lb \(app.kubernetes.io\/name=addr-server\): /,
    );
  });
});
