import { type ChannelOptions, experimental, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  KUBERNETES_RESOLVER_CONFIG_OPTION,
  KubernetesResolver,
  parseKubernetesResolverConfig,
  setup,
} from './resolver-kubernetes.js';
import { SliceSourceError, sliceSourceError } from './slice-source.js';
import { FakeSliceSource, listOf, readySlice } from './slice-source.fake.js';

interface Call {
  ok: boolean;
  addresses?: string[];
  code?: number;
  details?: string;
  note: string;
}

let calls: Call[];
let traces: { severity: string; text: string }[];
let resolvers: KubernetesResolver[];

beforeEach(() => {
  vi.useFakeTimers();
  calls = [];
  traces = [];
  resolvers = [];
});

afterEach(() => {
  for (const resolver of resolvers) resolver.destroy();
  vi.useRealTimers();
});

const listener: experimental.ResolverListener = (endpoints, _attributes, _config, note) => {
  if (endpoints.ok) {
    calls.push({
      ok: true,
      addresses: endpoints.value.flatMap((e) =>
        e.addresses.map((a) => ('host' in a ? `${a.host}:${a.port}` : a.path)),
      ),
      note,
    });
  } else {
    calls.push({ ok: false, code: endpoints.error.code, details: endpoints.error.details, note });
  }
  return true;
};

function resolverFor(
  source: FakeSliceSource,
  target = 'addr-server.ns:grpc',
  options: ChannelOptions = {},
): KubernetesResolver {
  const resolver = new KubernetesResolver(
    { scheme: 'kubernetes', authority: '', path: target },
    listener,
    {
      [KUBERNETES_RESOLVER_CONFIG_OPTION]: { backoffInitialMs: 100, backoffMaxMs: 400 },
      ...options,
    },
    {
      createSource: () => source,
      trace: (severity, text) => traces.push({ severity, text }),
    },
  );
  resolvers.push(resolver);
  return resolver;
}

const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

