import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { isRecord, type KubeObject, objectRef } from './kube-object.js';

/** The pods a workload object would create, as the policies see them. */
export interface PodTemplate {
  owner: KubeObject;
  /** `Deployment/grpc-lb/addr-server` */
  ref: string;
  /** Field path of the template inside the owner, for messages. */
  path: string;
  labels: Record<string, string>;
  spec: IPodSpec;
}

export interface ContainerInPod {
  pod: PodTemplate;
  container: IContainer;
  /** `spec.template.spec.containers[0]` */
  path: string;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function at(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);
}

/** Pod templates of every workload, and bare Pods, in the order given. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const owner of objects) {
    if (owner.kind === 'Pod') {
      templates.push({
        owner,
        ref: objectRef(owner),
        path: '',
        labels: owner.metadata.labels ?? {},
        spec: (owner.spec ?? {}) as IPodSpec,
      });
      continue;
    }
    const path = TEMPLATE_PATHS[owner.kind];
    if (!path) continue;
    const template = at(owner, path);
    if (!isRecord(template)) continue;
    const labels = at(template, ['metadata', 'labels']);
    templates.push({
      owner,
      ref: objectRef(owner),
      path: `${path.join('.')}.`,
      labels: isRecord(labels) ? (labels as Record<string, string>) : {},
      spec: (template.spec ?? {}) as IPodSpec,
    });
  }
  return templates;
}

/** Every container and init container of every pod template. */
export function containers(objects: readonly KubeObject[]): ContainerInPod[] {
  return podTemplates(objects).flatMap((pod) =>
    (['initContainers', 'containers'] as const).flatMap((field) =>
      (pod.spec[field] ?? []).map((container, i) => ({
        pod,
        container,
        path: `${pod.path}spec.${field}[${i}]`,
      })),
    ),
  );
}

/** The ServiceAccount a pod runs as, as the API server fills it in. */
export function serviceAccountOf(pod: PodTemplate): string {
  return pod.spec.serviceAccountName || 'default';
}
