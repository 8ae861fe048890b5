import { cloneObject, type KubeObject } from './kube-object.js';
import { ApiError, invalid } from './kube-status.js';
import { formatMatchLabels } from './label-selector.js';

interface DeploymentView {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number };
}

/** The autoscaling/v1 Scale of a Deployment, as the deployments/scale subresource serves it. */
export function toScale(deployment: KubeObject): KubeObject {
  const d = deployment as KubeObject & DeploymentView;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = deployment.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: d.spec?.replicas ?? 0 },
    status: {
      replicas: d.status?.replicas ?? 0,
      selector: formatMatchLabels(d.spec?.selector?.matchLabels ?? {}),
    },
  };
}

/** The replica count a Scale asks for; 422 Invalid as the API server validates it. */
export function scaleReplicas(scale: unknown, name: string): number {
  const replicas = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
        {
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          detail: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]),
    );
  }
  return replicas;
}

/** The Deployment with a new spec.replicas: everything else stays as stored. */
export function withReplicas(deployment: KubeObject, replicas: number): KubeObject {
  const next = cloneObject(deployment) as KubeObject & DeploymentView;
  next.spec = { ...next.spec, replicas };
  return next;
}
