import { describe, expect, it } from 'vitest';
import type { KubernetesPort } from './resolver-target.js';
import {
  type EndpointConditions,
  type EndpointSlice,
  endpointState,
  mergeSlices,
} from './slice-merge.js';

const GRPC: KubernetesPort = { kind: 'name', name: 'grpc' };
const PORTS = [
  { name: 'http', port: 8080 },
  { name: 'grpc', port: 50051 },
];

function slice(
  name: string,
  endpoints: { ip: string; conditions?: EndpointConditions | null; pod?: string }[] | null,
  ports: EndpointSlice['ports'] = PORTS,
): EndpointSlice {
  return {
    metadata: { name, resourceVersion: '1' },
    addressType: 'IPv4',
    endpoints:
      endpoints?.map((e) => ({
        addresses: [e.ip],
        conditions: e.conditions,
        targetRef: e.pod ? { name: e.pod } : undefined,
      })) ?? null,
    ports,
  };
}

const hosts = (slices: EndpointSlice[], port: KubernetesPort = GRPC) =>
  mergeSlices(slices, port, 'ns/svc').endpoints.map((e) =>
    e.addresses.map((a) => `${a.host}:${a.port}`).join(','),
  );

describe('endpointState: the condition rule', () => {
  it.each<[EndpointConditions | null | undefined, string]>([
    [undefined, 'ready'], // no conditions at all: nil ready means ready
    [{}, 'ready'],
    [{ ready: null, serving: null, terminating: null }, 'ready'],
    [{ ready: true }, 'ready'],
    [{ ready: true, serving: true, terminating: false }, 'ready'],
    [{ ready: false }, 'not-serving'], // readiness failing; serving defers to ready
    [{ ready: false, serving: false, terminating: false }, 'not-serving'],
    [{ ready: false, serving: true, terminating: true }, 'serving-terminating'],
    [{ ready: false, serving: false, terminating: true }, 'not-serving'],
    [{ ready: false, terminating: true }, 'not-serving'], // nil serving defers to ready=false
    // publishNotReadyAddresses: ready stays true while terminating
    [{ ready: true, terminating: true }, 'serving-terminating'],
  ])('%j is %s', (conditions, state) => {
    expect(endpointState(conditions)).toBe(state);
  });
});

