/**
 * The resolver against the lab's Kubernetes-compatible API (@lab/local-cluster)
 * and real addr-server processes, each on its own loopback address with the
 * same ports, as pods are. Every test has its own store and API server; the
 * pods are shared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  appMain,
  type EndpointInput,
  endpointSlicesFor,
  KubeApiServer,
  KubeStore,
  type Running,
  startNode,
  stopAll,
  waitFor,
} from '@lab/local-cluster';
import { type AddrServiceClient, loadAddrProto } from '@lab/proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KUBERNETES_RESOLVER_CONFIG_OPTION, setup } from './resolver-kubernetes.js';

const NAMESPACE = 'grpc-lb';
const SERVICE = {
  name: 'addr-server',
  namespace: NAMESPACE,
  ports: [
    { name: 'http', port: 8080 },
    { name: 'grpc', port: 50051 },
  ],
};
const TARGET = `kubernetes:///addr-server.${NAMESPACE}:grpc`;
const SLICE = ['discovery.k8s.io/v1', 'EndpointSlice'] as const;

/** A block of 127.0.0.0/8 of its own, so that other tests' pods never clash. */
const NET = `127.251.${Math.floor(Math.random() * 250) + 1}`;
const POD_COUNT = 4;
const pods: { name: string; ip: string; process: Running }[] = [];

let store: KubeStore;
let api: KubeApiServer;
let requests: string[];
let dir: string;
let kubeconfig: string;
let clients: AddrServiceClient[];
const published = new Set<string>();

beforeAll(async () => {
  setup();
  const started = Array.from({ length: POD_COUNT }, (_, i) => {
    const name = `pod-${i + 1}`;
    const ip = `${NET}.${i + 1}`;
    const process = startNode(
      appMain.addrServer,
      ['--bind', ip, '--grpc-port', '50051', '--http-port', '8080'],
      { env: { POD_NAME: name, POD_IP: ip, NODE_NAME: 'node-1' }, timeoutMs: 5 * 60_000 },
    );
    return { name, ip, process };
  });
  await Promise.all(started.map((pod) => pod.process.waitForStdout('listening', 15_000)));
  pods.push(...started);
}, 30_000);

afterAll(() => stopAll());

beforeEach(async () => {
  requests = [];
  clients = [];
  published.clear();
  store = new KubeStore();
  api = new KubeApiServer({
    store,
    host: '127.0.0.1',
    onRequest: (method, url, status) => requests.push(`${method} ${url} ${status}`),
  });
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'resolver-kubernetes-'));
  kubeconfig = join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig, NAMESPACE);
});

