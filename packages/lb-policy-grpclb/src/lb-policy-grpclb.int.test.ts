/**
 * The grpclb policy in a grpc-js channel, against the real balancer
 * (apps/grpclb-server, a process) fed by the lab's Kubernetes-compatible API,
 * and real addr-server processes on their own loopback addresses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { type AddrServiceClient, type AddrServiceHandlers, loadAddrProto } from '@lab/proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DROP_DETAILS } from './grpclb-picker.js';
import { setup } from './lb-policy-grpclb.js';

const grpclbMain = fileURLToPath(
  new URL('../../../apps/grpclb-server/dist/main.js', import.meta.url),
);

const NAMESPACE = 'grpc-lb';
const API_HOST = '127.0.21.1';
const BALANCER_HOST = '127.0.21.2';
const BALANCER = `${BALANCER_HOST}:9000`;
const POD_IPS = ['127.0.22.1', '127.0.22.2', '127.0.22.3', '127.0.22.4'];
const FALLBACK_IP = '127.0.22.9';
const SERVICE = {
  name: 'addr-server',
  namespace: NAMESPACE,
  ports: [
    { name: 'grpc', port: 50051 },
    { name: 'http', port: 8080 },
  ],
};

let store: KubeStore;
let api: KubeApiServer;
let dir: string;
let kubeconfig: string;
let balancer: Running | undefined;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  setup();
  const pods = [...POD_IPS, FALLBACK_IP].map((ip, i) =>
    startNode(appMain.addrServer, ['--bind', ip, '--grpc-port', '50051', '--http-port', '8080'], {
      env: {
        POD_NAME: ip === FALLBACK_IP ? 'fallback' : `pod-${i + 1}`,
        POD_IP: ip,
        NODE_NAME: 'n',
      },
      timeoutMs: 10 * 60_000,
    }),
  );
  await Promise.all(pods.map((p) => p.waitForStdout('listening', 15_000)));
});

afterAll(() => stopAll());

beforeEach(async () => {
  store = new KubeStore();
  api = new KubeApiServer({ store, host: API_HOST });
  await api.start();
  dir = await mkdtemp(join(tmpdir(), 'lb-policy-grpclb-'));
  kubeconfig = join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig, NAMESPACE);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await balancer?.stop();
  balancer = undefined;
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

function setPods(ips: string[]) {
  const endpoints: EndpointInput[] = ips.map((ip) => ({
    ip,
    ready: true,
    serving: true,
    terminating: false,
    podName: `pod-${POD_IPS.indexOf(ip) + 1}`,
  }));
  for (const slice of endpointSlicesFor(SERVICE, endpoints)) store.put(slice);
}

async function startBalancer(extra: string[] = [], config = kubeconfig) {
  balancer = startNode(
    grpclbMain,
    [
      '--bind',
      BALANCER_HOST,
      '--port',
      '9000',
      '--http-port',
      '9090',
      '--namespace',
      NAMESPACE,
      '--kubeconfig',
      config,
      '--stats-interval',
      '1s',
      '--watch-linger',
      '0',
      ...extra,
    ],
    { timeoutMs: 2 * 60_000 },
  );
  await balancer.waitForStdout('listening', 15_000);
  return balancer;
}

async function balancerMetrics(): Promise<string> {
  return (await fetch(`http://${BALANCER_HOST}:9090/metrics`)).text();
}

/** A channel whose target is the fallback address; the balancer is in the config. */
function grpclbClient(grpclb: Record<string, unknown> = {}, target = `ipv4:${FALLBACK_IP}:50051`) {
  const serviceConfig = {
    loadBalancingConfig: [
      {
        grpclb: {
          serviceName: 'addr-server:grpc',
          balancerAddresses: [BALANCER],
          fallbackTimeout: '1s',
          initialBackoff: '0.2s',
          maxBackoff: '1s',
          ...grpclb,
        },
      },
    ],
  };
  const Client = loadAddrProto().lab.addr.v1.AddrService;
  const client = new Client(target, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify(serviceConfig),
  });
  clients.push(client);
  return client;
}

interface Tally {
  pods: Record<string, number>;
  failed: string[];
}

async function call(client: AddrServiceClient): Promise<string> {
  return new Promise((resolve, reject) => {
    client.GetAddr({ client: 'test' }, { deadline: Date.now() + 2000 }, (error, answer) =>
      error ? reject(error) : resolve(answer!.podName),
    );
  });
}

