import type { EndpointSlice } from '@lab/resolver-kubernetes';
import { describe, expect, it } from 'vitest';
import { Debouncer } from './debounce.js';
import { clusterLoadAssignment, healthStatus, localitiesFrom } from './resources.js';
import { apiListenerNames, parseServiceSpec } from './service-spec.js';

const spec = parseServiceSpec('addr-server.grpc-lb:grpc', {
  defaultNamespace: 'default',
  envoyPort: 10000,
});

describe('names', () => {
  it('derives the cluster, route and listener names from --service', () => {
    expect(spec).toMatchObject({
      host: 'addr-server.grpc-lb',
      fqdn: 'addr-server.grpc-lb.svc.cluster.local',
      clusterName: 'addr-server.grpc-lb:grpc',
      routeName: 'addr-server.grpc-lb:grpc',
      envoyListenerName: '0.0.0.0_10000',
    });
    expect(apiListenerNames(spec, [50051])).toEqual([
      'addr-server.grpc-lb',
      'addr-server.grpc-lb:grpc',
      'addr-server.grpc-lb:50051',
      'addr-server.grpc-lb.svc.cluster.local',
      'addr-server.grpc-lb.svc.cluster.local:grpc',
      'addr-server.grpc-lb.svc.cluster.local:50051',
    ]);
    expect(
      parseServiceSpec('addr-server', { defaultNamespace: 'lab', envoyPort: 1 }).clusterName,
    ).toBe('addr-server.lab');
    expect(() => parseServiceSpec('Bad_Name', { defaultNamespace: 'x', envoyPort: 1 })).toThrow(
      /cannot read 'Bad_Name' as a Service/,
    );
  });
});

describe('endpoints', () => {
  it('maps conditions to health: ready, serving while terminating, anything else', () => {
    expect(healthStatus({ ready: true, serving: true, terminating: false })).toBe('HEALTHY');
    expect(healthStatus({ ready: false, serving: true, terminating: true })).toBe('DRAINING');
    expect(healthStatus({ ready: false, serving: false, terminating: true })).toBe('UNHEALTHY');
    expect(healthStatus({ ready: false, serving: false, terminating: false })).toBe('UNHEALTHY');
    expect(healthStatus(undefined)).toBe('HEALTHY');
  });

  it('groups endpoints by zone and node, deduplicated, with the named port of each slice', () => {
    const slice = (name: string, port: number, endpoints: object[]) =>
      ({
        metadata: { name },
        addressType: 'IPv4',
        ports: [
          { name: 'http', port: 8080 },
          { name: 'grpc', port },
        ],
        endpoints,
      }) as EndpointSlice;
    const slices = [
      slice('s1', 50051, [
        { addresses: ['10.0.0.2'], nodeName: 'n2', zone: 'z1', conditions: { ready: true } },
        { addresses: ['10.0.0.1'], nodeName: 'n1', zone: 'z1', conditions: { ready: true } },
        { addresses: ['10.0.0.3'], nodeName: 'n1', zone: 'z1', conditions: { ready: false } },
      ]),
      // The same endpoint in a second slice while the controller moves it: counted once.
      slice('s2', 50051, [
        { addresses: ['10.0.0.3'], nodeName: 'n1', zone: 'z1', conditions: { ready: true } },
      ]),
      { metadata: { name: 'fqdn' }, addressType: 'FQDN', endpoints: [{ addresses: ['x.y'] }] },
    ];
    const { localities, portNumbers } = localitiesFrom(slices, spec);
    expect(portNumbers).toEqual([50051]);
    const assignment = clusterLoadAssignment(spec, localities) as unknown as {
      endpoints: {
        locality: object;
        lb_endpoints: { health_status: string }[];
        load_balancing_weight: { value: number };
      }[];
    };
    expect(
      assignment.endpoints.map((l) => [
        l.locality,
        l.lb_endpoints.length,
        l.load_balancing_weight.value,
      ]),
    ).toEqual([
      [{ region: '', zone: 'z1', sub_zone: 'n1' }, 2, 2],
      [{ region: '', zone: 'z1', sub_zone: 'n2' }, 1, 1],
    ]);
  });
});

describe('debounce', () => {
  it('fires once after a quiet period, with the time of the first trigger', async () => {
    const fired: number[] = [];
    const debouncer = new Debouncer(50, 1000, (at) => fired.push(at));
    const first = Date.now();
    debouncer.trigger();
    await new Promise((r) => setTimeout(r, 20));
    debouncer.trigger();
    await new Promise((r) => setTimeout(r, 120));
    expect(fired).toHaveLength(1);
    expect(fired[0]! - first).toBeLessThan(10);
  });

  it('fires at the maximum even while triggers keep coming', async () => {
    let fired = 0;
    const debouncer = new Debouncer(40, 100, () => fired++);
    for (let i = 0; i < 8; i++) {
      debouncer.trigger();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fired).toBeGreaterThanOrEqual(1);
    debouncer.cancel();
  });
});