afterEach(async () => {
  for (const client of clients) client.close();
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

function pod(i: number): { name: string; ip: string } {
  const found = pods[i - 1];
  if (!found) throw new Error(`no pod-${i}`);
  return found;
}

function ready(i: number): EndpointInput {
  const { name, ip } = pod(i);
  return { ip, podName: name, ready: true, serving: true, terminating: false };
}

/** Writes the Service's slices as the EndpointSlice controller would, dropping ones no longer cut. */
function publish(endpoints: EndpointInput[]): void {
  const slices = endpointSlicesFor(SERVICE, endpoints);
  const names = new Set(slices.map((slice) => slice.metadata.name));
  for (const name of published) {
    if (!names.has(name)) store.remove(...SLICE, NAMESPACE, name);
  }
  for (const slice of slices) store.put(slice);
  published.clear();
  for (const name of names) published.add(name);
}

function client(target = TARGET): AddrServiceClient {
  const { AddrService } = loadAddrProto().lab.addr.v1;
  const created = new AddrService(target, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    [KUBERNETES_RESOLVER_CONFIG_OPTION]: JSON.stringify({
      kubeconfig,
      backoffInitialMs: 100,
      backoffMaxMs: 500,
    }),
  });
  clients.push(created);
  return created;
}

interface Outcome {
  pod?: string;
  error?: grpc.ServiceError;
}

function call(c: AddrServiceClient): Promise<Outcome> {
  return new Promise((resolve) =>
    c.GetAddr({ client: 'resolver-test' }, { deadline: Date.now() + 2000 }, (error, reply) =>
      resolve(error ? { error } : { pod: reply?.podName ?? '?' }),
    ),
  );
}

async function calls(c: AddrServiceClient, count: number) {
  const byPod: Record<string, number> = {};
  const errors: grpc.ServiceError[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = await call(c);
    if (outcome.error) errors.push(outcome.error);
    else if (outcome.pod) byPod[outcome.pod] = (byPod[outcome.pod] ?? 0) + 1;
  }
  return { byPod, errors };
}

/** Calls until `done(outcome)` holds, 10 s at most; returns every outcome. */
async function callUntil(
  c: AddrServiceClient,
  done: (outcome: Outcome) => boolean,
  what: string,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const outcome = await call(c);
    outcomes.push(outcome);
    if (done(outcome)) return outcomes;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(outcomes.at(-1))}`);
}

const lists = () =>
  requests.filter((r) => r.includes('/endpointslices?') && !r.includes('watch=true'));

/** What the resolver hands grpc-js, caught at the listener. */
function resolveWith(target: string): {
  results: { addresses: string[]; note: string }[];
  destroy(): void;
} {
  const results: { addresses: string[]; note: string }[] = [];
  const path = target.replace(/^kubernetes:\/\/\//, '');
  const resolver = grpc.experimental.createResolver(
    { scheme: 'kubernetes', authority: '', path },
    (endpoints, _attributes, _config, note) => {
      if (endpoints.ok) {
        results.push({
          addresses: endpoints.value.flatMap((e) =>
            e.addresses.map((a) => ('host' in a ? `${a.host}:${a.port}` : a.path)),
          ),
          note,
        });
      }
      return true;
    },
    { [KUBERNETES_RESOLVER_CONFIG_OPTION]: { kubeconfig } },
  );
  resolver.updateResolution();
  return { results, destroy: () => resolver.destroy() };
}

describe('the kubernetes: resolver against the local API', { timeout: 30_000 }, () => {
  it('lists first: round_robin reaches every Ready pod, and none that is not Ready', async () => {
    publish([ready(1), ready(2), ready(3), { ...ready(4), ready: false, serving: false }]);
    const c = client();
    const { byPod, errors } = await calls(c, 60);
    expect(errors).toEqual([]);
    // Strict rotation once every subchannel is connected; the first calls
    // go to whichever connected first.
    expect(Object.keys(byPod).sort()).toEqual(['pod-1', 'pod-2', 'pod-3']);
    for (const count of Object.values(byPod)) expect(count).toBeGreaterThanOrEqual(15);
    expect(lists()).toHaveLength(1);
    expect(lists()[0]).toMatch(/labelSelector=kubernetes.io%2Fservice-name%3Daddr-server 200$/);
  });

  it('follows the watch: an added pod gets calls, a removed or terminating one stops getting them', async () => {
    publish([ready(1), ready(2)]);
    const c = client();
    await callUntil(c, (o) => o.pod === 'pod-2', 'pod-2');
    publish([ready(1), ready(2), ready(3)]);
    await callUntil(c, (o) => o.pod === 'pod-3', 'pod-3 after it was added');
    publish([ready(1), { ...ready(2), ready: false, serving: true, terminating: true }, ready(3)]);
    // Give the watch event a moment, then no call may reach pod-2.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { byPod, errors } = await calls(c, 30);
    expect(errors).toEqual([]);
    expect(Object.keys(byPod).sort()).toEqual(['pod-1', 'pod-3']);
    expect(lists()).toHaveLength(1);
  });

  it('resolves a port name through the slices, and takes a number as is', async () => {
    publish([ready(1)]);
    const byName = resolveWith(`kubernetes:///addr-server.${NAMESPACE}:http`);
    const byNumber = resolveWith(`kubernetes:///addr-server.${NAMESPACE}:9999`);
    try {
      await waitFor(() => byName.results.length > 0 && byNumber.results.length > 0, 'both');
      expect(byName.results[0]?.addresses).toEqual([`${pod(1).ip}:8080`]);
      expect(byNumber.results[0]?.addresses).toEqual([`${pod(1).ip}:9999`]);
    } finally {
      byName.destroy();
      byNumber.destroy();
    }
    const numeric = client(`kubernetes:///addr-server.${NAMESPACE}:50051`);
    expect((await calls(numeric, 3)).byPod).toEqual({ 'pod-1': 3 });
  });

  it('a missing Service: UNAVAILABLE that says so, then picked up when its slices appear', async () => {
    const c = client();
    const first = await call(c);
    expect(first.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(first.error?.details).toContain(
      `service ${NAMESPACE}/addr-server has no EndpointSlices: the Service does not exist`,
    );
    publish([ready(1)]);
    await callUntil(c, (o) => o.pod === 'pod-1', 'pod-1 once the Service exists');
  });

  it('250 endpoints over 3 slices: grpc-js gets all 250 addresses', async () => {
    const endpoints: EndpointInput[] = Array.from({ length: 250 }, (_, i) => ({
      ip: `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`,
      podName: `big-${i}`,
      ready: true,
      serving: true,
      terminating: false,
    }));
    publish(endpoints);
    expect(store.list(...SLICE, NAMESPACE)).toHaveLength(3);
    const resolved = resolveWith(TARGET);
    try {
      await waitFor(() => resolved.results.length > 0, 'a resolution');
      const addresses = resolved.results[0]?.addresses ?? [];
      expect(new Set(addresses).size).toBe(250);
      expect(addresses).toContain('10.1.1.50:50051');
      expect(resolved.results[0]?.note).toBe(
        `kubernetes resolver: 250 endpoints from 3 EndpointSlices of ${NAMESPACE}/addr-server`,
      );
    } finally {
      resolved.destroy();
    }
  });

  it('scaled to zero: terminating pods serve out their grace, then calls fail UNAVAILABLE saying so; and back', async () => {
    publish([ready(1), ready(2)]);
    const c = client();
    await callUntil(c, (o) => o.pod !== undefined, 'a first call');
    // Both pods terminating but still serving, and none ready: kube-proxy's
    // fallback keeps them in use for their grace period.
    const terminating = { ready: false, serving: true, terminating: true };
    publish([
      { ...ready(1), ...terminating },
      { ...ready(2), ...terminating },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await calls(c, 10)).errors).toEqual([]);
    publish([]);
    const outcomes = await callUntil(c, (o) => o.error !== undefined, 'a failed call');
    const failed = outcomes.at(-1)?.error;
    expect(failed?.code).toBe(grpc.status.UNAVAILABLE);
    expect(failed?.details).toContain(
      `service ${NAMESPACE}/addr-server has no endpoints (scaled to zero?)`,
    );
    const { errors } = await calls(c, 5);
    expect(errors.map((e) => e.code)).toEqual(Array(5).fill(grpc.status.UNAVAILABLE));
    publish([ready(2)]);
    await callUntil(c, (o) => o.pod === 'pod-2', 'pod-2 after scaling back');
  });

  it('API server restarted mid-watch: no call fails, and a change made meanwhile is seen', async () => {
    publish([ready(1), ready(2)]);
    const c = client();
    await callUntil(c, (o) => o.pod === 'pod-2', 'both pods');
    const errors: grpc.ServiceError[] = [];
    const reached = new Set<string>();
    let running = true;
    const load = (async () => {
      for (let i = 0; running && i < 2000; i++) {
        const outcome = await call(c);
        if (outcome.error) errors.push(outcome.error);
        if (outcome.pod) reached.add(outcome.pod);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await api.stop();
      publish([ready(1), ready(2), ready(3)]); // while the API is away
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(reached.has('pod-3')).toBe(false);
      requests.length = 0;
      await api.start();
      await waitFor(() => reached.has('pod-3'), 'pod-3 after the API came back');
    } finally {
      running = false;
      await load;
    }
    expect(errors.map((e) => `${e.code} ${e.details}`)).toEqual([]);
    expect(lists().length).toBeGreaterThanOrEqual(1);
  });

  it('a forced 410 Gone lists again and misses nothing', async () => {
    publish([ready(1)]);
    const c = client();
    await callUntil(c, (o) => o.pod === 'pod-1', 'pod-1');
    // The watch opens right after the list; the server logs it only when it ends.
    await new Promise((resolve) => setTimeout(resolve, 200));
    store.compact({ expireOpenWatches: true });
    publish([ready(1), ready(2)]);
    await callUntil(c, (o) => o.pod === 'pod-2', 'pod-2 after the 410');
    expect(requests.filter((r) => r.includes('watch=true'))).toHaveLength(1);
    expect(lists()).toHaveLength(2);
  });
});
