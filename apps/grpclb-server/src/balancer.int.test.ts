/**
 * The balancer on the wire: a plain gRPC client written against
 * grpc.lb.v1 (no policy) talks to a real balancer, whose EndpointSlices come
 * from the lab's Kubernetes-compatible API (KubeStore + KubeApiServer).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  type EndpointInput,
  endpointSlicesFor,
  KubeApiServer,
  type KubeObject,
  KubeStore,
  waitFor,
} from '@lab/local-cluster';
import {
  type LoadBalanceRequest,
  type LoadBalanceResponse__Output,
  type LoadBalancerClient,
  loadGrpclbProto,
} from '@lab/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGrpclbServer, type GrpclbServer } from './create-server.js';

const HOST = '127.0.20.1';
const NAMESPACE = 'grpc-lb';
const PORTS = [
  { name: 'grpc', port: 50051 },
  { name: 'http', port: 8080 },
];

let store: KubeStore;
let api: KubeApiServer;
let dir: string;
let kubeconfig: string;
let balancer: GrpclbServer | undefined;
let target: string;
let httpUrl: string;
const clients: LoadBalancerClient[] = [];
const logs: string[] = [];

beforeEach(async () => {
  store = new KubeStore();
  api = new KubeApiServer({ store, host: HOST });
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'grpclb-server-'));
  kubeconfig = join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig, NAMESPACE);
  logs.length = 0;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  balancer?.forceClose();
  balancer = undefined;
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

async function startBalancer(options: { drops?: string[]; statsIntervalMs?: number } = {}) {
  balancer = createGrpclbServer({
    bind: HOST,
    grpcPort: 0,
    httpPort: 0,
    namespace: NAMESPACE,
    kubeconfig,
    drops: options.drops,
    statsIntervalMs: options.statsIntervalMs ?? 2000,
    watchLingerMs: 0,
    kube: { backoffInitialMs: 100, backoffMaxMs: 300, requestTimeoutMs: 1000 },
    log: (line) => logs.push(line),
  });
  const ports = await balancer.start();
  target = `${HOST}:${ports.grpcPort}`;
  httpUrl = `http://${HOST}:${ports.httpPort}`;
}

function setEndpoints(service: string, endpoints: Partial<EndpointInput>[], namespace = NAMESPACE) {
  const full = endpoints.map((e, i) => ({
    ip: `10.1.0.${i + 1}`,
    ready: true,
    serving: true,
    terminating: false,
    podName: `${service}-pod-${i + 1}`,
    ...e,
  }));
  for (const slice of endpointSlicesFor({ name: service, namespace, ports: PORTS }, full)) {
    store.put(slice);
  }
}

/** A bidirectional BalanceLoad stream with its messages and its end collected. */
function openStream() {
  const Client = loadGrpclbProto().grpc.lb.v1.LoadBalancer;
  const client = new Client(target, grpc.credentials.createInsecure());
  clients.push(client);
  const call = client.BalanceLoad();
  const messages: LoadBalanceResponse__Output[] = [];
  let ended: grpc.StatusObject | undefined;
  call.on('data', (m: LoadBalanceResponse__Output) => messages.push(m));
  call.on('status', (s: grpc.StatusObject) => {
    ended = s;
  });
  call.on('error', () => {});
  return {
    call,
    messages,
    ended: () => ended,
    send: (m: LoadBalanceRequest) => call.write(m),
    ask: (name: string) => call.write({ initialRequest: { name } }),
    async nth(n: number, timeoutMs = 5000) {
      await waitFor(() => messages.length >= n, `message #${n}`, timeoutMs);
      return messages[n - 1]!;
    },
    async closed(timeoutMs = 5000) {
      await waitFor(() => ended !== undefined, 'the end of the stream', timeoutMs);
      return ended!;
    },
  };
}

type Stream = ReturnType<typeof openStream>;

