/**
 * metav1.Status objects as k8s.io/apimachinery/pkg/api/errors builds them:
 * same code, reason, message wording and details, so clients that branch on
 * them (client-go's IsNotFound, IsConflict, IsResourceExpired...) behave as
 * against a real API server.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/** A request that ends with a Status instead of an object. */
export class ApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }

  get code(): number {
    return this.status.code;
  }
}

/** `deployments.apps`, or `pods` for the core group. */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified({ group, resource }: GroupResource): string {
  return group ? `${resource}.${group}` : resource;
}

function details(gr: GroupResource, name?: string): KubeStatus['details'] {
  return {
    ...(name ? { name } : {}),
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
  };
}

function status(
  code: number,
  reason: string,
  message: string,
  statusDetails?: KubeStatus['details'],
): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(statusDetails ? { details: statusDetails } : {}),
    code,
  };
}

export function notFound(gr: GroupResource, name: string): KubeStatus {
  return status(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name));
}

/** What the router answers for a path it does not serve. */
export function pathNotFound(): KubeStatus {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** apimachinery's NewForbidden, as the namespace lifecycle admission words a protected namespace. */
export function forbidden(gr: GroupResource, name: string, why: string): KubeStatus {
  return status(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${why}`, details(gr, name));
}

/** What the router answers for a method a path does not serve. */
export function methodNotAllowed(): KubeStatus {
  return status(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function conflict(gr: GroupResource, name: string, why: string): KubeStatus {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    details(gr, name),
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): KubeStatus {
  return status(400, 'BadRequest', message);
}

export function expired(message: string): KubeStatus {
  return status(410, 'Expired', message);
}

/** apimachinery's NewInvalid: one cause per field error, summed up in the message. */
export function invalid(
  groupKind: { group: string; kind: string },
  name: string,
  causes: { type: string; field: string; detail: string }[],
): KubeStatus {
  const gk = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind;
  const messages = causes.map((c) => `${c.field}: ${c.detail}`);
  const summary = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return status(422, 'Invalid', `${gk} "${name}" is invalid: ${summary}`, {
    ...(name ? { name } : {}),
    ...(groupKind.group ? { group: groupKind.group } : {}),
    kind: groupKind.kind,
    causes: causes.map((c) => ({
      reason: c.type,
      message: c.detail,
      field: c.field,
    })),
  });
}

/** A JSON patch that decoded but could not be applied (NewGenericServerResponse with 422). */
export function unprocessable(cause: string): KubeStatus {
  return status(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: cause }],
  });
}

export function unsupportedMediaType(accepted: readonly string[]): KubeStatus {
  return status(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function notAcceptable(accepted: readonly string[]): KubeStatus {
  return status(
    406,
    'NotAcceptable',
    `only the following media types are accepted: ${accepted.join(', ')}`,
  );
}

export function entityTooLarge(limit: number): KubeStatus {
  return status(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** storage.NewTooLargeResourceVersionError: a resourceVersion the server has not reached. */
export function tooLargeResourceVersion(requested: number, current: number): KubeStatus {
  return status(
    504,
    'Timeout',
    `Timeout: Too large resource version: ${requested}, current: ${current}`,
    {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    },
  );
}

export function internalError(error: unknown): KubeStatus {
  const message = error instanceof Error ? error.message : String(error);
  return status(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}
