/**
 * The generated kustomization, rendered by `kubectl kustomize` (the kustomize
 * inside `kubectl apply -k`): every image carries this run's tag, and the
 * objects split by label as the kind runtime applies them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeObject, renderKustomization } from '@lab/manifests';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppImage, appsFor, IMAGE_REPOSITORY_PREFIX } from './kind-images.js';
import { generatedKustomization, generatedKustomizationDir } from './kind-kustomization.js';
import { serverPodSelector } from './runtime-kind.js';
import { listScenarioIds, loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');
const workRoot = mkdtempSync(join(tmpdir(), 'kind-kustomization-'));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));

const kindScenarios = listScenarioIds(scenariosDir)
  .map((id) => loadScenario(scenariosDir, id, repoRoot))
  .filter(({ scenario }) => scenario.runtimes.includes('kind'));

function imagesOf(apps: AppImage['app'][]): AppImage[] {
  return apps.map((app, index) => {
    const tag = `0123456789a${index}`;
    const repository = `${IMAGE_REPOSITORY_PREFIX}${app}`;
    return { app, repository, tag, ref: `${repository}:${tag}`, dockerfile: '' };
  });
}

interface PodSpecLike {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

function containerImages(object: KubeObject): string[] {
  const spec = (object as { spec?: { template?: { spec?: PodSpecLike } } }).spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map(
    (container) => container.image ?? '',
  );
}

const component = (object: KubeObject) =>
  (object.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/component'];

describe('generatedKustomization', () => {
  it('has the scenario folder as its only resource and an images entry per built image', () => {
    const text = generatedKustomization(
      '.lab/kind/l4-lb',
      'k8s/scenarios/l4-lb',
      imagesOf(['addr-server', 'client-grpc']),
    );
    expect(text).toContain(
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - ../../../k8s/scenarios/l4-lb',
        'images:',
        '  - name: grpc-lb-lab/addr-server',
        '    newTag: 0123456789a0',
        '  - name: grpc-lb-lab/client-grpc',
        '    newTag: 0123456789a1',
      ].join('\n'),
    );
    expect(generatedKustomizationDir('l4-lb')).toBe('.lab/kind/l4-lb');
  });
});

describe.each(kindScenarios.map((loaded) => [loaded.scenario.id, loaded] as const))(
  '%s, rendered with kubectl kustomize',
  (id, { scenario, dir }) => {
    const images = imagesOf(appsFor(scenario));
    const render = async () => {
      const outDir = join(workRoot, generatedKustomizationDir(id));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(
        join(outDir, 'kustomization.yaml'),
        generatedKustomization(outDir, dir, images),
      );
      return (await renderKustomization(outDir)).objects;
    };

    it("runs the lab's containers on this run's images, and every image built is used", async () => {
      const objects = await render();
      // Proxies and meshes bring their own upstream images, pinned by the images policy.
      const used = objects.flatMap(containerImages).filter((i) => i.startsWith('grpc-lb-lab/'));
      expect(used.length).toBeGreaterThan(0);
      for (const image of used) expect(images.map((i) => i.ref)).toContain(image);
      expect(new Set(used)).toEqual(new Set(images.map((image) => image.ref)));
    });

    it('splits into server objects and one client Job per scenario client, named client-<name>', async () => {
      const objects = await render();
      const server = objects.filter((object) => component(object) !== 'client');
      const clients = objects.filter((object) => component(object) === 'client');
      expect(server.map((o) => o.kind)).toEqual(
        expect.arrayContaining(['Namespace', 'Service', 'Deployment']),
      );
      expect(server.some((o) => o.kind === 'Job')).toBe(false);
      // A client's own config (an Envoy sidecar's bootstrap, say) goes with it.
      const jobs = clients.filter((o) => o.kind === 'Job');
      expect(jobs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        scenario.clients.map((client) => `Job/client-${client.name}`).sort(),
      );
      const deployment = server.find((o) => o.kind === 'Deployment');
      expect(deployment?.metadata.name).toBe(scenario.server.name);
      const podLabels = (
        deployment as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }
      ).spec?.template?.metadata?.labels;
      const [key, value] = serverPodSelector(scenario).split('=');
      expect(podLabels?.[key ?? '']).toBe(value);
      expect(
        objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === scenario.namespace),
      ).toBe(true);
    });
  },
);