async function calls(client: AddrServiceClient, n: number, gapMs = 0): Promise<Tally> {
  const tally: Tally = { pods: {}, failed: [] };
  for (let i = 0; i < n; i++) {
    try {
      const pod = await call(client);
      tally.pods[pod] = (tally.pods[pod] ?? 0) + 1;
    } catch (error) {
      tally.failed.push((error as Error).message);
    }
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  return tally;
}

/** Calls until `pod` answers, or fails the test after `timeoutMs`. */
async function until(
  client: AddrServiceClient,
  pred: (pod: string) => boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await call(client).catch(() => '');
    if (pred(pod)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last answer '${pod}'`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until a batch of calls reaches exactly `pods`: after a new list,
 * round_robin rebuilds its children and for a moment has only some READY.
 */
async function settle(client: AddrServiceClient, pods: string[], timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await calls(client, 2 * pods.length);
    const seen = Object.keys(batch.pods).sort();
    if (batch.failed.length === 0 && JSON.stringify(seen) === JSON.stringify([...pods].sort())) {
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`never settled on ${pods}: ${JSON.stringify(batch)}`);
  }
}

describe('grpclb policy with the lab balancer', () => {
  it('round-robins over the server list, and follows it as pods come and go', async () => {
    setPods(POD_IPS.slice(0, 3));
    await startBalancer();
    const client = grpclbClient();
    await settle(client, ['pod-1', 'pod-2', 'pod-3']);
    const spread = await calls(client, 60);
    expect(spread.failed).toEqual([]);
    expect(spread.pods).toEqual({ 'pod-1': 20, 'pod-2': 20, 'pod-3': 20 });

    setPods(POD_IPS);
    await until(client, (pod) => pod === 'pod-4');
    const four = await calls(client, 40);
    expect(Object.keys(four.pods).sort()).toEqual(['pod-1', 'pod-2', 'pod-3', 'pod-4']);

    setPods([POD_IPS[0]!, POD_IPS[3]!]);
    await settle(client, ['pod-1', 'pod-4']);
    const two = await calls(client, 20);
    expect(two.failed).toEqual([]);
    expect(two.pods).toEqual({ 'pod-1': 10, 'pod-4': 10 });
  });

  it('reports its calls to the balancer, which sums them per client', async () => {
    setPods(POD_IPS.slice(0, 2));
    await startBalancer();
    const client = grpclbClient();
    await until(client, (pod) => pod.startsWith('pod-'));
    const tally = await calls(client, 30);
    expect(tally.failed).toEqual([]);
    // Reports every second: wait for one that covers the 30 calls.
    let text = '';
    await waitFor(
      () => {
        void balancerMetrics().then((t) => {
          text = t;
        });
        const m =
          /^grpclb_client_calls_known_received_total\{service="grpc-lb\/addr-server:grpc",client="[^"]+"\} (\d+)$/m.exec(
            text,
          );
        return Number(m?.[1] ?? 0) >= 30;
      },
      'a load report covering the calls',
      8000,
    );
    const started = Number(/^grpclb_client_calls_started_total\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    const finished = Number(/^grpclb_client_calls_finished_total\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(started).toBeGreaterThanOrEqual(30);
    expect(finished).toBe(started);
    expect(text).toMatch(/^grpclb_client_calls_failed_to_send_total\{[^}]*\} 0$/m);
    expect(text).toMatch(/^grpclb_client_stats_reports_total\{[^}]*\} [1-9]/m);
  });

  it('drops the share of calls the balancer asks for, and reports the drops by token', async () => {
    setPods(POD_IPS.slice(0, 3));
    await startBalancer(['--drop', 'addr-server=25:shed']);
    const client = grpclbClient();
    // Every backend READY first, so that round robin is strict from the first measured call.
    const seen = new Set<string>();
    await until(
      client,
      (pod) => seen.add(pod).has('pod-1') && seen.has('pod-2') && seen.has('pod-3'),
    );
    const tally = await calls(client, 80);
    expect(tally.failed.length).toBe(20);
    expect(new Set(tally.failed)).toEqual(new Set([`14 UNAVAILABLE: ${DROP_DETAILS}`]));
    expect(tally.pods).toEqual({ 'pod-1': 20, 'pod-2': 20, 'pod-3': 20 });
    let text = '';
    await waitFor(
      () => {
        void balancerMetrics().then((t) => {
          text = t;
        });
        const m = /^grpclb_client_calls_dropped_total\{[^}]*token="shed"\} (\d+)$/m.exec(text);
        return Number(m?.[1] ?? 0) >= 20;
      },
      'a report with the drops',
      8000,
    );
  });

  it('falls back to the resolver addresses when no list comes within the timeout', async () => {
    // A balancer that answers but never gets a list: its API is unreachable.
    const deadApi = join(dir, 'dead-kubeconfig');
    await writeFile(
      deadApi,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://${API_HOST}:9\n` +
        'users:\n- name: u\n  user: {}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n' +
        'current-context: x\n',
    );
    setPods(POD_IPS.slice(0, 2));
    await startBalancer([], deadApi);
    const client = grpclbClient({ fallbackTimeout: '1.5s' });
    const started = Date.now();
    // Calls queue meanwhile: the first answer comes from the fallback address.
    expect(await call(client)).toBe('fallback');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(5000);
    const tally = await calls(client, 10);
    expect(tally).toEqual({ pods: { fallback: 10 }, failed: [] });
  });

  it('falls back at once when the balancer is down, and leaves fallback when it answers', async () => {
    setPods(POD_IPS.slice(0, 2));
    const client = grpclbClient({ fallbackTimeout: '10s' });
    const started = Date.now();
    expect(await call(client)).toBe('fallback');
    expect(Date.now() - started).toBeLessThan(3000);
    await startBalancer();
    await until(client, (pod) => pod.startsWith('pod-'), 10_000);
    const tally = await calls(client, 20);
    expect(tally).toEqual({ pods: { 'pod-1': 10, 'pod-2': 10 }, failed: [] });
  });

  it('loses no call while the balancer is away, keeps its list, and picks the balancer up again', async () => {
    setPods(POD_IPS.slice(0, 2));
    await startBalancer();
    const client = grpclbClient();
    await settle(client, ['pod-1', 'pod-2']);
    await balancer!.stop();
    balancer = undefined;
    // A second and a half of calls with the balancer gone: the last list serves them all.
    const away = await calls(client, 30, 50);
    expect(away).toEqual({ pods: { 'pod-1': 15, 'pod-2': 15 }, failed: [] });
    // The list changed meanwhile; the balancer comes back and sends it.
    setPods(POD_IPS.slice(1, 3));
    await startBalancer();
    await settle(client, ['pod-2', 'pod-3']);
    const back = await calls(client, 20);
    expect(back.failed).toEqual([]);
    expect(back.pods).toEqual({ 'pod-2': 10, 'pod-3': 10 });
  });
});

