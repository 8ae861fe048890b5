import { posix, relative, sep } from 'node:path';
import { stringify } from 'yaml';
import type { AppImage } from './kind-images.js';

/** Where a run's generated kustomization goes, from the repository root (.lab/ is gitignored). */
export function generatedKustomizationDir(
  scenarioId: string,
  runtime: 'kind' | 'cluster' = 'kind',
): string {
  return posix.join('.lab', runtime, scenarioId);
}

/**
 * The scenario's own kustomization as its only resource, with the images
 * this run built: kustomize's `images:` sets each tag wherever the image is
 * used, so no manifest is edited and nothing is replaced as text.
 * `outDir` and `scenarioDir` are both from the repository root (or both
 * absolute): the resource is the path from one to the other.
 */
export function generatedKustomization(
  outDir: string,
  scenarioDir: string,
  images: readonly AppImage[],
): string {
  const resource = relative(outDir, scenarioDir).split(sep).join('/');
  const body = stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [resource],
    images: images.map((image) => ({ name: image.repository, newTag: image.tag })),
  });
  return `# Written by pnpm lab --runtime kind for this run: the scenario's manifests with\n# the images built from the sources as they are now. Regenerated on every run.\n${body}`;
}
