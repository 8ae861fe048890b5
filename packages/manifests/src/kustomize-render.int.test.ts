import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubectlMissingError, parseManifests, renderKustomization } from './kustomize-render.js';
import { k8sPaths } from './repo-paths.js';

const dirs: string[] = [];
function kustomization(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kustomization-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'kustomization.yaml'), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('renderKustomization', () => {
  it('renders k8s/base into objects and the YAML kubectl printed', async () => {
    const { yaml, objects } = await renderKustomization(k8sPaths.base);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/grpc-lb',
      'Service/addr-server',
      'Deployment/addr-server',
    ]);
    expect(parseManifests(yaml, 'again')).toEqual(objects);
  });

  it('says so when kubectl is not installed', async () => {
    const render = renderKustomization(k8sPaths.base, { kubectl: 'kubectl-not-installed' });
    await expect(render).rejects.toThrow(KubectlMissingError);
    await expect(render).rejects.toThrow(/kubectl-not-installed not found: .*kubectl kustomize/);
  });

  it("passes kustomize's own error on", async () => {
    const dir = kustomization('resources:\n  - missing.yaml\n');
    await expect(renderKustomization(dir)).rejects.toThrow(
      new RegExp(`kubectl kustomize ${dir} failed: .*missing.yaml`),
    );
  });
});

describe('parseManifests', () => {
  it('skips empty documents and refuses what is not a Kubernetes object', () => {
    expect(
      parseManifests('---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n', 's'),
    ).toHaveLength(1);
    expect(() => parseManifests('apiVersion: v1\nkind: Namespace\n', 'stream')).toThrow(
      'stream: document 1 is not a Kubernetes object (apiVersion, kind and metadata.name)',
    );
    expect(() => parseManifests('a: [1,\n', 'stream')).toThrow(/^stream: document 1: /);
  });
});
