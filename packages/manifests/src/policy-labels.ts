import { type KubeObject, objectRef } from './kube-object.js';
import { podTemplates } from './pod-templates.js';
import type { Violation } from './policy-violation.js';

export const NAME_LABEL = 'app.kubernetes.io/name';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF = 'grpc-lb-lab';

/**
 * Every object says which program it belongs to and that it is the lab's, so
 * that the kind runtime can select, list and delete by label, and pods carry
 * the labels of their workload.
 */
export function labelViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  const add = (object: string, path: string, message: string) =>
    violations.push({ rule: 'labels', object, path, message });
  for (const object of objects) {
    const labels = object.metadata.labels ?? {};
    if (!labels[NAME_LABEL]) add(objectRef(object), 'metadata.labels', `no ${NAME_LABEL}`);
    if (labels[PART_OF_LABEL] !== PART_OF) {
      add(objectRef(object), 'metadata.labels', `${PART_OF_LABEL} must be ${PART_OF}`);
    }
  }
  for (const pod of podTemplates(objects)) {
    if (pod.path === '') continue;
    const ownerLabels = pod.owner.metadata.labels ?? {};
    for (const key of [NAME_LABEL, PART_OF_LABEL]) {
      if (pod.labels[key] !== ownerLabels[key]) {
        add(
          pod.ref,
          `${pod.path}metadata.labels`,
          `${key} must be ${ownerLabels[key] ?? '(set)'}, as on the ${pod.owner.kind}`,
        );
      }
    }
  }
  return violations;
}