describe('mergeSlices', () => {
  it('merges every slice of the Service, not just the latest one', () => {
    const slices = [
      slice('svc-b', [{ ip: '10.0.0.3' }]),
      slice('svc-a', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]),
      slice('svc-c', [{ ip: '10.0.0.4' }]),
    ];
    expect(hosts(slices)).toEqual([
      '10.0.0.1:50051',
      '10.0.0.2:50051',
      '10.0.0.3:50051',
      '10.0.0.4:50051',
    ]);
    expect(mergeSlices(slices, GRPC, 'ns/svc').summary).toBe(
      '4 endpoints from 3 EndpointSlices of ns/svc',
    );
  });

  it('counts an endpoint found in two slices (controller rebalancing) once, with its better state', () => {
    const merged = mergeSlices(
      [
        slice('svc-a', [{ ip: '10.0.0.1', conditions: { ready: false } }]),
        slice('svc-b', [{ ip: '10.0.0.1', conditions: { ready: true } }, { ip: '10.0.0.2' }]),
      ],
      GRPC,
      'ns/svc',
    );
    expect(merged.endpoints).toHaveLength(2);
    expect(merged.counts).toEqual({ ready: 2, 'serving-terminating': 0, 'not-serving': 0 });
  });

  it('keeps only ready endpoints, leaving out not-ready and terminating ones', () => {
    const merged = mergeSlices(
      [
        slice('svc-a', [
          { ip: '10.0.0.1', pod: 'pod-1' },
          { ip: '10.0.0.2', conditions: { ready: false, serving: false, terminating: false } },
          { ip: '10.0.0.3', conditions: { ready: false, serving: true, terminating: true } },
        ]),
      ],
      GRPC,
      'ns/svc',
    );
    expect(merged.endpoints).toEqual([
      { addresses: [{ host: '10.0.0.1', port: 50051 }], pod: 'pod-1' },
    ]);
    expect(merged.usedTerminating).toBe(false);
    expect(merged.summary).toBe(
      '1 endpoint from 1 EndpointSlice of ns/svc; 2 left out (not ready, terminating or without the port)',
    );
  });

  it('falls back to serving terminating endpoints when none is ready, as kube-proxy does', () => {
    const merged = mergeSlices(
      [
        slice('svc-a', [
          { ip: '10.0.0.2', conditions: { ready: false, serving: false, terminating: true } },
          { ip: '10.0.0.3', conditions: { ready: false, serving: true, terminating: true } },
          { ip: '10.0.0.4', conditions: { ready: false, serving: false, terminating: false } },
        ]),
      ],
      GRPC,
      'ns/svc',
    );
    expect(merged.endpoints.map((e) => e.addresses[0]?.host)).toEqual(['10.0.0.3']);
    expect(merged.usedTerminating).toBe(true);
    expect(merged.summary).toContain('none ready: using serving terminating ones');
  });

  it('resolves a port name in each slice, which may list its ports in any order', () => {
    const slices = [
      slice(
        'svc-a',
        [{ ip: '10.0.0.1' }],
        [
          { name: 'grpc', port: 9000 },
          { name: 'http', port: 80 },
        ],
      ),
      slice('svc-b', [{ ip: '10.0.0.2' }], PORTS),
    ];
    expect(hosts(slices)).toEqual(['10.0.0.1:9000', '10.0.0.2:50051']);
  });

  it('uses a port number as is, and the first port when the target has none', () => {
    const slices = [slice('svc-a', [{ ip: '10.0.0.1' }])];
    expect(hosts(slices, { kind: 'number', number: 7000 })).toEqual(['10.0.0.1:7000']);
    expect(hosts(slices, { kind: 'first' })).toEqual(['10.0.0.1:8080']);
  });

  it('keeps IPv6 hosts bare (grpc-js takes them so) and skips FQDN slices', () => {
    const v6: EndpointSlice = { ...slice('svc-v6', [{ ip: 'fd00::1' }]), addressType: 'IPv6' };
    const fqdn: EndpointSlice = { ...slice('svc-f', [{ ip: 'db.example' }]), addressType: 'FQDN' };
    expect(hosts([v6, fqdn])).toEqual(['fd00::1:50051']);
    expect(mergeSlices([v6], GRPC, 'ns/svc').endpoints[0]?.addresses).toEqual([
      { host: 'fd00::1', port: 50051 },
    ]);
  });

  describe('says why the list is empty', () => {
    it('no slices: the Service is missing', () => {
      const merged = mergeSlices([], GRPC, 'ns/svc');
      expect(merged.endpoints).toEqual([]);
      expect(merged.problem).toBe(
        'service ns/svc has no EndpointSlices: the Service does not exist (or has no selector); waiting for it to appear',
      );
    });

    it('a slice with endpoints: null: scaled to zero', () => {
      expect(mergeSlices([slice('svc-a', null)], GRPC, 'ns/svc').problem).toBe(
        'service ns/svc has no endpoints (scaled to zero?)',
      );
    });

    it('no port of that name, listing the ports there are', () => {
      expect(
        mergeSlices(
          [slice('svc-a', [{ ip: '10.0.0.1' }])],
          { kind: 'name', name: 'grcp' },
          'ns/svc',
        ).problem,
      ).toBe("service ns/svc has no port named 'grcp' (its ports: http=8080, grpc=50051)");
    });

    it('endpoints, none of them ready or serving', () => {
      expect(
        mergeSlices(
          [slice('svc-a', [{ ip: '10.0.0.1', conditions: { ready: false } }])],
          GRPC,
          'ns/svc',
        ).problem,
      ).toBe('service ns/svc has no ready endpoints (1 endpoint, none ready or serving)');
    });
  });
});
