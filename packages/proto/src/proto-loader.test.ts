import { describe, expect, it } from 'vitest';
import { loadAddrProto, loadHelloworldProto, loadLabPackageDefinition } from './proto-loader.js';

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
