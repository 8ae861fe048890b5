import { describe, expect, it } from 'vitest';
import { type EndpointInput, endpointSlicesFor } from './endpoint-slices.js';

const service = {
  name: 'addr-server',
  namespace: 'grpc-lb',
  ports: [
    { name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' },
    { name: 'http', port: 8080, appProtocol: 'http' },
  ],
};

function endpoints(n: number): EndpointInput[] {
  return Array.from({ length: n }, (_, i) => ({
    ip: `127.100.${Math.floor(i / 254)}.${(i % 254) + 1}`,
    ready: true,
    serving: true,
    terminating: false,
    nodeName: `node-${(i % 2) + 1}`,
    podName: `addr-server-abc-${i}`,
  }));
}

describe('endpointSlicesFor', () => {
  it('cuts 250 endpoints into slices of 100, 100 and 50, every one labelled for its Service', () => {
    const slices = endpointSlicesFor(service, endpoints(250));
    expect(slices.map((s) => (s.endpoints as unknown[]).length)).toEqual([100, 100, 50]);
    for (const slice of slices) {
      expect(slice).toMatchObject({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        addressType: 'IPv4',
        metadata: {
          namespace: 'grpc-lb',
          labels: {
            'kubernetes.io/service-name': 'addr-server',
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
        },
        ports: [
          { name: 'grpc', port: 50051, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
          { name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' },
        ],
      });
      expect(slice.metadata.name).toMatch(/^addr-server-[a-z0-9]{5}$/);
    }
    expect(new Set(slices.map((s) => s.metadata.name)).size).toBe(3);
    const all = slices.flatMap((s) => s.endpoints as { addresses: string[] }[]);
    expect(new Set(all.map((e) => e.addresses[0])).size).toBe(250);
  });

  it('names slices the same way every time, so an update is a MODIFIED', () => {
    const names = (n: number) =>
      endpointSlicesFor(service, endpoints(n)).map((s) => s.metadata.name);
    expect(names(150)).toEqual(names(180));
    expect(names(250).slice(0, 2)).toEqual(names(150));
  });

  it('writes the conditions of a terminating endpoint and its pod reference', () => {
    const [slice] = endpointSlicesFor(service, [
      {
        ip: '127.100.0.9',
        ready: false,
        serving: true,
        terminating: true,
        nodeName: 'node-2',
        podName: 'p',
      },
    ]);
    expect(slice?.endpoints).toEqual([
      {
        addresses: ['127.100.0.9'],
        conditions: { ready: false, serving: true, terminating: true },
        nodeName: 'node-2',
        targetRef: { kind: 'Pod', namespace: 'grpc-lb', name: 'p' },
      },
    ]);
  });

  it('keeps one empty placeholder slice for a Service without endpoints', () => {
    const slices = endpointSlicesFor(service, []);
    expect(slices).toHaveLength(1);
    expect(slices[0]).toMatchObject({ endpoints: [], ports: [] });
  });
});
