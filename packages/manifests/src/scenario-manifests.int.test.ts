import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderedManifests } from './kustomize-render.js';
import { containers, podTemplates } from './pod-templates.js';
import { policyViolations } from './policy.js';
import { LAB_IMAGE_PREFIX } from './policy-images.js';
import { formatViolation } from './policy-violation.js';
import { appsDir } from './repo-paths.js';
import {
  MissingKustomizationError,
  renderScenario,
  renderScenarioManifests,
  renderScenarioYaml,
  scenarioFolders,
} from './scenario-manifests.js';
import { formatSchemaIssue, validateObjects } from './schema-validate.js';

const folders = scenarioFolders();
const rendered = folders.filter((folder) => folder.kustomization).map((folder) => folder.id);

/** The numeric uid of the last USER of an app's Dockerfile. */
function imageUid(program: string): number | undefined {
  const path = join(appsDir, program, 'Dockerfile');
  if (!existsSync(path)) return undefined;
  const users = DockerfileParser.parse(readFileSync(path, 'utf8'))
    .getInstructions()
    .filter((instruction) => instruction.getKeyword() === 'USER');
  const uid = users.at(-1)?.getArguments()[0]?.getValue().split(':')[0];
  return uid === undefined ? undefined : Number(uid);
}

describe('scenario kustomizations', () => {
  it('exist for every scenario folder', () => {
    expect(folders.length).toBeGreaterThan(0);
    const missing = folders.filter((folder) => !folder.kustomization).map((folder) => folder.id);
    expect(missing, 'scenario folders without a kustomization.yaml').toEqual([]);
  });

  describe.each(rendered)('%s', (id) => {
    let manifests: RenderedManifests;
    beforeAll(async () => {
      manifests = await renderScenarioManifests(id);
    });

    it('renders a namespace, the server, its Service and the clients', () => {
      const kinds = manifests.objects.map((object) => object.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'Service', 'Job']));
      expect(manifests.yaml).toContain('kind: Deployment');
      for (const object of manifests.objects.filter((o) => o.kind !== 'Namespace')) {
        expect(object.metadata.namespace, object.metadata.name).toBe('grpc-lb');
      }
    });

    it('is valid against the Kubernetes OpenAPI schema, with no unknown field', async () => {
      const issues = await validateObjects(manifests.objects);
      expect(issues.map(formatSchemaIssue)).toEqual([]);
    });

    it('meets every lab policy', () => {
      expect(policyViolations(manifests.objects).map(formatViolation)).toEqual([]);
    });

    it("runs each lab image as the uid its Dockerfile's USER names", () => {
      for (const { pod, container, path } of containers(manifests.objects)) {
        const image = container.image ?? '';
        if (!image.startsWith(LAB_IMAGE_PREFIX)) continue;
        const program = image.slice(LAB_IMAGE_PREFIX.length).split(':')[0] ?? '';
        const runAsUser =
          container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
        expect(runAsUser, `${pod.ref} ${path}`).toBe(imageUid(program));
      }
    });

    it('tells every client its node, so window lines say where calls started', () => {
      const clients = containers(manifests.objects).filter(
        ({ pod, container }) =>
          pod.labels['app.kubernetes.io/component'] === 'client' && container.name === 'client',
      );
      expect(clients.length).toBeGreaterThan(0);
      for (const { pod, container } of clients) {
        expect(container.env, pod.ref).toContainEqual({
          name: 'NODE_NAME',
          valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
        });
      }
    });

    it('labels every object with its scenario', () => {
      for (const object of manifests.objects) {
        expect(object.metadata.labels?.['grpc-lb-lab/scenario'], object.metadata.name).toBe(id);
      }
      for (const pod of podTemplates(manifests.objects)) {
        expect(pod.labels['grpc-lb-lab/scenario'], pod.ref).toBe(id);
      }
    });
  });
});

describe('renderScenario and renderScenarioYaml', () => {
  it('give the objects and the YAML text of the same render', async () => {
    const id = rendered[0]!;
    const [objects, yaml] = await Promise.all([renderScenario(id), renderScenarioYaml(id)]);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) expect(yaml).toContain(`name: ${object.metadata.name}`);
  });

  it('refuse an id that is not a scenario folder', async () => {
    await expect(renderScenario('../base')).rejects.toThrow('not a scenario id: "../base"');
    await expect(renderScenario('no-such-scenario')).rejects.toThrow(
      'no scenario no-such-scenario',
    );
  });

  it('report a scenario folder without a kustomization', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenarios-'));
    try {
      mkdirSync(join(dir, 'bare'));
      writeFileSync(join(dir, 'bare', 'scenario.yaml'), 'id: bare\n');
      await expect(renderScenario('bare', { scenariosDir: dir })).rejects.toThrow(
        MissingKustomizationError,
      );
      await expect(renderScenario('bare', { scenariosDir: dir })).rejects.toThrow(
        /scenario bare has no kustomization.yaml/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
