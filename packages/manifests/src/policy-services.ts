import type { IService } from 'kubernetes-models/v1/Service';
import { type KubeObject, objectRef } from './kube-object.js';
import { type PodTemplate, podTemplates } from './pod-templates.js';
import type { Violation } from './policy-violation.js';

/**
 * What each port name promises about the protocol. Meshes and L7 proxies
 * decide how to balance from appProtocol (or, failing that, the name): a gRPC
 * port seen as plain TCP is balanced per connection, which is the very
 * problem the lab shows.
 */
const APP_PROTOCOL_BY_NAME: [RegExp, string][] = [
  [/^grpc(-|$)/, 'kubernetes.io/h2c'],
  // A grpclb balancer's port (named so for its _grpclb._tcp SRV record) speaks gRPC too.
  [/^grpclb$/, 'kubernetes.io/h2c'],
  [/^http(-|$)/, 'http'],
];

function selects(selector: Record<string, string>, pod: PodTemplate): boolean {
  return Object.entries(selector).every(([key, value]) => pod.labels[key] === value);
}

/**
 * Services have named ports with an appProtocol that matches the name, target
 * container ports by name, and select pods that exist in the same manifests.
 */
export function serviceViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  const pods = podTemplates(objects);
  for (const object of objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1')) {
    const service = object as unknown as IService;
    const ref = objectRef(object);
    const add = (path: string, message: string) =>
      violations.push({ rule: 'services', object: ref, path, message });
    const spec = service.spec ?? {};
    const selector = spec.selector ?? {};
    const selected = pods.filter(
      (pod) =>
        Object.keys(selector).length > 0 &&
        (pod.owner.metadata.namespace ?? '') === (object.metadata.namespace ?? '') &&
        selects(selector, pod),
    );
    if (selected.length === 0) add('spec.selector', 'selects no pod template in these manifests');
    const containerPorts = selected.flatMap((pod) =>
      (pod.spec.containers ?? []).flatMap((container) => container.ports ?? []),
    );
    for (const [i, port] of (spec.ports ?? []).entries()) {
      const at = `spec.ports[${i}]`;
      if (!port.name) {
        add(`${at}.name`, 'every port needs a name (grpc, http, …)');
      } else {
        const expected = APP_PROTOCOL_BY_NAME.find(([pattern]) => pattern.test(port.name!))?.[1];
        if (!port.appProtocol) add(`${at}.appProtocol`, 'must be set');
        else if (expected && port.appProtocol !== expected) {
          add(
            `${at}.appProtocol`,
            `port ${port.name} must say ${expected}, not ${port.appProtocol}`,
          );
        }
      }
      const target = port.targetPort ?? port.port;
      if (typeof target === 'string') {
        if (selected.length > 0 && !containerPorts.some((p) => p.name === target)) {
          add(`${at}.targetPort`, `no selected container has a port named ${target}`);
        }
      } else {
        add(
          `${at}.targetPort`,
          'must name a container port, so that port numbers live in one place',
        );
      }
      if (spec.type === 'NodePort' && port.nodePort === undefined) {
        add(
          `${at}.nodePort`,
          'must be fixed, so that k8s/kind/cluster.yaml can map it to the host',
        );
      }
    }
  }
  return violations;
}
