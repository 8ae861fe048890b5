import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeObject, renderKustomization } from '@lab/manifests';
import { clusterKustomization } from './cluster-kustomization.js';
import type { KustomizationInput } from './kind-cluster.js';
import { IMAGE_REPOSITORY_PREFIX } from './kind-images.js';

export interface ManifestCheck {
  objects: readonly KubeObject[];
  /** The run's namespace. */
  namespace: string;
  /** The namespace the scenario's manifests were written for. */
  scenarioNamespace: string;
  /** The registry prefix every lab image must now start with. */
  registry: string;
}

/** An image the lab does not build: fine when pinned (a tag other than latest, or a digest). */
function pinnedThirdParty(image: string): boolean {
  if (image.startsWith(IMAGE_REPOSITORY_PREFIX)) return false;
  if (image.includes('@sha256:')) return true;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash && image.slice(colon + 1) !== 'latest';
}

/** Every string in `value` with its field path, for the namespace scan. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* strings(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      yield* strings(item, path ? `${path}.${key}` : key);
  }
}

/** Container images anywhere in an object (Deployments, Jobs, DaemonSets, bare Pods...). */
function* images(value: unknown, path: string): Generator<[string, string]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* images(item, `${path}[${index}]`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(item)) {
      for (const [index, container] of item.entries()) {
        yield [`${here}[${index}].image`, String((container as { image?: unknown }).image ?? '')];
      }
    } else yield* images(item, here);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What stops a cluster run before it touches the cluster, from the rendered
 * overlay: an object outside the run's namespace (cluster-scoped, or another
 * namespace); a lab image not mapped to the registry, or a third-party image
 * without a fixed tag; and, in another namespace than the scenario's, any
 * string that still names the scenario's namespace as a DNS label (an Envoy
 * config in a ConfigMap, an Istio host, a resolver target the overlay does
 * not rewrite), since it would send traffic to a namespace that is not there.
 */
export function clusterManifestProblems(check: ManifestCheck): string[] {
  const { objects, namespace, scenarioNamespace, registry } = check;
  const problems: string[] = [];
  const oldLabel =
    namespace === scenarioNamespace
      ? undefined
      : new RegExp(`(?<![a-z0-9-])${escapeRegExp(scenarioNamespace)}(?![a-z0-9-])`);
  for (const object of objects) {
    const ref = `${object.kind}/${object.metadata.name}`;
    const inside =
      object.kind === 'Namespace'
        ? object.metadata.name === namespace
        : object.metadata.namespace === namespace;
    if (!inside) {
      problems.push(
        `${ref}: outside namespace ${namespace} (${object.metadata.namespace ? `in ${object.metadata.namespace}` : 'cluster-scoped'}); the lab touches nothing else`,
      );
    }
    for (const [path, image] of images(object, '')) {
      if (image.startsWith(`${registry}/`)) continue;
      if (!pinnedThirdParty(image)) {
        problems.push(
          `${ref} ${path}: ${image || '(none)'} is neither from ${registry}/ nor a third-party image with a fixed tag`,
        );
      }
    }
    if (!oldLabel) continue;
    for (const [path, text] of strings(object, '')) {
      if (oldLabel.test(text)) {
        const line =
          text
            .split('\n')
            .find((l) => oldLabel.test(l))
            ?.trim() ?? text;
        problems.push(`${ref} ${path}: still names namespace ${scenarioNamespace}: ${line}`);
      }
    }
  }
  return problems;
}

/**
 * Renders the overlay a cluster run would write, with `kubectl kustomize`
 * in a scratch folder, and checks it. Local and read-only: it runs before
 * the guard, before --dry-run prints, and before anything is built.
 */
export async function checkClusterManifests(
  input: Omit<KustomizationInput, 'outDir'> & { registry: string },
): Promise<{ objects: KubeObject[]; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-lab-cluster-'));
  try {
    writeFileSync(join(dir, 'kustomization.yaml'), clusterKustomization({ ...input, outDir: dir }));
    const { objects } = await renderKustomization(dir);
    const problems = clusterManifestProblems({
      objects,
      namespace: input.namespace,
      scenarioNamespace: input.scenario.namespace,
      registry: input.registry,
    });
    return { objects, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
