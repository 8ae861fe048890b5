import type { KubeObject } from './kube-object.js';
import { containers } from './pod-templates.js';
import { NAME_LABEL } from './policy-labels.js';
import type { Violation } from './policy-violation.js';

/** Images the lab builds from apps/<name>/Dockerfile and loads into kind. */
export const LAB_IMAGE_PREFIX = 'grpc-lb-lab/';

/** `name[:tag][@digest]` split at the tag's colon, not a registry port's. */
function splitImage(image: string): { name: string; tag: string | undefined; digest: boolean } {
  const [withoutDigest = '', digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash
    ? { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest: !!digest }
    : { name: withoutDigest, tag: undefined, digest: !!digest };
}

/**
 * Images have a fixed tag (the kind runtime overrides lab tags with kustomize
 * `images:`, which finds them by name); lab images are never pulled, since
 * kind has them loaded and no registry holds them; and a lab image runs in
 * the workload of the program it was built from.
 */
export function imageViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  for (const { pod, container, path } of containers(objects)) {
    const add = (field: string, message: string) =>
      violations.push({ rule: 'images', object: pod.ref, path: `${path}.${field}`, message });
    const image = container.image ?? '';
    const { name, tag, digest } = splitImage(image);
    if (!digest && (tag === undefined || tag === 'latest')) {
      add('image', `${image} needs a fixed tag, not latest`);
    }
    if (!name.startsWith(LAB_IMAGE_PREFIX)) continue;
    if (container.imagePullPolicy !== 'IfNotPresent' && container.imagePullPolicy !== 'Never') {
      add('imagePullPolicy', 'must be IfNotPresent or Never: lab images are loaded, not pulled');
    }
    const program = name.slice(LAB_IMAGE_PREFIX.length);
    if (pod.labels[NAME_LABEL] !== program) {
      add('image', `${name} runs in a pod labelled ${NAME_LABEL}=${pod.labels[NAME_LABEL]}`);
    }
  }
  return violations;
}
