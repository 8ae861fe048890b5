import type { KubeObject } from './kube-object.js';
import { containers, podTemplates } from './pod-templates.js';
import type { Violation } from './policy-violation.js';

/**
 * The "restricted" Pod Security Standard, which the grpc-lb namespace also
 * enforces at admission: checked here so that a regression fails in CI, not
 * at `kubectl apply`. Plus a read-only root filesystem, which no standard
 * requires but none of the lab's programs needs to write.
 */
export function securityViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  for (const pod of podTemplates(objects)) {
    const add = (path: string, message: string) =>
      violations.push({ rule: 'security', object: pod.ref, path: `${pod.path}${path}`, message });
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (pod.spec[field]) add(`spec.${field}`, 'must not share the node’s namespaces');
    }
  }
  for (const { pod, container, path } of containers(objects)) {
    const add = (field: string, message: string) =>
      violations.push({ rule: 'security', object: pod.ref, path: `${path}.${field}`, message });
    const podContext = pod.spec.securityContext ?? {};
    const context = container.securityContext ?? {};
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) {
      add('securityContext.runAsNonRoot', 'must be true (here or in the pod’s securityContext)');
    }
    if ((context.runAsUser ?? podContext.runAsUser) === 0) {
      add('securityContext.runAsUser', 'must not be 0 (root)');
    }
    const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      add('securityContext.seccompProfile', 'must be RuntimeDefault (here or in the pod’s)');
    }
    if (context.allowPrivilegeEscalation !== false) {
      add('securityContext.allowPrivilegeEscalation', 'must be false');
    }
    if (context.privileged) add('securityContext.privileged', 'must not be true');
    if (context.readOnlyRootFilesystem !== true) {
      add('securityContext.readOnlyRootFilesystem', 'must be true');
    }
    if (!context.capabilities?.drop?.includes('ALL')) {
      add('securityContext.capabilities.drop', 'must drop ALL');
    }
    if (context.capabilities?.add?.length) {
      add('securityContext.capabilities.add', 'must add no capability');
    }
  }
  return violations;
}
