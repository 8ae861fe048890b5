/**
 * Proxyless gRPC against the real control plane: grpc-js-xds clients dial
 * `xds:///addr-server.grpc-lb`, real addr-server processes answer, and the
 * EndpointSlices come from the lab's Kubernetes-compatible API.
 *
 * grpc-js-xds reads GRPC_XDS_BOOTSTRAP once per process and keeps one xDS
 * client for it, so in-process channels here take their bootstrap from
 * grpc-js-xds's per-channel test option (each channel its own xDS client),
 * and one test runs a child process the way a lab client runs: the
 * environment variable and a bootstrap file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { type AddrServerProcess, startAddrServer, stopAll, waitFor } from '@lab/local-cluster';
import { type AddrServiceClient, loadAddrProto } from '@lab/proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { xdsBootstrap } from './bootstrap.js';
import type { XdsServer } from './create-server.js';
import { KubeFixture, type PodEndpoint } from './testing/kube-fixture.js';

const run = promisify(execFile);
const API_HOST = '127.0.30.11';
const XDS_HOST = '127.0.30.12';
const POD_IPS = ['127.0.31.1', '127.0.31.2', '127.0.31.3'];
const TARGET = 'xds:///addr-server.grpc-lb';
const BOTH = ['addr-server-pod-1', 'addr-server-pod-2'];
/** grpc-js-xds's own option for a per-channel bootstrap (JSON text). */
const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';
const clientScript = fileURLToPath(new URL('../test/xds-client.mjs', import.meta.url));

grpcXds.register();

let pods: AddrServerProcess[] = [];
let kube: KubeFixture;
let server: XdsServer | undefined;
let xdsPort = 0;
let httpUrl = '';
const clients: AddrServiceClient[] = [];
let nodeCount = 0;

beforeAll(async () => {
  pods = await Promise.all(POD_IPS.map((ip, i) => startAddrServer(`addr-server-pod-${i + 1}`, ip)));
}, 30_000);

afterAll(async () => {
  await stopAll();
});

beforeEach(async () => {
  kube = new KubeFixture(API_HOST);
  await kube.start();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  server?.forceClose();
  server = undefined;
  xdsPort = 0;
  await kube.stop();
});

function endpoint(index: number, extra: Partial<PodEndpoint> = {}): PodEndpoint {
  const pod = pods[index]!;
  return { name: pod.name, ip: pod.ip, port: pod.grpcPort, node: `node-${index + 1}`, ...extra };
}

async function startServer(log?: (line: string) => void) {
  server = kube.controlPlane(XDS_HOST, { grpcPort: xdsPort, ...(log ? { log } : {}) });
  const ports = await server.start();
  xdsPort = ports.grpcPort;
  httpUrl = `http://${XDS_HOST}:${ports.httpPort}`;
  const started = server;
  await waitFor(() => started.configDump().services.every((s) => s.listed), 'the first list');
  started.flush();
}

function bootstrap(nodeId: string) {
  return xdsBootstrap({ serverUri: `${XDS_HOST}:${xdsPort}`, nodeId });
}

/** A proxyless channel with its own xDS client and node id. */
function xdsClient(target = TARGET): { client: AddrServiceClient; nodeId: string } {
  const nodeId = `proxyless-test-${++nodeCount}`;
  const { AddrService } = loadAddrProto().lab.addr.v1;
  const client = new AddrService(target, grpc.credentials.createInsecure(), {
    [BOOTSTRAP_OPTION]: JSON.stringify(bootstrap(nodeId)),
  });
  clients.push(client);
  return { client, nodeId };
}

function getAddr(client: AddrServiceClient, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.GetAddr(
      { client: 'xds-test' },
      { deadline: new Date(Date.now() + timeoutMs) },
      (error, response) => (error ? reject(error) : resolve(response!.podName)),
    );
  });
}

async function spread(client: AddrServiceClient, calls: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const pod = await getAddr(client);
    counts[pod] = (counts[pod] ?? 0) + 1;
  }
  return counts;
}

