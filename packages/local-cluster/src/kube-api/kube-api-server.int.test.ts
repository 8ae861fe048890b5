/** The REST side of KubeApiServer through @kubernetes/client-node: discovery, lists, selectors, Status objects, scale. */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endpointSlicesFor } from './endpoint-slices.js';
import { KubeApiServer } from './kube-api-server.js';
import type { KubeObject } from './kube-object.js';
import { KubeStore } from './kube-store.js';

let store: KubeStore;
let server: KubeApiServer;
let kc: KubeConfig;

const NS = 'grpc-lb';

function deployment(replicas: number): KubeObject {
  const labels = { 'app.kubernetes.io/name': 'addr-server' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'addr-server', namespace: NS, labels, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'addr-server', image: 'x' }] },
      },
    },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

function pod(name: string, labels: Record<string, string>, namespace = NS): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: '127.100.0.1' },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON the assertions read freely
type Json = any;

async function raw(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; type: string | null; body: Json }> {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, type: response.headers.get('content-type'), body };
}

/** The Status body of a failed client-node call. */
async function statusOf(call: Promise<unknown>): Promise<Json> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    const body = (error as ApiException<unknown>).body;
    return typeof body === 'string' ? JSON.parse(body) : body;
  }
  throw new Error('the call succeeded');
}

beforeEach(async () => {
  store = new KubeStore();
  server = new KubeApiServer({ store, host: '127.0.0.1' });
  await server.start();
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(NS));
});

afterEach(async () => {
  await server.stop();
});

describe('KubeApiServer: kubeconfig and discovery', () => {
  it('writes a kubeconfig client-node loads: one cluster, user and context, namespace set', () => {
    expect(kc.getCurrentContext()).toBe('grpc-lb-lab');
    expect(kc.getCurrentCluster()?.server).toBe(server.url);
    expect(kc.getContextObject('grpc-lb-lab')?.namespace).toBe(NS);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves legacy discovery to a client that asks for plain JSON', async () => {
    const api = await raw('/api', { headers: { accept: 'application/json' } });
    expect(api.type).toBe('application/json');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await raw('/apis');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toEqual([
      'discovery.k8s.io',
      'apps',
    ]);
    const core = await raw('/api/v1');
    const names = core.body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(['namespaces', 'nodes', 'pods', 'services', 'endpoints']);
    const apps = await raw('/apis/apps/v1');
    expect(apps.body.resources).toContainEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect((await raw('/apis/apps')).body).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'apps/v1' },
    });
    expect((await raw('/version')).body).toMatchObject({ major: '1', gitVersion: 'v1.32.0' });
  });

  it('serves aggregated discovery, with its content type, to a client that asks for it first', async () => {
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const apis = await raw('/apis', { headers: { accept } });
    expect(apis.type).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(apis.body.kind).toBe('APIGroupDiscoveryList');
    const apps = apis.body.items.find((g: Json) => g.metadata.name === 'apps');
    expect(apps.versions[0].resources[0]).toMatchObject({
      resource: 'deployments',
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      shortNames: ['deploy'],
      subresources: [{ subresource: 'scale', responseKind: { kind: 'Scale' } }],
    });
    const core = await raw('/api', { headers: { accept } });
    expect(core.body.items[0].metadata.name).toBeUndefined();
  });

  it('answers unknown paths and methods with the router Status objects', async () => {
    expect(await raw('/apis/nope.example.com/v1')).toMatchObject({
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      },
    });
    expect(await raw(`/api/v1/namespaces/${NS}/pods/x`, { method: 'DELETE' })).toMatchObject({
      status: 405,
      body: {
        kind: 'Status',
        message: 'the server does not allow this method on the requested resource',
        reason: 'MethodNotAllowed',
        code: 405,
      },
    });
    expect(
      (await raw(`/api/v1/namespaces/${NS}/pods`, { method: 'POST', body: '{}' })).status,
    ).toBe(405);
  });
});

