import type { KubeObject } from './kube-object.js';
import { envoyViolations } from './policy-envoy.js';
import { imageViolations } from './policy-images.js';
import { labelViolations } from './policy-labels.js';
import { probeViolations } from './policy-probes.js';
import { rbacViolations } from './policy-rbac.js';
import { resourceViolations } from './policy-resources.js';
import { securityViolations } from './policy-security.js';
import { serviceViolations } from './policy-services.js';
import type { Violation } from './policy-violation.js';

/**
 * Every lab policy over a set of rendered objects (one scenario's manifests):
 * an empty list means they are fit to apply.
 */
export function policyViolations(objects: readonly KubeObject[]): Violation[] {
  return [
    labelViolations,
    securityViolations,
    probeViolations,
    resourceViolations,
    serviceViolations,
    rbacViolations,
    imageViolations,
    envoyViolations,
  ].flatMap((policy) => policy(objects));
}
