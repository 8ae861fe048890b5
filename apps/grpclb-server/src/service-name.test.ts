import { describe, expect, it } from 'vitest';
import { parseServiceName, ServiceNameError } from './service-name.js';

describe('parseServiceName', () => {
  it.each([
    ['addr-server', 'grpc-lb/addr-server', { kind: 'first' }],
    ['addr-server:grpc', 'grpc-lb/addr-server:grpc', { kind: 'name', name: 'grpc' }],
    ['addr-server.team-a:50051', 'team-a/addr-server:50051', { kind: 'number', number: 50051 }],
    [
      'addr-server.grpc-lb.svc.cluster.local:50051',
      'grpc-lb/addr-server:50051',
      { kind: 'number', number: 50051 },
    ],
    [
      'Addr-Server.GRPC-LB.svc.cluster.local.:grpc',
      'grpc-lb/addr-server:grpc',
      { kind: 'name', name: 'grpc' },
    ],
  ])('maps %s to %s', (name, label, port) => {
    const parsed = parseServiceName(name, 'grpc-lb');
    expect(parsed.label).toBe(label);
    expect(parsed.port).toEqual(port);
    expect(parsed.key).toBe(label.replace(/:.*/, ''));
  });

  it.each([
    ['', /the name is empty/],
    ['addr_server', /'addr_server' is not a Service name/],
    ['addr-server.grpc-lb.cluster.local', /is not service.namespace/],
    ['addr-server:99999', /port '99999' is not in 1-65535/],
    ['a'.repeat(300), /longer than 255 bytes/],
  ])('refuses %j with a line that says why and how', (name, why) => {
    const error = (() => {
      try {
        parseServiceName(name, 'default');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ServiceNameError);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toMatch(/names are service\[\.namespace\]/);
  });
});
