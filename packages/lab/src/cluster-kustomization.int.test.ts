/**
 * The cluster runtime's overlay, rendered by `kubectl kustomize` (the
 * kustomize inside `kubectl apply -k`) for every scenario that runs on kind:
 * every container image, init containers included, is this run's image from
 * the registry, or a third-party image with a fixed tag.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeObject, renderKustomization } from '@lab/manifests';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterKustomization,
  LAB_MANAGED_BY_LABEL,
  LAB_MANAGER,
  retargetNamespace,
} from './cluster-kustomization.js';
import { clusterManifestProblems } from './cluster-manifest-check.js';
import { registryProblem } from './cluster-registry.js';
import { clusterImages } from './runtime-cluster.js';
import { type LoadedScenario, listScenarioIds, loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/grpc-lb-lab';
const workRoot = mkdtempSync(join(tmpdir(), 'cluster-kustomization-'));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));

const kindScenarios = listScenarioIds(scenariosDir)
  .map((id) => loadScenario(scenariosDir, id, repoRoot))
  .filter(({ scenario }) => scenario.runtimes.includes('kind'));

/** Every image of every container and init container, wherever the pod template sits. */
function podImages(object: KubeObject): string[] {
  const spec = (object as { spec?: { template?: { spec?: Record<string, unknown> } } }).spec
    ?.template?.spec;
  return (['initContainers', 'containers'] as const).flatMap((field) =>
    ((spec?.[field] as { image?: string }[] | undefined) ?? []).map((c) => c.image ?? ''),
  );
}

async function render(loaded: LoadedScenario, namespace: string): Promise<KubeObject[]> {
  const outDir = join(workRoot, namespace, loaded.scenario.id);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'kustomization.yaml'),
    clusterKustomization({
      outDir,
      scenarioDir: loaded.dir,
      images: clusterImages(repoRoot, loaded, { registry: REGISTRY, platform: 'linux/amd64' }),
      scenario: loaded.scenario,
      namespace,
    }),
  );
  return (await renderKustomization(outDir)).objects;
}

describe.each(kindScenarios.map((loaded) => [loaded.scenario.id, loaded] as const))(
  '%s through the cluster overlay',
  (_id, loaded) => {
    it('runs only registry images and pinned third-party ones, init containers included', async () => {
      const objects = await render(loaded, 'grpc-lb');
      const images = objects.flatMap(podImages);
      const own = images.filter((image) => image.startsWith(`${REGISTRY}/`));
      const others = images.filter((image) => !image.startsWith(`${REGISTRY}/`));
      expect(own.length).toBeGreaterThan(0);
      for (const image of own) expect(image).toMatch(/:[0-9a-f]{12}-linux-amd64$/);
      for (const image of others) {
        expect(image.startsWith('grpc-lb-lab/')).toBe(false);
        expect(image).toMatch(/:(?!latest$)[\w][\w.-]*$/);
      }
      const expected = clusterImages(repoRoot, loaded, {
        registry: REGISTRY,
        platform: 'linux/amd64',
      }).map((image) => image.ref);
      expect(new Set(own)).toEqual(new Set(expected));
    });

    it("labels the namespace as the lab's and keeps every object in it", async () => {
      const objects = await render(loaded, 'grpc-lb');
      const namespace = objects.find((o) => o.kind === 'Namespace');
      expect(namespace?.metadata.labels?.[LAB_MANAGED_BY_LABEL]).toBe(LAB_MANAGER);
      expect(
        clusterManifestProblems({
          objects,
          namespace: 'grpc-lb',
          scenarioNamespace: 'grpc-lb',
          registry: REGISTRY,
        }),
      ).toEqual([]);
    });
  },
);

describe('another namespace', () => {
  it('l4-lb moves whole to team-a, client targets included, and nothing names grpc-lb', async () => {
    const objects = await render(loadScenario(scenariosDir, 'l4-lb', repoRoot), 'team-a');
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata.name).toBe('team-a');
    expect(objects.some((o) => o.kind === 'ConfigMap')).toBe(false);
    const args = objects
      .filter((o) => o.kind === 'Job')
      .flatMap((o) => JSON.stringify(o).match(/--target=[^"]+/g) ?? []);
    expect(args.sort()).toEqual([
      '--target=dns:///addr-server.team-a.svc.cluster.local:50051',
      '--target=dns:///addr-server.team-a.svc.cluster.local:50051',
      '--target=http://addr-server.team-a.svc.cluster.local:8080',
    ]);
    expect(
      clusterManifestProblems({
        objects,
        namespace: 'team-a',
        scenarioNamespace: 'grpc-lb',
        registry: REGISTRY,
      }),
    ).toEqual([]);
  });

  it('api-resolver: the kubernetes:/// target and the RoleBinding subject follow the namespace', async () => {
    const objects = await render(loadScenario(scenariosDir, 'api-resolver', repoRoot), 'team-a');
    const text = JSON.stringify(objects);
    expect(text).toContain('--target=kubernetes:///addr-server.team-a:grpc');
    const binding = objects.find((o) => o.kind === 'RoleBinding') as unknown as {
      subjects: { namespace: string }[];
    };
    expect(binding.subjects.map((s) => s.namespace)).toEqual(['team-a']);
    expect(
      clusterManifestProblems({
        objects,
        namespace: 'team-a',
        scenarioNamespace: 'grpc-lb',
        registry: REGISTRY,
      }),
    ).toEqual([]);
  });
});

describe('retargetNamespace', () => {
  it.each([
    [
      'dns:///addr-server.grpc-lb.svc.cluster.local:50051',
      'dns:///addr-server.team-a.svc.cluster.local:50051',
    ],
    ['xds:///addr-server.grpc-lb', 'xds:///addr-server.team-a'],
    ['kubernetes:///addr-server.grpc-lb:grpc', 'kubernetes:///addr-server.team-a:grpc'],
    [
      'http://addr-server.grpc-lb.svc.cluster.local:8080',
      'http://addr-server.team-a.svc.cluster.local:8080',
    ],
  ])('%s → %s', (from, to) => {
    expect(retargetNamespace(from, 'grpc-lb', 'team-a')).toBe(to);
  });

  it('leaves targets that do not name a Service in the namespace', () => {
    expect(retargetNamespace('dns:///localhost:9211', 'grpc-lb', 'team-a')).toBeUndefined();
    expect(
      retargetNamespace('dns:///grpc-lb.example.com:443', 'grpc-lb', 'team-a'),
    ).toBeUndefined();
    expect(retargetNamespace('not a target', 'grpc-lb', 'team-a')).toBeUndefined();
  });
});

describe('registryProblem', () => {
  it.each([
    'europe-west1-docker.pkg.dev/my-project/grpc-lb-lab',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/grpc-lb-lab',
    'myregistry.azurecr.io/grpc-lb-lab',
    'localhost:5000/lab',
    'ghcr.io/someone/grpc-lb-lab',
  ])('accepts %s', (prefix) => expect(registryProblem(prefix)).toBeUndefined());

  it.each([
    ['https://ghcr.io/someone', 'drop the scheme: ghcr.io/someone'],
    ['ghcr.io/someone/', 'drop the trailing slash: ghcr.io/someone'],
    ['ghcr.io/Someone', 'not an image name prefix'],
    ['ghcr.io/someone:v1', 'not an image name prefix'],
  ])('refuses %s', (prefix, message) => expect(registryProblem(prefix)).toContain(message));
});
