/**
 * The built client-grpc behind a small real gRPC proxy that names itself in
 * the response's initial metadata (`x-lab-proxy`), as the node-proxy
 * scenario's Envoy does: the window lines count calls per proxy, carry the
 * client's NODE_NAME and each pod's node, and say nothing when no proxy
 * named itself.
 */
import * as grpc from '@grpc/grpc-js';
import { type AddrServiceHandlers, loadAddrProto } from '@lab/proto';
import { aggregatePhase, PROXY_HEADER } from '@lab/stats';
import {
  appMain,
  startAddrServer,
  startNode,
  stopAll,
  windowLines,
} from '@lab/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const POD_IP = '127.77.6.1';
const PROXY_IP = '127.77.6.2';

const servers: grpc.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.forceShutdown()));
  await stopAll();
});

/**
 * Forwards GetAddr and WatchAddr to one addr-server and sends `x-lab-proxy:
 * <name>` as initial metadata before the answer, on every call and stream.
 */
async function startNamingProxy(name: string, upstreamAddress: string): Promise<string> {
  const { AddrService } = loadAddrProto().lab.addr.v1;
  const upstream = new AddrService(upstreamAddress, grpc.credentials.createInsecure());
  const named = () => {
    const metadata = new grpc.Metadata();
    metadata.set(PROXY_HEADER, name);
    return metadata;
  };
  const handlers: AddrServiceHandlers = {
    GetAddr(call, callback) {
      upstream.GetAddr(call.request, (error, reply) => {
        if (error) return callback(error);
        call.sendMetadata(named());
        callback(null, reply);
      });
    },
    WatchAddr(call) {
      call.sendMetadata(named());
      const stream = upstream.WatchAddr(call.request);
      stream.on('data', (message) => call.write(message));
      stream.on('end', () => call.end());
      stream.on('error', () => call.end());
      call.on('cancelled', () => stream.cancel());
    },
  };
  const server = new grpc.Server();
  server.addService(AddrService.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${PROXY_IP}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  servers.push(server);
  return `${PROXY_IP}:${port}`;
}

async function runClient(target: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  const done = await startNode(
    appMain.clientGrpc,
    [
      ...['--target', `ipv4:${target}`, '--rps', '100', '--duration', '1500ms'],
      ...['--window', '500ms', ...extra],
    ],
    { env, timeoutMs: 30_000 },
  ).finished;
  expect(done.code, done.stderr).toBe(0);
  return windowLines(done.stdout);
}

describe('client-grpc and the x-lab-proxy header', () => {
  it('counts every unary call under the proxy that answered, on the node the client runs on', async () => {
    const pod = await startAddrServer('pod-1', POD_IP);
    const proxy = await startNamingProxy('node-a', pod.grpcAddress);
    const lines = await runClient(proxy, { NODE_NAME: 'node-a' });
    const stats = aggregatePhase(lines);
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.failed).toBe(0);
    for (const line of lines) {
      expect(line.node).toBe('node-a');
      if (line.ok > 0) {
        expect(line.proxies).toEqual({ 'node-a': line.ok });
        // startAddrServer's pods say they run on node-test.
        expect(line.backendNodes).toEqual({ 'pod-1': 'node-test' });
      }
    }
    expect(stats).toMatchObject({ proxiedCalls: stats.ok, localProxyCalls: stats.ok });
  });

  it("tells a call through another node's proxy from a local one", async () => {
    const pod = await startAddrServer('pod-1', POD_IP);
    const proxy = await startNamingProxy('node-b', pod.grpcAddress);
    const stats = aggregatePhase(await runClient(proxy, { NODE_NAME: 'node-a' }));
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.node).toBe('node-a');
    expect(stats.proxies).toEqual({ 'node-b': stats.ok });
    expect(stats.localProxyCalls).toBe(0);
  });

  it('counts stream messages under the proxy the stream crossed', async () => {
    const pod = await startAddrServer('pod-1', POD_IP);
    const proxy = await startNamingProxy('node-a', pod.grpcAddress);
    const stats = aggregatePhase(
      await runClient(proxy, { NODE_NAME: 'node-a' }, ['--call', 'stream']),
    );
    expect(stats.ok).toBeGreaterThan(50);
    expect(stats.proxies).toEqual({ 'node-a': stats.ok });
    expect(stats.localProxyCalls).toBe(stats.ok);
  });

  it('says nothing about proxies or its node when no proxy answered and NODE_NAME is unset', async () => {
    const pod = await startAddrServer('pod-1', POD_IP);
    const lines = await runClient(pod.grpcAddress, { NODE_NAME: '' });
    const stats = aggregatePhase(lines);
    expect(stats.ok).toBeGreaterThan(100);
    for (const line of lines) {
      expect(line).not.toHaveProperty('proxies');
      expect(line).not.toHaveProperty('node');
    }
    expect(stats).toMatchObject({ node: null, proxies: {}, proxiedCalls: 0, localProxyCalls: 0 });
    expect(stats.backends['pod-1']?.node).toBe('node-test');
  });
});
