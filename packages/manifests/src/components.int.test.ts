import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, describe, expect, it } from 'vitest';
import { readKindCluster } from './kind-cluster.js';
import type { KubeObject } from './kube-object.js';
import { renderKustomization } from './kustomize-render.js';
import { podTemplates, serviceAccountOf } from './pod-templates.js';
import { policyViolations } from './policy.js';
import { formatViolation } from './policy-violation.js';
import { k8sPaths } from './repo-paths.js';
import { renderScenario, scenarioFolders } from './scenario-manifests.js';
import { formatSchemaIssue, validateObjects } from './schema-validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'components-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** k8s/base with one component, as a scenario would use it. kustomize refuses absolute paths. */
async function baseWith(component: string): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmp, `${component}-`));
  const path = (target: string) => relative(dir, target);
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${path(k8sPaths.base)}`,
      'components:',
      `  - ${path(join(k8sPaths.components, component))}`,
    ].join('\n'),
  );
  return (await renderKustomization(dir)).objects;
}

function service(objects: KubeObject[]): IService {
  const found = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'addr-server');
  expect(found).toBeDefined();
  return found as unknown as IService;
}

async function expectClean(objects: KubeObject[]) {
  expect((await validateObjects(objects)).map(formatSchemaIssue)).toEqual([]);
  expect(policyViolations(objects).map(formatViolation)).toEqual([]);
}

describe('k8s/components', () => {
  const tested = [
    'endpointslice-reader',
    'grpclb-balancer',
    'mesh-istio',
    'mesh-linkerd',
    'service-headless',
    'service-nodeport',
    'xds-control-plane',
  ];

  it('are all tested here', () => {
    const components = readdirSync(k8sPaths.components, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(components).toEqual(tested);
  });

  it.each([
    ['mesh-istio', 'labels', 'istio-injection', 'enabled'],
    ['mesh-linkerd', 'annotations', 'linkerd.io/inject', 'enabled'],
  ] as const)(
    '%s puts the namespace in the mesh, and nothing else changes',
    async (component, field, key, value) => {
      const objects = await baseWith(component);
      const namespace = objects.find((o) => o.kind === 'Namespace');
      expect(namespace?.metadata[field]?.[key]).toBe(value);
      // Injected init containers need NET_ADMIN without a CNI plugin: privileged, not restricted.
      expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
      const plain = await renderKustomization(k8sPaths.base);
      expect(objects.filter((o) => o.kind !== 'Namespace')).toEqual(
        plain.objects.filter((o) => o.kind !== 'Namespace'),
      );
      await expectClean(objects);
    },
  );

  it('service-headless takes the virtual IP away and keeps the ports', async () => {
    const objects = await baseWith('service-headless');
    const { spec } = service(objects);
    expect(spec?.clusterIP).toBe('None');
    expect(spec?.ports?.map((p) => p.name)).toEqual(['grpc', 'http']);
    await expectClean(objects);
  });

  it("service-nodeport opens the nodePorts that kind's cluster.yaml maps to the host", async () => {
    const objects = await baseWith('service-nodeport');
    const { spec } = service(objects);
    expect(spec?.type).toBe('NodePort');
    const nodePorts = Object.fromEntries(spec?.ports?.map((p) => [p.name, p.nodePort]) ?? []);
    expect(nodePorts).toEqual({ grpc: 30051, http: 30080 });
    const mapped = readKindCluster().nodes.flatMap((node) => node.extraPortMappings ?? []);
    expect(mapped.map((m) => m.containerPort).sort()).toEqual([30051, 30080]);
    await expectClean(objects);
  });

  it('endpointslice-reader gives its ServiceAccount and token only to workloads that opt in', async () => {
    const users = scenarioFolders().filter((folder) =>
      readFileSync(folder.kustomization ?? folder.dir, 'utf8').includes('endpointslice-reader'),
    );
    expect(users.length).toBeGreaterThan(0);
    for (const { id } of users) {
      const objects = await renderScenario(id);
      const pods = podTemplates(objects);
      const optedIn = pods.filter(
        (pod) => pod.owner.metadata.labels?.['grpc-lb-lab/reads-endpointslices'] === 'true',
      );
      expect(optedIn.length, id).toBeGreaterThan(0);
      for (const pod of pods) {
        const reads = optedIn.includes(pod);
        expect(serviceAccountOf(pod), pod.ref).toBe(reads ? 'endpointslice-reader' : 'default');
        expect(pod.spec.automountServiceAccountToken, pod.ref).toBe(reads);
      }
      expect(objects.map((o) => o.kind)).toEqual(
        expect.arrayContaining(['ServiceAccount', 'Role', 'RoleBinding']),
      );
    }
  });

  /**
   * The balancers beside the server: the grpclb lookaside balancer and the
   * xDS control plane. Both read EndpointSlices, run one replica that the
   * kind runtime scales for `balancer:` steps, and sit behind a ClusterIP
   * Service the clients dial.
   */
  describe.each([
    {
      component: 'grpclb-balancer',
      deployment: 'grpclb-server',
      service: 'grpclb',
      ports: [
        ['grpclb', 9000, 'grpclb', 'kubernetes.io/h2c'],
        ['http', 9090, 'http', 'http'],
      ],
      env: ['POD_NAMESPACE'],
      args: ['--shutdown-grace=10s'],
      scenario: 'grpclb',
    },
    {
      component: 'xds-control-plane',
      deployment: 'xds-server',
      service: 'xds-server',
      ports: [
        ['grpc', 18000, 'grpc', 'kubernetes.io/h2c'],
        ['http', 18080, 'http', 'http'],
      ],
      env: ['POD_NAMESPACE', 'POD_NAME'],
      args: ['--service=addr-server.grpc-lb:grpc', '--shutdown-grace=10s'],
      scenario: 'xds-proxyless',
    },
  ])('$component', ({ component, deployment, service, ports, env, args, scenario }) => {
    /** k8s/base in grpc-lb with these components, in this order, as a scenario lists them. */
    async function baseWithComponents(...components: string[]): Promise<KubeObject[]> {
      const dir = mkdtempSync(join(tmp, `${component}-`));
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'namespace: grpc-lb',
          'resources:',
          `  - ${relative(dir, k8sPaths.base)}`,
          'components:',
          ...components.map((c) => `  - ${relative(dir, join(k8sPaths.components, c))}`),
        ].join('\n'),
      );
      return (await renderKustomization(dir)).objects;
    }
    const ref = `Deployment/grpc-lb/${deployment}`;
    const balancerPod = (objects: KubeObject[]) => {
      const pod = podTemplates(objects).find((p) => p.ref === ref);
      expect(pod, ref).toBeDefined();
      return pod!;
    };

    it(`runs one ${deployment} behind a ClusterIP Service ${service} with named h2c and http ports, reading EndpointSlices`, async () => {
      const objects = await baseWithComponents(component, 'endpointslice-reader');
      const found = objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
      const spec = (found as unknown as IService | undefined)?.spec;
      expect(spec?.type).toBe('ClusterIP');
      expect(spec?.clusterIP).toBeUndefined();
      expect(spec?.ports?.map((p) => [p.name, p.port, p.targetPort, p.appProtocol])).toEqual(ports);
      const pod = balancerPod(objects);
      expect((pod.owner.spec as { replicas?: number }).replicas).toBe(1);
      // Applied with the server objects, before the clients.
      expect(pod.labels['app.kubernetes.io/component']).not.toBe('client');
      expect(serviceAccountOf(pod)).toBe('endpointslice-reader');
      expect(pod.spec.automountServiceAccountToken).toBe(true);
      const [container] = pod.spec.containers ?? [];
      expect(container?.image).toBe(`grpc-lb-lab/${deployment}:dev`);
      expect(container?.args).toEqual(args);
      const fieldPaths: Record<string, string> = {
        POD_NAMESPACE: 'metadata.namespace',
        POD_NAME: 'metadata.name',
      };
      for (const name of env) {
        expect(container?.env).toContainEqual({
          name,
          valueFrom: { fieldRef: { fieldPath: fieldPaths[name] } },
        });
      }
      // Readiness from grpc.health.v1 on the gRPC port: what clients dial.
      expect(container?.readinessProbe?.grpc?.port).toBe(ports[0]?.[1]);
      await expectClean(objects);
    });

    it('gets no token unless endpointslice-reader comes after it', async () => {
      for (const order of [[component], ['endpointslice-reader', component]]) {
        const pod = balancerPod(await baseWithComponents(...order));
        expect(serviceAccountOf(pod), order.join(', ')).toBe('default');
        expect(pod.spec.automountServiceAccountToken, order.join(', ')).toBe(false);
      }
    });

    it('is followed by endpointslice-reader in every scenario that uses it', async () => {
      const users = scenarioFolders().filter((folder) =>
        readFileSync(folder.kustomization ?? folder.dir, 'utf8').includes(component),
      );
      expect(users.map((folder) => folder.id)).toContain(scenario);
      for (const { id } of users) {
        const pod = balancerPod(await renderScenario(id));
        expect(serviceAccountOf(pod), id).toBe('endpointslice-reader');
      }
    });
  });
});