/** Calls until `predicate` holds for the pods of the last `window` calls (bounded). */
async function callUntil(
  client: AddrServiceClient,
  predicate: (seen: Set<string>) => boolean,
  what: string,
  window = 12,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const seen = new Set(Object.keys(await spread(client, window)));
    if (predicate(seen)) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

function clientOf(nodeId: string) {
  return server?.configDump().clients.find((c) => c.nodeId === nodeId);
}

describe('proxyless gRPC (grpc-js-xds) against the control plane', () => {
  it('configures a client from scratch and spreads its calls round robin', async () => {
    // One node, one locality: round_robin inside it, so the split is exact.
    kube.setPods('addr-server', [endpoint(0), endpoint(1, { node: 'node-1' })]);
    await startServer();
    const { client, nodeId } = xdsClient();
    // round_robin picks among READY subchannels: wait until both are.
    await callUntil(client, (seen) => seen.size === 2, 'both pods', 4);
    expect(await spread(client, 20)).toEqual({
      'addr-server-pod-1': 10,
      'addr-server-pod-2': 10,
    });
    // The client asked for the target as its Listener name, and ACKed all four types.
    const status = clientOf(nodeId)!;
    expect(status.userAgent).toMatch(/^gRPC Node Pure JS\//);
    expect(status.types.LDS?.subscription).toEqual(['addr-server.grpc-lb']);
    for (const type of ['LDS', 'RDS', 'CDS', 'EDS'] as const) {
      expect(status.types[type]?.ackedVersion).toBeDefined();
      expect(status.types[type]?.nack).toBeUndefined();
    }
  });

  it('follows endpoints added, drained and removed', async () => {
    kube.setPods('addr-server', [endpoint(0)]);
    await startServer();
    const { client } = xdsClient();
    expect(await spread(client, 4)).toEqual({ 'addr-server-pod-1': 4 });
    kube.setPods('addr-server', [endpoint(0), endpoint(1), endpoint(2)]);
    await callUntil(client, (seen) => seen.size === 3, 'three pods');
    // Terminating but serving: DRAINING, which gRPC does not pick.
    kube.setPods('addr-server', [
      endpoint(0, { ready: false, serving: true, terminating: true }),
      endpoint(1),
      endpoint(2),
    ]);
    await callUntil(client, (seen) => !seen.has('addr-server-pod-1'), 'pod-1 drained');
    kube.setPods('addr-server', [endpoint(2)]);
    await callUntil(
      client,
      (seen) => seen.size === 1 && seen.has('addr-server-pod-3'),
      'only pod-3 left',
    );
  });

  it('keeps serving on the last good Cluster when a client NACKs, and reports the NACK', async () => {
    kube.setPods('addr-server', [endpoint(0), endpoint(1)]);
    const logs: string[] = [];
    await startServer((line) => logs.push(line));
    const { client, nodeId } = xdsClient();
    await spread(client, 4);
    const good = clientOf(nodeId)!.types.CDS!.ackedVersion;
    // grpc-js-xds has no least_request policy: it rejects the Cluster.
    server!.setLbPolicy('LEAST_REQUEST');
    await waitFor(() => clientOf(nodeId)?.types.CDS?.nack !== undefined, 'the NACK');
    const cds = clientOf(nodeId)!.types.CDS!;
    expect(cds.ackedVersion).toBe(good);
    expect(cds.nack?.message).toMatch(/LEAST_REQUEST/);
    const logged = logs.find((line) => line.includes('NACK CDS'));
    expect(logged).toMatch(
      new RegExp(`node ${nodeId}.*NACK CDS version \\d+: .*LEAST_REQUEST.*keeps version ${good}`),
    );
    expect(Object.keys(await spread(client, 10)).sort()).toEqual(BOTH);
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toContain(`xds_server_nacks_total{type="CDS",node_id="${nodeId}"} 1`);
    const dump = (await (await fetch(`${httpUrl}/debug/config_dump`)).json()) as {
      clients: { nodeId: string; types: { CDS: { nack?: { message: string } } } }[];
    };
    expect(dump.clients.find((c) => c.nodeId === nodeId)?.types.CDS.nack?.message).toMatch(
      /LEAST_REQUEST/,
    );
    // A policy it knows is accepted again.
    const answer = await fetch(`${httpUrl}/debug/lb_policy?policy=RING_HASH`, { method: 'POST' });
    expect(answer.status).toBe(200);
    await waitFor(() => clientOf(nodeId)?.types.CDS?.nack === undefined, 'the ACK of RING_HASH');
    expect(Object.keys(await spread(client, 10)).length).toBeGreaterThan(0);
  });

  it('keeps calling through a control-plane restart, then re-syncs with the new one', async () => {
    kube.setPods('addr-server', [endpoint(0), endpoint(1)]);
    await startServer();
    const { client, nodeId } = xdsClient();
    await spread(client, 4);
    expect(await server!.shutdown()).toBe('graceful');
    server = undefined;
    // No control plane: the client runs on what it has.
    expect(Object.keys(await spread(client, 10)).sort()).toEqual(BOTH);
    kube.setPods('addr-server', [endpoint(1), endpoint(2)]);
    await startServer();
    await waitFor(
      () => clientOf(nodeId)?.types.EDS?.ackedVersion !== undefined,
      'the client back on the new control plane',
      15_000,
    );
    await callUntil(
      client,
      (seen) => seen.size === 2 && !seen.has('addr-server-pod-1'),
      'pod-2 and pod-3',
    );
  });

  it('answers a subscription to an unknown Listener with none, and the client ACKs it', async () => {
    kube.setPods('addr-server', [endpoint(0)]);
    await startServer();
    const { client, nodeId } = xdsClient('xds:///unknown.grpc-lb');
    // The server answers at once with no such Listener; grpc-js-xds only
    // believes it missing after its 15 s resource timer, and calls wait.
    const error = (await getAddr(client, 2000).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error.details).toMatch(/name resolution/);
    const lds = clientOf(nodeId)?.types.LDS;
    expect(lds?.subscription).toEqual(['unknown.grpc-lb']);
    expect(lds?.ackedVersion).toBe(lds?.sentVersion);
    expect(clientOf(nodeId)?.types.RDS).toBeUndefined();
  });

  it('configures a client process through GRPC_XDS_BOOTSTRAP', async () => {
    kube.setPods('addr-server', [endpoint(0), endpoint(1), endpoint(2)]);
    await startServer();
    const dir = await mkdtemp(join(tmpdir(), 'xds-bootstrap-'));
    try {
      const file = join(dir, 'bootstrap.json');
      await writeFile(file, JSON.stringify(bootstrap('proxyless-child')));
      const { stdout } = await run(process.execPath, [clientScript, TARGET, '30'], {
        env: { ...process.env, GRPC_XDS_BOOTSTRAP: file },
        timeout: 30_000,
      });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
        pods: Record<string, number>;
        failed: string[];
      };
      // Three nodes, three localities of weight 1: grpc-js picks a locality
      // at random by weight, so every pod is reached but not in equal shares.
      expect(result.failed).toEqual([]);
      expect(Object.keys(result.pods).sort()).toEqual([...BOTH, 'addr-server-pod-3']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
