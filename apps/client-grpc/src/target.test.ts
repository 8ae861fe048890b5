import { describe, expect, it } from 'vitest';
import { serviceConfigFor } from './service-config.js';
import { namesDnsServer, parseTarget } from './target.js';

describe('parseTarget', () => {
  it.each([
    ['dns:///addr-server.grpc-lb:50051', 'dns', undefined],
    ['dns://10.96.0.10:53/addr-server.grpc-lb.svc.cluster.local:50051', 'dns', '10.96.0.10:53'],
    ['ipv4:127.0.1.1:50051,127.0.1.2:50051', 'ipv4', undefined],
    ['ipv6:[::1]:50051', 'ipv6', undefined],
    ['unix:/tmp/grpc.sock', 'unix', undefined],
    ['passthrough:///addr-server:50051', 'passthrough', undefined],
    ['kubernetes:///addr-server.grpc-lb:grpc', 'kubernetes', undefined],
    ['kubernetes:///addr-server.grpc-lb:50051', 'kubernetes', undefined],
    ['kubernetes:///addr-server:grpc', 'kubernetes', undefined],
    ['kubernetes:///addr-server.grpc-lb.svc.cluster.local:grpc', 'kubernetes', undefined],
    ['kubernetes://grpc-lb/addr-server:grpc', 'kubernetes', 'grpc-lb'],
    ['kubernetes://addr-server.grpc-lb:50051/', 'kubernetes', undefined],
    ['xds:///addr-server.grpc-lb', 'xds', undefined],
  ])('accepts %s', (text, scheme, authority) => {
    const parsed = parseTarget(text);
    expect(parsed.scheme).toBe(scheme);
    expect(parsed.authority).toBe(authority);
    expect(parsed.target).toBe(text);
  });

  it('makes the default dns scheme explicit for host:port, as grpc-js does', () => {
    expect(parseTarget('localhost:50051').target).toBe('dns:localhost:50051');
    expect(parseTarget('addr-server').target).toBe('dns:addr-server');
  });

  it('accepts schemes registered later by the lab', () => {
    expect(parseTarget('kubernetes:///addr-server.grpc-lb:grpc', ['kubernetes']).scheme).toBe(
      'kubernetes',
    );
  });

  it.each([
    ['http://addr-server:50051', /unknown scheme 'http'/],
    ['ipv4:127.0.1:50051', /not an ipv4 address/],
    ['ipv4:127.0.0.1:0', /port '0' is not in 1-65535/],
    ['dns:///addr-server:http', /port 'http'/],
    ['dns:///', /not host\[:port\]|empty/],
    ['kubernetes:///', /no service/],
    ['kubernetes:///addr-server:0', /port '0' is not in 1-65535/],
    ['kubernetes:///addr-server:grpc_port', /port 'grpc_port' is neither a number nor a port name/],
    ['kubernetes:///Addr-Server:grpc', /'Addr-Server' is not a Service name/],
    ['kubernetes://grpc-lb:80/addr-server', /must be a namespace, with no port/],
    ['kubernetes://grpc-lb/addr-server.other:grpc', /takes no dots/],
    ['', /empty/],
  ])('rejects %s', (text, message) => {
    expect(() => parseTarget(text)).toThrow(message);
  });

  it('refuses a bad kubernetes: target in one line that shows both forms', () => {
    expect(() => parseTarget('kubernetes:///addr-server.grpc-lb:')).toThrow(
      "bad target 'kubernetes:///addr-server.grpc-lb:': port '' is neither a number nor a port name " +
        '(use kubernetes:///service[.namespace][:port|:port-name] or kubernetes://namespace/service[:port|:port-name])',
    );
  });

  it('knows when a target names its own DNS server', () => {
    expect(namesDnsServer(parseTarget('dns://127.0.0.53:53/a.b:1'))).toBe(true);
    expect(namesDnsServer(parseTarget('dns:///a.b:1'))).toBe(false);
    expect(namesDnsServer(parseTarget('ipv4:127.0.0.1:1'))).toBe(false);
  });
});

describe('serviceConfigFor', () => {
  it('puts the policy in loadBalancingConfig, the one place grpc-js reads it', () => {
    expect(JSON.parse(serviceConfigFor('round_robin'))).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
    });
  });
});
