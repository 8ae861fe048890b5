/**
 * k8s/cluster-runtime, the RBAC for the lab's user, against what the lab
 * really does: every kind it applies in every scenario (rendered through the
 * cluster overlay), every Role it creates (RBAC refuses a Role that grants
 * more than its creator holds), and the commands of the plans. And nothing
 * more: no wildcards, no secrets, no cluster-scoped writes but its namespace.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeObject, renderKustomization } from '@lab/manifests';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkClusterManifests } from './cluster-manifest-check.js';
import { clusterImages } from './runtime-cluster.js';
import { listScenarioIds, loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');
const REGISTRY = 'ghcr.io/someone/grpc-lb-lab';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

let rules: { cluster: Rule[]; workloads: Rule[] };

beforeAll(async () => {
  const { objects } = await renderKustomization(join(repoRoot, 'k8s', 'cluster-runtime'));
  const role = (name: string) =>
    ((
      objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name) as unknown as {
        rules: Rule[];
      }
    )?.rules ?? []) as Rule[];
  rules = { cluster: role('grpc-lb-lab-cluster'), workloads: role('grpc-lb-lab-workloads') };
});

function allows(
  set: Rule[],
  group: string,
  resource: string,
  verb: string,
  name?: string,
): boolean {
  return set.some(
    (rule) =>
      rule.apiGroups.includes(group) &&
      rule.resources.includes(resource) &&
      rule.verbs.includes(verb) &&
      (!rule.resourceNames || (name !== undefined && rule.resourceNames.includes(name))),
  );
}

/** kind → (group, plural), for the kinds the scenarios use. */
const PLURALS: Record<string, [string, string]> = {
  Namespace: ['', 'namespaces'],
  Service: ['', 'services'],
  ConfigMap: ['', 'configmaps'],
  ServiceAccount: ['', 'serviceaccounts'],
  Deployment: ['apps', 'deployments'],
  DaemonSet: ['apps', 'daemonsets'],
  Job: ['batch', 'jobs'],
  Role: ['rbac.authorization.k8s.io', 'roles'],
  RoleBinding: ['rbac.authorization.k8s.io', 'rolebindings'],
  DestinationRule: ['networking.istio.io', 'destinationrules'],
  VirtualService: ['networking.istio.io', 'virtualservices'],
};

const kindScenarios = listScenarioIds(scenariosDir)
  .map((id) => loadScenario(scenariosDir, id, repoRoot))
  .filter(({ scenario }) => scenario.runtimes.includes('kind'));

describe('the lab user RBAC', () => {
  it.each(kindScenarios.map((l) => [l.scenario.id, l] as const))(
    '%s: every object can be applied and deleted, every Role granted',
    async (_id, loaded) => {
      const { objects } = await checkClusterManifests({
        scenarioDir: loaded.dir,
        images: clusterImages(repoRoot, loaded, { registry: REGISTRY, platform: 'linux/amd64' }),
        scenario: loaded.scenario,
        namespace: 'grpc-lb',
        registry: REGISTRY,
      });
      for (const object of objects as KubeObject[]) {
        const plural = PLURALS[object.kind];
        expect(plural, `${object.kind} has no RBAC mapping here`).toBeDefined();
        const [group, resource] = plural!;
        if (object.kind === 'Namespace') {
          expect(allows(rules.cluster, group, resource, 'create')).toBe(true);
          for (const verb of ['get', 'patch', 'delete']) {
            expect(allows(rules.cluster, group, resource, verb, object.metadata.name)).toBe(true);
          }
          continue;
        }
        for (const verb of ['get', 'create', 'patch', 'delete']) {
          expect(allows(rules.workloads, group, resource, verb), `${verb} ${resource}`).toBe(true);
        }
        if (object.kind === 'Role') {
          for (const rule of (object as unknown as { rules: Rule[] }).rules) {
            for (const g of rule.apiGroups)
              for (const r of rule.resources)
                for (const v of rule.verbs)
                  expect(allows(rules.workloads, g, r, v), `${v} ${r}`).toBe(true);
          }
        }
      }
    },
  );

  it("covers the runtime's own commands and reads", () => {
    const needs: [Rule[], string, string, string][] = [
      [rules.workloads, 'apps', 'deployments/scale', 'patch'], // kubectl scale
      [rules.workloads, 'apps', 'deployments', 'patch'], // kubectl rollout restart
      [rules.workloads, 'apps', 'deployments', 'watch'], // kubectl rollout status
      [rules.workloads, 'apps', 'replicasets', 'list'],
      [rules.workloads, '', 'pods', 'watch'], // the pod watch, kubectl wait --for=delete
      [rules.workloads, '', 'pods', 'delete'], // kill-pod
      [rules.workloads, '', 'pods/log', 'get'], // kubectl logs -f
      [rules.workloads, 'batch', 'jobs', 'watch'], // kubectl wait job
      [rules.cluster, '', 'nodes', 'list'], // node zones
      [rules.cluster, '', 'namespaces', 'get'], // the guard
      [rules.cluster, '', 'namespaces', 'watch'], // kubectl delete --wait
    ];
    for (const [set, group, resource, verb] of needs) {
      expect(allows(set, group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
    }
  });

  it('grants nothing beyond: no wildcards, no secrets, no cluster-scoped writes but the namespace', () => {
    for (const rule of [...rules.cluster, ...rules.workloads]) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      expect(rule.verbs).not.toContain('escalate');
      expect(rule.verbs).not.toContain('bind');
    }
    for (const rule of rules.cluster) {
      const writes = rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v));
      if (writes.length === 0) continue;
      expect(rule.resources).toEqual(['namespaces']);
      if (!rule.resourceNames) expect(writes).toEqual(['create']);
    }
    expect(allows(rules.cluster, '', 'namespaces', 'delete', 'kube-system')).toBe(false);
    expect(allows(rules.cluster, '', 'nodes', 'patch')).toBe(false);
  });
});