describe('KubernetesResolver', () => {
  it('hands grpc-js one endpoint per ready address, merged over all slices', async () => {
    const source = new FakeSliceSource(
      listOf(
        [readySlice('svc-a', ['10.0.0.1', '10.0.0.2']), readySlice('svc-b', ['10.0.0.3'])],
        '1',
      ),
    );
    resolverFor(source).updateResolution();
    expect(calls).toEqual([]); // never synchronously with updateResolution
    await settle();
    expect(calls).toEqual([
      {
        ok: true,
        addresses: ['10.0.0.1:50051', '10.0.0.2:50051', '10.0.0.3:50051'],
        note: 'kubernetes resolver: 3 endpoints from 2 EndpointSlices of ns/addr-server',
      },
    ]);
  });

  it('follows the watch, and says nothing when a change leaves the addresses as they were', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    resolverFor(source).updateResolution();
    await settle();
    source.lastWatch.emit({ type: 'ADDED', object: readySlice('svc-b', ['10.0.0.2'], '2') });
    expect(calls.at(-1)?.addresses).toEqual(['10.0.0.1:50051', '10.0.0.2:50051']);
    source.lastWatch.emit({ type: 'MODIFIED', object: readySlice('svc-b', ['10.0.0.2'], '3') });
    expect(calls).toHaveLength(2);
  });

  it('scaled to zero: an empty list that drops the old addresses, then a clear UNAVAILABLE', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    resolverFor(source).updateResolution();
    await settle();
    source.lastWatch.emit({
      type: 'MODIFIED',
      object: { ...readySlice('svc-a', [], '2'), endpoints: null },
    });
    const details =
      'kubernetes resolver: service ns/addr-server has no endpoints (scaled to zero?)';
    expect(calls.slice(1)).toEqual([
      { ok: true, addresses: [], note: details },
      { ok: false, code: status.UNAVAILABLE, details, note: details },
    ]);
    source.lastWatch.emit({ type: 'MODIFIED', object: readySlice('svc-a', ['10.0.0.7'], '3') });
    expect(calls.at(-1)).toMatchObject({ ok: true, addresses: ['10.0.0.7:50051'] });
  });

  it('a missing Service is an error on the channel, and is picked up when it appears', async () => {
    const source = new FakeSliceSource(listOf([], '1'));
    resolverFor(source).updateResolution();
    await settle();
    expect(calls.at(-1)).toMatchObject({
      ok: false,
      code: status.UNAVAILABLE,
      details: expect.stringContaining('service ns/addr-server has no EndpointSlices'),
    });
    source.lastWatch.emit({ type: 'ADDED', object: readySlice('svc-a', ['10.0.0.1'], '2') });
    expect(calls.at(-1)).toMatchObject({ ok: true, addresses: ['10.0.0.1:50051'] });
  });

  it('an RBAC 403 before any list: UNAVAILABLE naming the verb and resource, traced as an error', async () => {
    const source = new FakeSliceSource().answer(
      sliceSourceError('list', 'ns', 403, 'endpointslices.discovery.k8s.io is forbidden: User "x"'),
    );
    resolverFor(source).updateResolution();
    await settle();
    const last = calls.at(-1);
    expect(last).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    expect(last?.details).toMatch(
      /^kubernetes resolver: ns\/addr-server:grpc: forbidden: cannot list endpointslices\.discovery\.k8s\.io in namespace ns \(RBAC: the resolver needs get, list and watch on endpointslices there\); the API server said: .*; retrying in 0\.\d s$/,
    );
    expect(traces).toContainEqual({
      severity: 'error',
      text: expect.stringMatching(/^ns\/addr-server:grpc: forbidden: cannot list endpointslices/),
    });
    // Once RBAC is fixed, the retry picks the endpoints up.
    source.defaultAnswer = listOf([readySlice('svc-a', ['10.0.0.1'])], '2');
    await settle(500);
    expect(calls.at(-1)).toMatchObject({ ok: true, addresses: ['10.0.0.1:50051'] });
  });

  it('keeps the last list while the API cannot be reached: no call to grpc-js, a trace', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    resolverFor(source).updateResolution();
    await settle();
    source.defaultAnswer = new SliceSourceError('cannot reach the Kubernetes API', 'unreachable');
    await settle(5000);
    source.lastWatch.end(new SliceSourceError('socket hang up', 'unreachable'));
    await settle(2000); // several failed re-lists
    expect(source.listCalls).toBeGreaterThan(3);
    expect(calls).toHaveLength(1);
    expect(traces.filter((t) => t.text.includes('keeping the last list')).length).toBeGreaterThan(
      2,
    );
    // The API is back, with a change made meanwhile.
    source.defaultAnswer = listOf([readySlice('svc-a', ['10.0.0.1', '10.0.0.2'])], '9');
    await settle(1000);
    expect(calls.at(-1)?.addresses).toEqual(['10.0.0.1:50051', '10.0.0.2:50051']);
  });

  it('replaces an empty answer with the failure that follows it: there is no list to keep', async () => {
    const source = new FakeSliceSource(listOf([], '1'));
    resolverFor(source).updateResolution();
    await settle();
    source.lastWatch.end(sliceSourceError('watch', 'ns', 403));
    expect(calls.at(-1)).toMatchObject({
      ok: false,
      code: status.UNAVAILABLE,
      details: expect.stringContaining('forbidden: cannot watch endpointslices'),
    });
  });

  it('starts one list and watch however often grpc-js asks to resolve', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    const resolver = resolverFor(source);
    resolver.updateResolution();
    resolver.updateResolution();
    await settle();
    resolver.updateResolution();
    await settle();
    expect(source.listCalls).toBe(1);
    expect(source.watches).toHaveLength(1);
  });

  it('after destroy() says nothing, and starts afresh on the next updateResolution()', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    const resolver = resolverFor(source);
    resolver.updateResolution();
    await settle();
    const watch = source.lastWatch;
    resolver.destroy();
    expect(watch.stopped).toBe(true);
    watch.emit({ type: 'ADDED', object: readySlice('svc-b', ['10.0.0.2'], '2') });
    expect(calls).toHaveLength(1);
    resolver.updateResolution();
    await settle();
    expect(source.listCalls).toBe(2);
    // The same list again is delivered: the new channel state has nothing yet.
    expect(calls).toHaveLength(2);
  });

  it('uses the namespace the source settles on when the target names none', async () => {
    const source = new FakeSliceSource(listOf([], '1'));
    source.namespace = 'from-kubeconfig';
    resolverFor(source, 'addr-server:grpc').updateResolution();
    await settle();
    expect(calls.at(-1)?.details).toContain('service from-kubeconfig/addr-server has no');
  });

  it('takes its config from the channel option', async () => {
    const source = new FakeSliceSource(listOf([readySlice('svc-a', ['10.0.0.1'])], '1'));
    resolverFor(source, 'addr-server.ns:grpc', {
      [KUBERNETES_RESOLVER_CONFIG_OPTION]: JSON.stringify({ resyncMs: 5000 }),
    }).updateResolution();
    await settle(5000);
    expect(source.listCalls).toBe(2);
    expect(() =>
      resolverFor(source, 'a.b:1', { [KUBERNETES_RESOLVER_CONFIG_OPTION]: '{"resync":1}' }),
    ).toThrow(/unknown key 'resync'/);
  });

  it('gives grpc-js service.namespace as the default authority', () => {
    expect(
      KubernetesResolver.getDefaultAuthority({
        scheme: 'kubernetes',
        path: 'addr-server.grpc-lb:grpc',
      }),
    ).toBe('addr-server.grpc-lb');
    expect(() =>
      KubernetesResolver.getDefaultAuthority({ scheme: 'kubernetes', path: 'A:1' }),
    ).toThrow(/not a Service name/);
  });
});

