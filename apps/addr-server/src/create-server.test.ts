/**
 * The factory in-process: identity, every service, metrics, readiness and
 * drain order, over real sockets on 127.0.3.1.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  type GetAddrResponse__Output,
  loadAddrProto,
  loadHelloworldProto,
  loadLabPackageDefinition,
} from '@lab/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { type AddrServer, createAddrServer } from './create-server.js';

const IP = '127.0.3.1';
const env = { podName: 'pod-test', podIp: '10.1.2.3', nodeName: 'node-test' };
const servers: AddrServer[] = [];
const channels: grpc.Client[] = [];

async function start(options: Partial<Parameters<typeof createAddrServer>[0]> = {}) {
  const server = createAddrServer({ bind: IP, httpPort: 0, grpcPort: 0, env, ...options });
  servers.push(server);
  const ports = await server.start();
  return {
    server,
    ...ports,
    grpcTarget: `${IP}:${ports.grpcPort}`,
    http: `http://${IP}:${ports.httpPort}`,
  };
}

function track<T extends grpc.Client>(client: T): T {
  channels.push(client);
  return client;
}

function unary<Res>(
  fn: (cb: (e: grpc.ServiceError | null, r?: Res) => void) => void,
): Promise<Res> {
  return new Promise((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r as Res))));
}

type HealthClient = grpc.Client & {
  Check(
    req: { service: string },
    cb: (e: grpc.ServiceError | null, r?: { status: string }) => void,
  ): void;
};

function healthClient(target: string): HealthClient {
  const pkg = grpc.loadPackageDefinition(loadLabPackageDefinition()) as unknown as {
    grpc: {
      health: { v1: { Health: new (t: string, c: grpc.ChannelCredentials) => HealthClient } };
    };
  };
  return track(new pkg.grpc.health.v1.Health(target, grpc.credentials.createInsecure()));
}

afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close();
  for (const server of servers.splice(0)) server.forceClose();
});

describe('createAddrServer', () => {
  it('answers GetAddr with its identity and a running count', async () => {
    const { grpcTarget } = await start();
    const { AddrService } = loadAddrProto().lab.addr.v1;
    const client = track(new AddrService(grpcTarget, grpc.credentials.createInsecure()));
    const first = await unary<GetAddrResponse__Output>((cb) => client.GetAddr({ client: 't' }, cb));
    expect(first).toMatchObject({
      podName: 'pod-test',
      podIp: '10.1.2.3',
      nodeName: 'node-test',
      callsServed: 1,
    });
    expect(Math.abs((first.startTime?.seconds ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    const second = await unary<{ callsServed: number }>((cb) =>
      client.GetAddr({ client: 't' }, cb),
    );
    expect(second.callsServed).toBe(2);
  });

  it('falls back to the bound address when POD_IP is not set', async () => {
    const { grpcTarget } = await start({
      env: { podName: undefined, podIp: undefined, nodeName: undefined },
    });
    const { AddrService } = loadAddrProto().lab.addr.v1;
    const client = track(new AddrService(grpcTarget, grpc.credentials.createInsecure()));
    const reply = await unary<{ podIp: string; podName: string }>((cb) => client.GetAddr({}, cb));
    expect(reply.podIp).toBe(IP);
    expect(reply.podName).not.toBe('');
  });

  it('answers the stock Greeter with its pod name and IP', async () => {
    const { grpcTarget } = await start();
    const { Greeter } = loadHelloworldProto().helloworld;
    const client = track(new Greeter(grpcTarget, grpc.credentials.createInsecure()));
    const reply = await unary<{ message: string }>((cb) => client.SayHello({ name: 'lab' }, cb));
    expect(reply.message).toBe('Hello lab (from pod-test 10.1.2.3)');
  });

  it('streams WatchAddr messages in sequence on one stream', async () => {
    const { grpcTarget } = await start();
    const { AddrService } = loadAddrProto().lab.addr.v1;
    const client = track(new AddrService(grpcTarget, grpc.credentials.createInsecure()));
    const stream = client.WatchAddr({ intervalMs: 20 });
    stream.on('error', () => {}); // the cancel below ends it with CANCELLED
    const sequences: number[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (m: { sequence: number; addr: { podName: string } }) => {
        expect(m.addr.podName).toBe('pod-test');
        sequences.push(m.sequence);
        if (sequences.length === 3) resolve();
      });
    });
    stream.cancel();
    expect(sequences).toEqual([1, 2, 3]);
  });

  it('serves grpc.health.v1 and server reflection', async () => {
    const { grpcTarget } = await start();
    const health = healthClient(grpcTarget);
    for (const service of ['', 'lab.addr.v1.AddrService', 'helloworld.Greeter']) {
      const reply = await unary<{ status: string }>((cb) => health.Check({ service }, cb));
      expect(reply.status).toBe('SERVING');
    }
    const reflectionProto = join(
      createRequire(import.meta.resolve('@grpc/reflection')).resolve('@grpc/reflection'),
      '../../proto/grpc/reflection/v1/reflection.proto',
    );
    const def = protoLoader.loadSync(reflectionProto);
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: {
        reflection: {
          v1: {
            ServerReflection: new (
              t: string,
              c: grpc.ChannelCredentials,
            ) => grpc.Client & {
              ServerReflectionInfo(): grpc.ClientDuplexStream<
                unknown,
                { listServicesResponse?: { service: { name: string }[] } }
              >;
            };
          };
        };
      };
    };
    const reflection = track(
      new pkg.grpc.reflection.v1.ServerReflection(grpcTarget, grpc.credentials.createInsecure()),
    );
    const call = reflection.ServerReflectionInfo();
    const names = await new Promise<string[]>((resolve, reject) => {
      call.on('data', (m) =>
        resolve(m.listServicesResponse?.service.map((s: { name: string }) => s.name) ?? []),
      );
      call.on('error', reject);
      call.write({ listServices: '' });
    });
    call.end();
    expect(names).toEqual(
      expect.arrayContaining([
        'lab.addr.v1.AddrService',
        'helloworld.Greeter',
        'grpc.health.v1.Health',
      ]),
    );
  });

  it('answers /addr, /healthz, /readyz and /metrics over HTTP', async () => {
    const { http } = await start();
    const addr = (await (await fetch(`${http}/addr`)).json()) as { startTime: string };
    expect(addr).toMatchObject({
      podName: 'pod-test',
      podIp: '10.1.2.3',
      nodeName: 'node-test',
      callsServed: 1,
    });
    expect(new Date(addr.startTime).getTime()).toBeGreaterThan(0);
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    expect((await fetch(`${http}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^addr_server_calls_total\{protocol="http",method="GET \/addr"\} 1$/m);
    expect(metrics).toMatch(/^addr_server_ready 1$/m);
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('on shutdown turns readiness false before the GOAWAY, then finishes calls in flight', async () => {
    const { server, http, grpcTarget } = await start({ drainDelayMs: 400, latencyMs: 300 });
    const { AddrService } = loadAddrProto().lab.addr.v1;
    const client = track(new AddrService(grpcTarget, grpc.credentials.createInsecure()));
    const health = healthClient(grpcTarget);
    await unary((cb) => client.GetAddr({}, cb));
    // A call in flight when the drain starts must still succeed.
    const inFlight = unary<{ podName: string }>((cb) => client.GetAddr({}, cb));
    const shutdown = server.shutdown();
    expect((await fetch(`${http}/readyz`)).status).toBe(503);
    expect(
      (await unary<{ status: string }>((cb) => health.Check({ service: '' }, cb))).status,
    ).toBe('NOT_SERVING');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^addr_server_ready 0$/m);
    await expect(inFlight).resolves.toMatchObject({ podName: 'pod-test' });
    await expect(shutdown).resolves.toBe('graceful');
  });

  it('cuts calls still running when the grace period runs out', async () => {
    const { server, grpcTarget } = await start({ latencyMs: 2000, shutdownGraceMs: 200 });
    const { AddrService } = loadAddrProto().lab.addr.v1;
    const client = track(new AddrService(grpcTarget, grpc.credentials.createInsecure()));
    const slow = unary((cb) => client.GetAddr({}, { deadline: Date.now() + 5000 }, cb));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(server.shutdown()).resolves.toBe('forced');
    // grpc-js resets the cut streams with RST_STREAM(CANCEL), which the client sees as CANCELLED.
    await expect(slow).rejects.toMatchObject({ code: grpc.status.CANCELLED });
  });

  it('says in one line that a port is already in use', async () => {
    const { grpcPort } = await start();
    const second = createAddrServer({ bind: IP, httpPort: 0, grpcPort, env });
    await expect(second.start()).rejects.toThrow(`gRPC port ${IP}:${grpcPort} is already in use`);
  });
});
