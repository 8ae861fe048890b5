/** A real LocalCluster seen through its Kubernetes API: objects follow the pods, and a scale through the API moves them. */
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster } from '../local-cluster.js';
import { waitFor } from '../node-process.js';

let cluster: LocalCluster | undefined;
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await cluster?.stop();
  cluster = undefined;
});

interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  targetRef?: { name: string };
}

describe('LocalCluster Kubernetes API', () => {
  it('serves the Namespace, Services, Pods, Endpoints, EndpointSlices and Deployment as they are', async () => {
    cluster = new LocalCluster();
    await cluster.start();
    await cluster.createDeployment({
      name: 'addr-server',
      replicas: 2,
      args: [],
      terminationGracePeriodMs: 5000,
    });
    await cluster.createService({
      name: 'addr-server',
      kind: 'clusterip',
      deployment: 'addr-server',
    });
    await cluster.createService({
      name: 'addr-server-headless',
      kind: 'headless',
      deployment: 'addr-server',
    });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    expect(kc.getCurrentCluster()?.server).toBe(cluster.kubeApiUrl);
    expect(cluster.kubeApiUrl).toMatch(/^http:\/\/127\.\d+\.255\.1:\d+$/);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = cluster.namespace;

    expect((await core.readNamespace({ name: ns })).status?.phase).toBe('Active');

    const services = await core.listNamespacedService({ namespace: ns });
    const byName = new Map(services.items.map((s) => [s.metadata?.name, s.spec]));
    expect(byName.get('addr-server')?.clusterIP).toBe(cluster.clusterIp('addr-server'));
    expect(byName.get('addr-server-headless')?.clusterIP).toBe('None');
    expect(byName.get('addr-server')?.ports).toEqual([
      {
        name: 'grpc',
        protocol: 'TCP',
        appProtocol: 'kubernetes.io/h2c',
        port: 50051,
        targetPort: 50051,
      },
      { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 8080, targetPort: 8080 },
    ]);
    expect(byName.get('addr-server')?.selector).toEqual({
      'app.kubernetes.io/name': 'addr-server',
    });

    const pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/name=addr-server',
    });
    const running = cluster.pods();
    expect(pods.items.map((p) => p.metadata?.name).sort()).toEqual(
      running.map((p) => p.name).sort(),
    );
    for (const pod of pods.items) {
      const record = running.find((r) => r.name === pod.metadata?.name);
      expect(pod.status?.podIP).toBe(record?.ip);
      expect(pod.spec?.nodeName).toBe(record?.node);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.metadata?.labels?.['pod-template-hash']).toMatch(/^[a-z0-9]{10}$/);
      expect(pod.metadata?.name).toContain(pod.metadata?.labels?.['pod-template-hash']);
    }

    const endpoints = await core.readNamespacedEndpoints({ name: 'addr-server', namespace: ns });
    expect(endpoints.subsets?.[0]?.addresses?.map((a) => a.ip).sort()).toEqual(
      running.map((p) => p.ip).sort(),
    );

    const discovery = kc.makeApiClient(DiscoveryV1Api);
    for (const service of ['addr-server', 'addr-server-headless']) {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: ns,
        labelSelector: `kubernetes.io/service-name=${service}`,
      });
      expect(slices.items).toHaveLength(1);
      expect(slices.items[0]?.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']).toBe(
        'endpointslice-controller.k8s.io',
      );
      expect(slices.items[0]?.endpoints.map((e) => e.conditions)).toEqual([
        { ready: true, serving: true, terminating: false },
        { ready: true, serving: true, terminating: false },
      ]);
    }

    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'addr-server', namespace: ns });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    expect(deployment.status?.observedGeneration).toBe(deployment.metadata?.generation);
  }, 30_000);

  it('scales through the API: answers at once, then pods, slices and status follow, endpoints out before SIGTERM', async () => {
    const terminatingAt: number[] = [];
    cluster = new LocalCluster({
      onEvent: (event) => {
        // The store revision when the cluster is about to send SIGTERM.
        if (event.kind === 'pod-terminating')
          terminatingAt.push(cluster?.store.resourceVersion ?? -1);
      },
    });
    await cluster.start();
    await cluster.createDeployment({
      name: 'addr-server',
      replicas: 1,
      args: ['--drain-delay', '1s'],
      terminationGracePeriodMs: 10_000,
    });
    await cluster.createService({
      name: 'addr-server',
      kind: 'headless',
      deployment: 'addr-server',
    });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    const ns = cluster.namespace;
    const apps = kc.makeApiClient(AppsV1Api);
    const generation = (await apps.readNamespacedDeployment({ name: 'addr-server', namespace: ns }))
      .metadata?.generation;

    const scaled = await apps.patchNamespacedDeploymentScale(
      { name: 'addr-server', namespace: ns, body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // The API server answers before the controller has done anything.
    expect(scaled.spec?.replicas).toBe(3);
    expect(scaled.status?.replicas).toBe(1);
    await cluster.whenSettled('addr-server');
    expect(cluster.endpoints('addr-server')).toHaveLength(3);
    const after = await apps.readNamespacedDeployment({ name: 'addr-server', namespace: ns });
    expect(after.metadata?.generation).toBe((generation ?? 0) + 1);
    expect(after.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      observedGeneration: after.metadata?.generation,
    });

    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const list = await discovery.listNamespacedEndpointSlice({ namespace: ns });
    expect(list.items[0]?.endpoints.filter((e) => e.conditions?.ready)).toHaveLength(3);

    // Scale down to 1 while watching the slices.
    const seen: { rv: number; endpoints: SliceEndpoint[] }[] = [];
    const abort = await new Watch(kc).watch(
      `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
      { resourceVersion: list.metadata?.resourceVersion },
      (_type, object) =>
        seen.push({
          rv: Number(object.metadata.resourceVersion),
          endpoints: object.endpoints ?? [],
        }),
      () => {},
    );
    aborts.push(abort);
    const kept = cluster.pods().at(0)?.name;
    await apps.patchNamespacedDeployment(
      { name: 'addr-server', namespace: ns, body: { spec: { replicas: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await cluster.whenSettled('addr-server');
    expect(cluster.endpoints('addr-server')).toHaveLength(1);

    // The removed pods: terminating in their slice (not ready), deletionTimestamp on the pod...
    await waitFor(
      () => seen.some((s) => s.endpoints.filter((e) => e.conditions.terminating).length === 2),
      'both removed endpoints marked terminating',
      5000,
    );
    const firstTerminating = seen.find((s) => s.endpoints.some((e) => e.conditions.terminating));
    expect(
      firstTerminating?.endpoints.find((e) => e.conditions.terminating)?.conditions.ready,
    ).toBe(false);
    // ...before the cluster sent SIGTERM: the slice change has a lower revision.
    expect(terminatingAt.length).toBe(2);
    expect(firstTerminating?.rv).toBeLessThanOrEqual(terminatingAt[0] ?? 0);
    const core = kc.makeApiClient(CoreV1Api);
    const terminatingPods = (await core.listNamespacedPod({ namespace: ns })).items.filter(
      (p) => p.metadata?.deletionTimestamp,
    );
    expect(terminatingPods.length).toBeGreaterThan(0);

    // ...and gone from slice and API once their process has exited.
    await waitFor(
      () => cluster?.pods().filter((p) => p.exitedAt === undefined).length === 1,
      'the removed pods to exit',
      15_000,
    );
    await waitFor(
      () => seen.at(-1)?.endpoints.length === 1,
      'the slice to keep one endpoint',
      3000,
    );
    // The ReplicaSet controller removes the newest pods first.
    expect(seen.at(-1)?.endpoints[0]?.targetRef?.name).toBe(kept);
    expect((await core.listNamespacedPod({ namespace: ns })).items).toHaveLength(1);
    const endpoints = await core.readNamespacedEndpoints({ name: 'addr-server', namespace: ns });
    expect(endpoints.subsets?.[0]?.addresses).toHaveLength(1);
  }, 40_000);

  it('rejects whenSettled when the scale fails, and resolves for the next one', async () => {
    cluster = new LocalCluster({ readyTimeoutMs: 3000 });
    await cluster.start();
    // An unknown flag makes every pod exit at once; with no replicas, nothing fails yet.
    await cluster.createDeployment({
      name: 'web',
      replicas: 0,
      args: ['--no-such-flag'],
      terminationGracePeriodMs: 2000,
    });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    await kc
      .makeApiClient(AppsV1Api)
      .patchNamespacedDeploymentScale(
        { name: 'web', namespace: cluster.namespace, body: { spec: { replicas: 2 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await expect(cluster.whenSettled('web')).rejects.toThrow(/exited before it was Ready/);
    await cluster.scale('web', 0);
    await expect(cluster.whenSettled('web')).resolves.toBeUndefined();
  }, 20_000);
});