describe('parseKubernetesResolverConfig', () => {
  it('fills defaults and takes JSON text or an object', () => {
    expect(parseKubernetesResolverConfig('{}')).toEqual({
      resyncMs: 1_800_000,
      backoffInitialMs: 1000,
      backoffMaxMs: 30_000,
      requestTimeoutMs: 10_000,
      watchTimeoutSeconds: 300,
    });
    expect(parseKubernetesResolverConfig({ kubeconfig: 'k.yaml', resyncMs: 5 })).toMatchObject({
      kubeconfig: 'k.yaml',
      resyncMs: 5,
    });
  });

  it.each([
    ['[]', /expected an object/],
    ['{', /not JSON/],
    ['{"resyncMs":0}', /resyncMs must be a positive number, not 0/],
    ['{"backoffMaxMs":"1"}', /backoffMaxMs must be a positive number/],
    ['{"kubeconfig":""}', /kubeconfig must be a path/],
    ['{"backoffInitialMs":5000,"backoffMaxMs":100}', /backoffMaxMs is less than backoffInitialMs/],
    ['{"resync":1}', /unknown key 'resync' \(known: kubeconfig, resyncMs/],
  ])('refuses %s', (json, message) => {
    expect(() => parseKubernetesResolverConfig(json)).toThrow(message);
  });
});

describe('setup()', () => {
  it('registers the kubernetes scheme with grpc-js', () => {
    setup();
    const resolver = experimental.createResolver(
      { scheme: 'kubernetes', authority: '', path: 'addr-server.grpc-lb:grpc' },
      listener,
      {},
    );
    expect(resolver).toBeInstanceOf(KubernetesResolver);
    resolver.destroy();
  });

  it('refuses bad defaults at once', () => {
    expect(() => setup({ resyncMs: -1 })).toThrow(/resyncMs must be a positive number/);
    setup();
  });
});