function servers(message: LoadBalanceResponse__Output) {
  expect(message.loadBalanceResponseType).toBe('serverList');
  return (message.serverList?.servers ?? []).map((s) => ({
    ip: [...s.ipAddress],
    port: s.port,
    token: s.loadBalanceToken,
    drop: s.drop,
  }));
}

async function listOf(stream: Stream, n: number) {
  return servers(await stream.nth(n));
}

async function metricsText(): Promise<string> {
  return (await fetch(`${httpUrl}/metrics`)).text();
}

describe('grpclb-server on the wire', () => {
  it('answers an initial response first, then the Service endpoints as a server list', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }]);
    await startBalancer({ statsIntervalMs: 2500 });
    const stream = openStream();
    stream.ask('addr-server.grpc-lb.svc.cluster.local:grpc');
    const first = await stream.nth(1);
    expect(first.loadBalanceResponseType).toBe('initialResponse');
    expect(first.initialResponse?.clientStatsReportInterval).toEqual({ seconds: 2, nanos: 5e8 });
    expect(await listOf(stream, 2)).toEqual([
      { ip: [10, 1, 0, 1], port: 50051, token: 'addr-server-pod-1', drop: false },
      { ip: [10, 1, 0, 2], port: 50051, token: 'addr-server-pod-2', drop: false },
    ]);
  });

  it('pushes the full list on every change, and never the same list twice', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await startBalancer();
    const stream = openStream();
    stream.ask('addr-server:http');
    expect((await listOf(stream, 2)).map((s) => s.port)).toEqual([8080]);
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }, { ip: '10.1.0.3' }]);
    expect((await listOf(stream, 3)).map((s) => s.ip[3])).toEqual([1, 2, 3]);
    // A pod turns unready: out of the list.
    setEndpoints('addr-server', [
      { ip: '10.1.0.1' },
      { ip: '10.1.0.2', ready: false },
      { ip: '10.1.0.3' },
    ]);
    expect((await listOf(stream, 4)).map((s) => s.ip[3])).toEqual([1, 3]);
    // A change the list does not show (a label) sends nothing.
    const [slice] = store.list('discovery.k8s.io/v1', 'EndpointSlice', NAMESPACE) as KubeObject[];
    store.put({
      ...slice!,
      metadata: { ...slice!.metadata, labels: { ...slice!.metadata.labels, x: 'y' } },
    });
    setEndpoints('addr-server', []);
    expect(await listOf(stream, 5)).toEqual([]);
    expect(stream.messages).toHaveLength(5);
  });

  it('writes IPv4 addresses as 4 bytes and IPv6 addresses as 16', async () => {
    store.put({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'dual-v6',
        namespace: NAMESPACE,
        labels: { 'kubernetes.io/service-name': 'dual' },
      },
      addressType: 'IPv6',
      endpoints: [{ addresses: ['fd00:10::1:2'], conditions: { ready: true } }],
      ports: [{ name: 'grpc', port: 50051 }],
    } as KubeObject);
    setEndpoints('dual', [{ ip: '192.168.7.9', podName: undefined }]);
    await startBalancer();
    const stream = openStream();
    stream.ask('dual:grpc');
    const list = await listOf(stream, 2);
    const v4 = list.find((s) => s.ip.length === 4);
    const v6 = list.find((s) => s.ip.length === 16);
    expect(v4).toEqual({
      ip: [192, 168, 7, 9],
      port: 50051,
      token: '192.168.7.9:50051',
      drop: false,
    });
    expect(v6?.ip).toEqual([0xfd, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
    expect(v6?.token).toBe('fd00:10::1:2:50051');
  });

  it('serves two Services at once, with one watch per Service shared by its streams', async () => {
    setEndpoints('alpha', [{ ip: '10.1.0.1' }]);
    setEndpoints('beta', [{ ip: '10.2.0.1' }, { ip: '10.2.0.2' }]);
    await startBalancer();
    const a1 = openStream();
    const a2 = openStream();
    const b = openStream();
    a1.ask('alpha:grpc');
    a2.ask('alpha.grpc-lb:50051');
    b.ask('beta:grpc');
    expect((await listOf(a1, 2)).map((s) => s.ip)).toEqual([[10, 1, 0, 1]]);
    expect((await listOf(a2, 2)).map((s) => s.ip)).toEqual([[10, 1, 0, 1]]);
    expect((await listOf(b, 2)).map((s) => s.ip)).toEqual([
      [10, 2, 0, 1],
      [10, 2, 0, 2],
    ]);
    expect(await metricsText()).toMatch(/^grpclb_server_kubernetes_watches 2$/m);
    setEndpoints('beta', [{ ip: '10.2.0.3' }]);
    expect((await listOf(b, 3)).map((s) => s.ip)).toEqual([[10, 2, 0, 3]]);
    expect(a1.messages).toHaveLength(2);
    const text = await metricsText();
    expect(text).toMatch(/^grpclb_server_streams_active\{service="grpc-lb\/alpha:grpc"\} 1$/m);
    expect(text).toMatch(/^grpclb_server_streams_active\{service="grpc-lb\/alpha:50051"\} 1$/m);
    expect(text).toMatch(
      /^grpclb_server_server_lists_sent_total\{service="grpc-lb\/beta:grpc"\} 2$/m,
    );
  });

  it('ends a malformed start with INVALID_ARGUMENT and keeps serving everyone else', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await startBalancer();
    const good = openStream();
    good.ask('addr-server:grpc');
    await good.nth(2);

    const statsFirst = openStream();
    statsFirst.send({ clientStats: { numCallsStarted: 1 } });
    const s1 = await statsFirst.closed();
    expect(s1.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s1.details).toBe(
      'the first message of a BalanceLoad stream must be an initial_request naming a service; got client_stats',
    );
    expect(statsFirst.messages).toEqual([]);

    const empty = openStream();
    empty.send({});
    expect((await empty.closed()).details).toMatch(/got an empty message$/);

    const badName = openStream();
    badName.ask('not_a_service!');
    const s3 = await badName.closed();
    expect(s3.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s3.details).toMatch(/^cannot map 'not_a_service!' to a Kubernetes Service: /);

    // Bytes that are no protobuf at all, through a raw client.
    const raw = new grpc.Client(target, grpc.credentials.createInsecure());
    const garbage = raw.makeBidiStreamRequest(
      '/grpc.lb.v1.LoadBalancer/BalanceLoad',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    let garbageStatus: grpc.StatusObject | undefined;
    garbage.on('status', (s: grpc.StatusObject) => {
      garbageStatus = s;
    });
    garbage.on('error', () => {});
    garbage.on('data', () => {});
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await waitFor(() => garbageStatus !== undefined, 'the garbage stream to end');
    raw.close();
    expect(garbageStatus?.code).toBe(grpc.status.INTERNAL);

    // The good stream still gets changes, and a new stream is served.
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }]);
    expect(await listOf(good, 3)).toHaveLength(2);
    const later = openStream();
    later.ask('addr-server:grpc');
    expect(await listOf(later, 2)).toHaveLength(2);
    expect(await metricsText()).toMatch(
      /^grpclb_server_streams_refused_total\{reason="not-initial"\} 2$/m,
    );
  });

  it('keeps serving the last good list while the API is unreachable, and catches up after', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await startBalancer();
    const stream = openStream();
    stream.ask('addr-server:grpc');
    expect(await listOf(stream, 2)).toHaveLength(1);
    await api.stop();
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }]);
    await waitFor(() => logs.some((l) => l.includes('keeping the last list')), 'a failure log');
    // A client that arrives meanwhile gets the last good list.
    const late = openStream();
    late.ask('addr-server:grpc');
    expect(await listOf(late, 2)).toHaveLength(1);
    expect(stream.ended()).toBeUndefined();
    await api.start();
    expect(await listOf(stream, 3)).toHaveLength(2);
    expect(await listOf(late, 3)).toHaveLength(2);
    expect(await metricsText()).toMatch(
      /^grpclb_server_kubernetes_failures_total\{service="grpc-lb\/addr-server"\} [1-9]/m,
    );
  });

  it('sends no list while the API has never answered (clients fall back), then the first one', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await api.stop();
    await startBalancer();
    const stream = openStream();
    stream.ask('addr-server:grpc');
    expect((await stream.nth(1)).loadBalanceResponseType).toBe('initialResponse');
    await waitFor(() => logs.some((l) => l.includes('no list yet')), 'a failure log');
    expect(stream.messages).toHaveLength(1);
    await api.start();
    expect(await listOf(stream, 2)).toHaveLength(1);
  });

  it('tells clients to fall back while the Service has no EndpointSlices, and ends that when they appear', async () => {
    await startBalancer();
    const stream = openStream();
    stream.ask('later:grpc');
    const second = await stream.nth(2);
    expect(second.loadBalanceResponseType).toBe('fallbackResponse');
    setEndpoints('later', [{ ip: '10.3.0.1' }]);
    expect(await listOf(stream, 3)).toHaveLength(1);
  });

  it('mixes drop entries into the list by the configured share', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }, { ip: '10.1.0.3' }]);
    await startBalancer({ drops: ['addr-server=25:shed'] });
    const stream = openStream();
    stream.ask('addr-server:grpc');
    const list = await listOf(stream, 2);
    expect(list.map((s) => (s.drop ? `drop:${s.token}` : s.ip[3]))).toEqual([1, 2, 3, 'drop:shed']);
    expect(list.find((s) => s.drop)?.ip).toEqual([]);
  });

  it('sums each client load reports, exposed per client on /metrics', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await startBalancer();
    const stream = openStream();
    stream.ask('addr-server:grpc');
    await stream.nth(2);
    const report = {
      numCallsStarted: 10,
      numCallsFinished: 9,
      numCallsFinishedWithClientFailedToSend: 1,
      numCallsFinishedKnownReceived: 7,
      callsFinishedWithDrop: [{ loadBalanceToken: 'shed', numCalls: 2 }],
    };
    stream.send({ clientStats: { timestamp: { seconds: 1 }, ...report } });
    stream.send({ clientStats: report });
    await waitFor(() => (balancer?.clients()[0]?.reports ?? 0) === 2, 'two reports');
    const [totals] = balancer!.clients();
    expect(totals).toMatchObject({
      service: 'grpc-lb/addr-server:grpc',
      started: 20,
      finished: 18,
      failedToSend: 2,
      knownReceived: 14,
      dropped: { shed: 4 },
    });
    const client = totals!.client;
    expect(client).toMatch(/^127\.0\.0\.1:\d+$|^127\.0\.20\.1:\d+$/);
    const text = await metricsText();
    const labels = `service="grpc-lb/addr-server:grpc",client="${client}"`;
    expect(text).toContain(`grpclb_client_calls_started_total{${labels}} 20`);
    expect(text).toContain(`grpclb_client_calls_known_received_total{${labels}} 14`);
    expect(text).toContain(`grpclb_client_calls_dropped_total{${labels},token="shed"} 4`);
    expect(text).toContain(`grpclb_client_stats_reports_total{${labels}} 2`);
  });

  it('ends every stream with UNAVAILABLE on shutdown, and turns health NOT_SERVING first', async () => {
    setEndpoints('addr-server', [{ ip: '10.1.0.1' }]);
    await startBalancer();
    const stream = openStream();
    stream.ask('addr-server:grpc');
    await stream.nth(2);
    const outcome = await balancer!.shutdown();
    expect(outcome).toBe('graceful');
    const ended = await stream.closed();
    expect(ended.code).toBe(grpc.status.UNAVAILABLE);
    expect(ended.details).toBe('grpclb-server is shutting down');
  });
});
