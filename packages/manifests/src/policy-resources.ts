import type { KubeObject } from './kube-object.js';
import { containers } from './pod-templates.js';
import type { Violation } from './policy-violation.js';

/**
 * Requests for CPU and memory (the scheduler spreads pods over the kind
 * workers by them) and a memory limit. No CPU limit is required: throttling
 * would show up as latency that the lab would blame on the balancing.
 */
export function resourceViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  for (const { pod, container, path } of containers(objects)) {
    const { requests = {}, limits = {} } = container.resources ?? {};
    const missing = [
      requests.cpu === undefined && 'requests.cpu',
      requests.memory === undefined && 'requests.memory',
      limits.memory === undefined && 'limits.memory',
    ].filter((field): field is string => field !== false);
    for (const field of missing) {
      violations.push({
        rule: 'resources',
        object: pod.ref,
        path: `${path}.resources.${field}`,
        message: 'must be set',
      });
    }
  }
  return violations;
}