describe('lb-token', () => {
  const servers: grpc.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.forceShutdown();
  });

  /** A small AddrService that answers with the lb-token it was sent. */
  async function tokenServer(ip: string): Promise<void> {
    const server = new grpc.Server();
    const handlers: AddrServiceHandlers = {
      GetAddr: (call, callback) =>
        callback(null, {
          podName: String(call.metadata.get('lb-token')[0] ?? '(none)'),
          podIp: ip,
        }),
      WatchAddr: (call) => call.end(),
    };
    server.addService(loadAddrProto().lab.addr.v1.AddrService.service, handlers);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`${ip}:50051`, grpc.ServerCredentials.createInsecure(), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    servers.push(server);
  }

  it('sends each backend its own token as lb-token metadata, and none in fallback', async () => {
    await tokenServer('127.0.23.1');
    await tokenServer('127.0.23.2');
    for (const slice of endpointSlicesFor(SERVICE, [
      { ip: '127.0.23.1', ready: true, serving: true, terminating: false, podName: 'token-a' },
      { ip: '127.0.23.2', ready: true, serving: true, terminating: false, podName: 'token-b' },
    ])) {
      store.put(slice);
    }
    await startBalancer();
    const client = grpclbClient({}, 'ipv4:127.0.23.1:50051');
    await until(client, (pod) => pod.startsWith('token-'));
    const tally = await calls(client, 10);
    expect(tally.pods).toEqual({ 'token-a': 5, 'token-b': 5 });

    // In fallback the same server gets no token.
    const fallback = grpclbClient(
      { balancerAddresses: ['127.0.21.3:9000'] },
      'ipv4:127.0.23.1:50051',
    );
    expect(await call(fallback)).toBe('(none)');
  });
});