describe('KubeApiServer: get and list', () => {
  it('answers a missing object with 404 NotFound and its details', async () => {
    const api = kc.makeApiClient(DiscoveryV1Api);
    expect(
      await statusOf(api.readNamespacedEndpointSlice({ name: 'nope', namespace: NS })),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'endpointslices.discovery.k8s.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'discovery.k8s.io', kind: 'endpointslices' },
      code: 404,
    });
    const core = kc.makeApiClient(CoreV1Api);
    expect(await statusOf(core.readNamespacedPod({ name: 'p', namespace: NS }))).toMatchObject({
      message: 'pods "p" not found',
      details: { name: 'p', kind: 'pods' },
    });
  });

  it('lists EndpointSlices with the store revision, filtered by label selectors', async () => {
    const ports = [{ name: 'grpc', port: 50051 }];
    const ep = (ip: string) => ({ ip, ready: true, serving: true, terminating: false });
    for (const slice of endpointSlicesFor({ name: 'a', namespace: NS, ports }, [ep('127.0.0.2')]))
      store.put(slice);
    for (const slice of endpointSlicesFor({ name: 'b', namespace: NS, ports }, [ep('127.0.0.3')]))
      store.put(slice);
    const api = kc.makeApiClient(DiscoveryV1Api);
    const all = await api.listNamespacedEndpointSlice({ namespace: NS });
    expect(all.items).toHaveLength(2);
    expect(all.metadata?.resourceVersion).toBe(`${store.resourceVersion}`);
    expect(all.items[0]?.endpoints[0]?.conditions?.ready).toBe(true);
    const names = async (labelSelector: string) =>
      (await api.listNamespacedEndpointSlice({ namespace: NS, labelSelector })).items.map(
        (s) => s.metadata?.labels?.['kubernetes.io/service-name'],
      );
    expect(await names('kubernetes.io/service-name=a')).toEqual(['a']);
    expect(await names('kubernetes.io/service-name==b')).toEqual(['b']);
    expect(await names('kubernetes.io/service-name!=a')).toEqual(['b']);
    expect(await names('kubernetes.io/service-name in (a,b)')).toHaveLength(2);
    expect(await names('kubernetes.io/service-name notin (a)')).toEqual(['b']);
    expect(await names('kubernetes.io/service-name')).toHaveLength(2);
    expect(await names('!kubernetes.io/service-name')).toEqual([]);
  });

  it('filters by metadata.name and metadata.namespace field selectors, across namespaces', async () => {
    store.put(pod('a', { app: 'web' }));
    store.put(pod('b', { app: 'web' }));
    store.put(pod('a', { app: 'web' }, 'other'));
    const core = kc.makeApiClient(CoreV1Api);
    const names = async (fieldSelector: string) =>
      (await core.listPodForAllNamespaces({ fieldSelector })).items.map(
        (p) => `${p.metadata?.namespace}/${p.metadata?.name}`,
      );
    expect(await names('metadata.name=a')).toEqual([`${NS}/a`, 'other/a']);
    expect(await names('metadata.namespace=other')).toEqual(['other/a']);
    expect(await names(`metadata.namespace!=other,metadata.name!=a`)).toEqual([`${NS}/b`]);
    expect(await names('spec.nodeName=node-1')).toHaveLength(3);
  });

  it('rejects bad selectors with 400 BadRequest, as the API server does', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    expect(
      await statusOf(core.listNamespacedPod({ namespace: NS, labelSelector: 'app in (web' })),
    ).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: "unable to parse requirement: found '', expected: ',' or ')'",
    });
    expect(
      await statusOf(core.listNamespacedPod({ namespace: NS, fieldSelector: 'spec.foo=x' })),
    ).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.foo',
    });
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    expect(
      await statusOf(
        discovery.listNamespacedEndpointSlice({ namespace: NS, fieldSelector: 'foo.bar=baz' }),
      ),
    ).toMatchObject({
      code: 400,
      message:
        '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
    expect(
      await statusOf(core.listNamespacedPod({ namespace: NS, resourceVersionMatch: 'Exact' })),
    ).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    });
  });

  it('lists the state at an exact resourceVersion, and 410 Gone once it is compacted', async () => {
    store.put(pod('a', {}));
    const before = store.resourceVersion;
    store.put(pod('b', {}));
    const core = kc.makeApiClient(CoreV1Api);
    const exact = await core.listNamespacedPod({
      namespace: NS,
      resourceVersion: `${before}`,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.items.map((p) => p.metadata?.name)).toEqual(['a']);
    expect(exact.metadata?.resourceVersion).toBe(`${before}`);
    // "NotOlderThan" an old revision is served from the latest state.
    const notOlder = await core.listNamespacedPod({ namespace: NS, resourceVersion: `${before}` });
    expect(notOlder.items).toHaveLength(2);
    store.compact();
    expect(
      await statusOf(
        core.listNamespacedPod({
          namespace: NS,
          resourceVersion: `${before}`,
          resourceVersionMatch: 'Exact',
        }),
      ),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'The resourceVersion for the provided list is too old.',
      reason: 'Expired',
      code: 410,
    });
  });

  it('pages with limit and continue through one snapshot, and expires the token on compaction', async () => {
    for (const name of ['a', 'b', 'c']) store.put(pod(name, {}));
    const core = kc.makeApiClient(CoreV1Api);
    const first = await core.listNamespacedPod({ namespace: NS, limit: 2 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    store.put(pod('aa', {}));
    const second = await core.listNamespacedPod({
      namespace: NS,
      limit: 2,
      _continue: first.metadata?._continue,
    });
    // The snapshot of the first page: 'aa' came later.
    expect(second.items.map((p) => p.metadata?.name)).toEqual(['c']);
    expect(second.metadata?._continue).toBeUndefined();
    store.compact();
    expect(
      await statusOf(
        core.listNamespacedPod({ namespace: NS, limit: 2, _continue: first.metadata?._continue }),
      ),
    ).toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('renders a meta.k8s.io Table for kubectl, with the wide columns', async () => {
    store.put(pod('a', { app: 'web' }));
    const table = await raw(`/api/v1/namespaces/${NS}/pods`, {
      headers: {
        accept:
          'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      },
    });
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(table.body.rows[0].cells.slice(0, 3)).toEqual(['a', '0/1', 'Running']);
    expect(table.body.rows[0].cells.slice(5, 7)).toEqual(['127.100.0.1', 'node-1']);
    expect(table.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'a' },
    });
  });
});

describe('KubeApiServer: the scale subresource', () => {
  beforeEach(() => {
    store.put(deployment(2));
  });

  it('gets the Scale of a Deployment', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'addr-server', namespace: NS });
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'addr-server', namespace: NS, resourceVersion: `${store.resourceVersion}` },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app.kubernetes.io/name=addr-server' },
    });
  });

  it.each([
    [PatchStrategy.MergePatch, { spec: { replicas: 5 } }],
    [PatchStrategy.StrategicMergePatch, { spec: { replicas: 5 } }],
    [PatchStrategy.JsonPatch, [{ op: 'replace', path: '/spec/replicas', value: 5 }]],
  ])('patches spec.replicas with %s and bumps the generation', async (type, body) => {
    const apps = kc.makeApiClient(AppsV1Api);
    const scale = await apps.patchNamespacedDeploymentScale(
      { name: 'addr-server', namespace: NS, body },
      setHeaderOptions('Content-Type', type),
    );
    expect(scale.spec?.replicas).toBe(5);
    const stored = store.get('apps/v1', 'Deployment', NS, 'addr-server');
    expect(stored?.spec).toMatchObject({ replicas: 5 });
    expect(stored?.metadata.generation).toBe(2);
  });

  it('refuses an apply patch with 415 and a JSON patch whose test fails with 422', async () => {
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/addr-server/scale`;
    const apply = await raw(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: 'spec:\n  replicas: 3\n',
    });
    expect(apply.status).toBe(415);
    expect(apply.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    });
    const test = await raw(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'test', path: '/spec/replicas', value: 7 }]),
    });
    expect(test.status).toBe(422);
    expect(test.body.reason).toBe('Invalid');
  });

  it('replaces the Scale, and answers 409 Conflict for a stale resourceVersion', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'addr-server', namespace: NS });
    const stale = scale.metadata?.resourceVersion;
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: 'addr-server',
      namespace: NS,
      body: { ...scale, spec: { replicas: 3 } },
    });
    expect(replaced.spec?.replicas).toBe(3);
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(stale));
    expect(
      await statusOf(
        apps.replaceNamespacedDeploymentScale({
          name: 'addr-server',
          namespace: NS,
          body: { ...scale, spec: { replicas: 4 } },
        }),
      ),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on deployments.apps "addr-server": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'addr-server', group: 'apps', kind: 'deployments' },
      code: 409,
    });
    expect(store.get('apps/v1', 'Deployment', NS, 'addr-server')?.spec).toMatchObject({
      replicas: 3,
    });
  });

  it('validates the replica count with 422 Invalid', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    expect(
      await statusOf(
        apps.patchNamespacedDeploymentScale(
          { name: 'addr-server', namespace: NS, body: { spec: { replicas: -1 } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'Scale.autoscaling "addr-server" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }] },
    });
  });

  it("patches a Deployment's spec.replicas, and refuses to change anything else", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const patched = await apps.patchNamespacedDeployment(
      { name: 'addr-server', namespace: NS, body: { spec: { replicas: 4 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.replicas).toBe(4);
    expect(patched.metadata?.generation).toBe(2);
    expect(
      await statusOf(
        apps.patchNamespacedDeployment(
          { name: 'addr-server', namespace: NS, body: { spec: { paused: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'spec' }] } });
  });

  it('answers 404 for the scale of a missing Deployment', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    expect(
      await statusOf(apps.readNamespacedDeploymentScale({ name: 'nope', namespace: NS })),
    ).toMatchObject({
      code: 404,
      message: 'deployments.apps "nope" not found',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
    });
  });
});
