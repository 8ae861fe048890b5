import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './node-process.js';
import { type ListenAddress, ServiceProxy, type ServiceProxyOptions } from './service-proxy.js';

const PODS = ['127.0.5.1', '127.0.5.2', '127.0.5.3'];
const SERVICE_IP = '127.0.6.1';

interface Backend {
  ip: string;
  server: Server;
  sockets: Set<Socket>;
}

/** Says its IP on connect, echoes with its IP, and answers a half-close before closing. */
function startBackend(ip: string, port: number): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.write(`${ip}\n`);
    socket.on('data', (data) => socket.write(`${ip} got ${data}`));
    socket.on('end', () => socket.end(`${ip} bye\n`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, ip, () => resolve({ ip, server, sockets }));
  });
}

/** A client that keeps what it read and how its connection ended. */
class Client {
  text = '';
  /** The peer ended (FIN) or reset the connection. */
  ended = false;
  closed = false;
  error: string | undefined;
  readonly socket: Socket;

  constructor(address: ListenAddress) {
    // Not half-open, as grpc-js and HTTP clients: a FIN from the far side closes it.
    this.socket = connect({ host: address.address, port: address.port });
    this.socket.on('end', () => {
      this.ended = true;
    });
    this.socket.on('data', (data) => {
      this.text += data;
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error.code;
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.closed = true;
    });
  }

  /** The backend that served this connection, from its greeting. */
  async backend(): Promise<string> {
    await waitFor(() => this.text.includes('\n') || this.ended, 'a greeting', 2000);
    return this.text.split('\n')[0]!;
  }
}

const backends: Backend[] = [];
const proxies: ServiceProxy[] = [];
const clients: Client[] = [];
let targetPort = 0;

async function setUp(
  options: Partial<ServiceProxyOptions> = {},
): Promise<{ proxy: ServiceProxy; bound: ListenAddress[] }> {
  const first = await startBackend(PODS[0]!, 0);
  targetPort = (first.server.address() as { port: number }).port;
  backends.push(first);
  for (const ip of PODS.slice(1)) backends.push(await startBackend(ip, targetPort));
  const proxy = new ServiceProxy({
    name: 'addr',
    listen: [
      { address: SERVICE_IP, port: 0 },
      { address: '127.0.0.1', port: 0 },
    ],
    targetPort,
    ...options,
  });
  proxies.push(proxy);
  const bound = await proxy.start();
  proxy.setEndpoints(PODS);
  return { proxy, bound };
}

function open(address: ListenAddress): Client {
  const client = new Client(address);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  for (const { server, sockets } of backends.splice(0)) {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

describe('ServiceProxy', () => {
  it('spreads new connections uniformly over the Ready endpoints, on every listener', async () => {
    const { bound } = await setUp();
    const counts = new Map<string, number>();
    for (let batch = 0; batch < 10; batch++) {
      const batchClients = Array.from({ length: 30 }, (_, i) => open(bound[i % 2]!));
      for (const name of await Promise.all(batchClients.map((c) => c.backend()))) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const client of batchClients) client.socket.destroy();
    }
    expect([...counts.keys()].sort()).toEqual(PODS);
    for (const count of counts.values()) {
      expect(count / 300).toBeGreaterThanOrEqual(0.2);
      expect(count / 300).toBeLessThanOrEqual(0.47);
    }
  });

  it('keeps an established connection on its endpoint after the endpoint leaves', async () => {
    const { proxy, bound } = await setUp();
    const pinned = open(bound[0]!);
    const pod = await pinned.backend();
    proxy.setEndpoints(PODS.filter((ip) => ip !== pod));
    expect(proxy.connections()[pod]).toBe(1);

    pinned.socket.write('ping');
    await waitFor(() => pinned.text.includes('got ping'), 'the echo', 2000);
    expect(pinned.text).toContain(`${pod} got ping`);
    const fresh = await Promise.all(Array.from({ length: 20 }, () => open(bound[0]!).backend()));
    expect(fresh).not.toContain(pod);
  });

  it('ends the client connection when the backend closes it', async () => {
    const { proxy, bound } = await setUp();
    const client = open(bound[0]!);
    const pod = await client.backend();
    for (const socket of backends.find((b) => b.ip === pod)!.sockets) socket.destroy();
    await waitFor(() => client.closed, 'the client connection to close', 2000);
    await waitFor(
      () => Object.values(proxy.connections()).every((n) => n === 0),
      'no connection',
      2000,
    );
  });

  it('passes a reset from the backend on to the client', async () => {
    const { bound } = await setUp();
    const client = open(bound[0]!);
    const pod = await client.backend();
    for (const socket of backends.find((b) => b.ip === pod)!.sockets) socket.resetAndDestroy();
    await waitFor(() => client.closed, 'the client connection to close', 2000);
    expect(client.error).toBe('ECONNRESET');
  });

  it('carries a half-closed request to its answer, as HTTP/1.1 may', async () => {
    const { bound } = await setUp();
    const client = open(bound[0]!);
    const pod = await client.backend();
    client.socket.end('last words');
    await waitFor(() => client.closed, 'the backend to finish', 2000);
    expect(client.text).toBe(`${pod}\n${pod} got last words${pod} bye\n`);
  });

  it('resets a connection at once when there are no endpoints', async () => {
    const { proxy, bound } = await setUp();
    proxy.setEndpoints([]);
    const client = open(bound[0]!);
    await waitFor(() => client.closed, 'the connection to be reset', 1000);
    expect(client.error).toBe('ECONNRESET');
    expect(client.text).toBe('');
  });

  it('resets the client, without trying another endpoint, when the chosen one refuses', async () => {
    const chosen: string[] = [];
    const { proxy, bound } = await setUp({
      random: () => 0,
      onConnection: (ip) => chosen.push(ip),
    });
    proxy.setEndpoints(['127.0.5.9', ...PODS]);
    const client = open(bound[0]!);
    await waitFor(() => client.closed, 'the connection to be reset', 2000);
    expect(client.error).toBe('ECONNRESET');
    expect(client.text).toBe('');
    expect(chosen).toEqual(['127.0.5.9']);
  });

  it('picks the endpoint with the injected random and reports it', async () => {
    const chosen: string[] = [];
    const { bound } = await setUp({ random: () => 0.999, onConnection: (ip) => chosen.push(ip) });
    expect(await open(bound[1]!).backend()).toBe(PODS[2]);
    expect(chosen).toEqual([PODS[2]]);
  });

  it('stops listening and cuts every connection on stop', async () => {
    const { proxy, bound } = await setUp();
    const client = open(bound[0]!);
    await client.backend();
    await proxy.stop();
    await waitFor(() => client.ended, 'the connection to be cut', 1000);
    const late = open(bound[0]!);
    await waitFor(() => late.closed, 'the refused connect', 1000);
    expect(late.error).toBe('ECONNREFUSED');
  });
});
