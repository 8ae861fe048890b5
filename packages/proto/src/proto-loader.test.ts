import { describe, expect, it } from 'vitest';
import {
  loadAddrProto,
  loadGrpclbPackageDefinition,
  loadGrpclbProto,
  loadHelloworldProto,
  loadLabPackageDefinition,
} from './proto-loader.js';

describe('lab protos', () => {
  it('describe AddrService with a unary GetAddr and a server-streaming WatchAddr', () => {
    const service = loadAddrProto().lab.addr.v1.AddrService.service;
    expect(service.GetAddr?.path).toBe('/lab.addr.v1.AddrService/GetAddr');
    expect([service.GetAddr?.requestStream, service.GetAddr?.responseStream]).toEqual([
      false,
      false,
    ]);
    expect(service.WatchAddr?.path).toBe('/lab.addr.v1.AddrService/WatchAddr');
    expect([service.WatchAddr?.requestStream, service.WatchAddr?.responseStream]).toEqual([
      false,
      true,
    ]);
  });

  it('keep the stock helloworld.Greeter path, so stock example clients can call it', () => {
    const service = loadHelloworldProto().helloworld.Greeter.service;
    expect(service.SayHello?.path).toBe('/helloworld.Greeter/SayHello');
  });

  it('load health beside the lab services, so reflection describes all of them', () => {
    const names = Object.keys(loadLabPackageDefinition());
    expect(names).toEqual(
      expect.arrayContaining([
        'lab.addr.v1.AddrService',
        'helloworld.Greeter',
        'grpc.health.v1.Health',
      ]),
    );
  });

  it('encode 64-bit counters as JS numbers and timestamps as seconds and nanos', () => {
    const def = loadLabPackageDefinition()['lab.addr.v1.AddrService'] as unknown as Record<
      string,
      { responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown }
    >;
    const getAddr = def.GetAddr!;
    const wire = getAddr.responseSerialize({
      podName: 'p',
      callsServed: 2 ** 40,
      startTime: { seconds: 1_700_000_000, nanos: 5 },
    });
    expect(getAddr.responseDeserialize(wire)).toMatchObject({
      podName: 'p',
      callsServed: 2 ** 40,
      startTime: { seconds: 1_700_000_000, nanos: 5 },
    });
  });
});

describe('grpc.lb.v1', () => {
  it('describe LoadBalancer/BalanceLoad as a bidirectional stream at the standard path', () => {
    const service = loadGrpclbProto().grpc.lb.v1.LoadBalancer.service;
    expect(service.BalanceLoad?.path).toBe('/grpc.lb.v1.LoadBalancer/BalanceLoad');
    expect([service.BalanceLoad?.requestStream, service.BalanceLoad?.responseStream]).toEqual([
      true,
      true,
    ]);
  });

  it('put each field at its published number and wire type', () => {
    const def = loadGrpclbPackageDefinition()['grpc.lb.v1.LoadBalancer'] as unknown as Record<
      string,
      {
        responseSerialize(v: unknown): Buffer;
        requestSerialize(v: unknown): Buffer;
      }
    >;
    const balanceLoad = def.BalanceLoad!;
    // server_list (2) { servers (1) { ip_address (1) bytes, port (2) varint,
    // load_balance_token (3) string, drop (4) varint } }
    const list = balanceLoad.responseSerialize({
      serverList: {
        servers: [{ ipAddress: Buffer.from([127, 0, 0, 1]), port: 80, loadBalanceToken: 't' }],
      },
    });
    expect([...list]).toEqual([0x12, 13, 0x0a, 11, 0x0a, 4, 127, 0, 0, 1, 0x10, 80, 0x1a, 1, 0x74]);
    // initial_response (1) { client_stats_report_interval (2) { seconds (1) } }
    const initial = balanceLoad.responseSerialize({
      initialResponse: { clientStatsReportInterval: { seconds: 10 } },
    });
    expect([...initial]).toEqual([0x0a, 4, 0x12, 2, 0x08, 10]);
    // client_stats (2) { num_calls_started (2), known_received (7), drops (8) }
    const stats = balanceLoad.requestSerialize({
      clientStats: {
        numCallsStarted: 3,
        numCallsFinishedKnownReceived: 2,
        callsFinishedWithDrop: [{ loadBalanceToken: 'd', numCalls: 1 }],
      },
    });
    expect([...stats]).toEqual([0x12, 11, 0x10, 3, 0x38, 2, 0x42, 5, 0x0a, 1, 0x64, 0x10, 1]);
  });
});
