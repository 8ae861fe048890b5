import { describe, expect, it } from 'vitest';
import type { ScenarioClient } from './scenario-schema.js';
import { type ClusterNames, mapTarget } from './target-mapping.js';

const NAMES: ClusterNames = {
  namespace: 'grpc-lb',
  service: 'addr-server',
  fqdn: 'addr-server.grpc-lb.svc.cluster.local',
  dnsServer: '127.0.0.53:5353',
  clusterIp: '127.11.0.7',
};
const HEADLESS: ClusterNames = { ...NAMES, clusterIp: undefined };

function grpc(target: string): ScenarioClient {
  return { name: 'grpc', kind: 'grpc', target, rps: 20, args: [] };
}

function http(target: string): ScenarioClient {
  return { name: 'web', kind: 'http', target, rps: 20, args: [] };
}

describe('mapTarget: gRPC clients', () => {
  it('asks the cluster DNS server for dns:/// targets', () => {
    expect(mapTarget(grpc('dns:///addr-server.grpc-lb.svc.cluster.local:50051'), NAMES)).toBe(
      'dns://127.0.0.53:5353/addr-server.grpc-lb.svc.cluster.local:50051',
    );
  });

  it('does the same for a headless Service', () => {
    expect(mapTarget(grpc('dns:///addr-server.grpc-lb.svc.cluster.local:50051'), HEADLESS)).toBe(
      'dns://127.0.0.53:5353/addr-server.grpc-lb.svc.cluster.local:50051',
    );
  });

  it('gives passthrough:/// targets the DNS server authority', () => {
    expect(mapTarget(grpc('passthrough:///addr-server:50051'), NAMES)).toBe(
      'passthrough://127.0.0.53:5353/addr-server:50051',
    );
  });

  it('leaves ipv4: targets alone', () => {
    expect(mapTarget(grpc('ipv4:127.10.0.1:50051,127.10.0.2:50051'), NAMES)).toBe(
      'ipv4:127.10.0.1:50051,127.10.0.2:50051',
    );
  });

  it('leaves a dns target that names its own server alone', () => {
    expect(mapTarget(grpc('dns://8.8.8.8/addr-server:50051'), NAMES)).toBe(
      'dns://8.8.8.8/addr-server:50051',
    );
  });

  it('leaves other schemes alone', () => {
    expect(mapTarget(grpc('kubernetes:///addr-server.grpc-lb:50051'), NAMES)).toBe(
      'kubernetes:///addr-server.grpc-lb:50051',
    );
  });
});

describe('mapTarget: HTTP clients', () => {
  it.each([
    ['the short name', 'http://addr-server:8080'],
    ['svc.ns', 'http://addr-server.grpc-lb:8080'],
    ['the FQDN', 'http://addr-server.grpc-lb.svc.cluster.local:8080'],
    ['the FQDN with a trailing slash', 'http://addr-server.grpc-lb.svc.cluster.local:8080/'],
  ])('puts the cluster IP in place of %s, keeps the port, adds no slash', (_, target) => {
    expect(mapTarget(http(target), NAMES)).toBe('http://127.11.0.7:8080');
  });

  it('keeps a path', () => {
    expect(mapTarget(http('http://addr-server.grpc-lb.svc.cluster.local:8080/who'), NAMES)).toBe(
      'http://127.11.0.7:8080/who',
    );
  });

  it('refuses a headless Service with a clear error', () => {
    expect(() =>
      mapTarget(http('http://addr-server.grpc-lb.svc.cluster.local:8080'), HEADLESS),
    ).toThrow(
      'client web: addr-server.grpc-lb.svc.cluster.local is a headless Service; an HTTP client needs a ClusterIP or NodePort Service',
    );
    expect(() => mapTarget(http('http://addr-server:8080'), HEADLESS)).toThrow(/headless Service/);
  });

  it.each([
    'http://example.com:8080',
    'http://addr-server.other-ns:8080',
    'http://other.grpc-lb.svc.cluster.local:8080/',
    'http://127.0.0.1:30080',
  ])('leaves %s unchanged, even next to a headless Service', (target) => {
    expect(mapTarget(http(target), NAMES)).toBe(target);
    expect(mapTarget(http(target), HEADLESS)).toBe(target);
  });
});
