/** One place where rendered manifests break a lab policy. */
export interface Violation {
  /** The policy: labels, security, probes, graceful-shutdown, resources, services, rbac, images. */
  rule: string;
  /** `Kind/namespace/name` */
  object: string;
  /** kubectl-style field path inside the object; empty for the object as a whole. */
  path: string;
  message: string;
}

export function formatViolation(violation: Violation): string {
  const where = violation.path ? ` ${violation.path}` : '';
  return `[${violation.rule}] ${violation.object}${where}: ${violation.message}`;
}
