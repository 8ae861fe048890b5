import type { IncomingMessage } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { cloneObject, type KubeObject } from './kube-object.js';
import { applyPatch } from './kube-patch.js';
import { parseJsonBody, type ResourceRequest, readBody } from './kube-request.js';
import { scaleReplicas, toScale, withReplicas } from './kube-scale.js';
import { ApiError, badRequest, conflict, invalid, notFound, STALE_OBJECT } from './kube-status.js';
import type { KubeStore } from './kube-store.js';

function without(spec: unknown, key: string): unknown {
  if (spec === null || typeof spec !== 'object') return spec;
  const { [key]: _dropped, ...rest } = spec as Record<string, unknown>;
  return rest;
}

/**
 * PATCH or PUT of a Deployment or its scale subresource; returns the object
 * to answer with. Only spec.replicas changes; the answer comes at once, as
 * from the API server, and whatever watches the store (the local cluster, as
 * a controller would) acts on it.
 */
export async function updateDeployment(
  store: KubeStore,
  req: IncomingMessage,
  url: URL,
  { resource, namespace, name = '' }: ResourceRequest,
  scale: boolean,
): Promise<KubeObject> {
  const body = await readBody(req);
  const gr = { group: resource.group, resource: resource.plural };
  const current = store.get(resource.apiVersion, resource.kind, namespace, name);
  if (!current) throw new ApiError(notFound(gr, name));
  const before = scale ? toScale(current) : current;
  const desired =
    req.method === 'PUT'
      ? parseJsonBody(req, body)
      : applyPatch(cloneObject(before), req.headers['content-type'], body);
  const meta = (desired as { metadata?: { name?: unknown; resourceVersion?: unknown } } | null)
    ?.metadata;
  if (meta?.name !== undefined && meta.name !== name) {
    throw new ApiError(
      badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      ),
    );
  }
  if (
    meta?.resourceVersion !== undefined &&
    meta.resourceVersion !== '' &&
    meta.resourceVersion !== current.metadata.resourceVersion
  ) {
    throw new ApiError(conflict(gr, name, STALE_OBJECT));
  }
  const replicas = scale
    ? scaleReplicas(desired, name)
    : deploymentReplicas(current, desired, name);
  const next = withReplicas(current, replicas);
  let stored: KubeObject;
  if (url.searchParams.has('dryRun')) {
    stored = next;
  } else {
    stored = store.put(next);
  }
  return scale ? toScale(stored) : stored;
}

/** The replica count of an updated Deployment; 422 if anything but spec.replicas changed. */
function deploymentReplicas(current: KubeObject, desired: unknown, name: string): number {
  const spec = (desired as { spec?: { replicas?: unknown } } | null)?.spec;
  const replicas = spec?.replicas ?? 1;
  const kind = { group: 'apps', kind: 'Deployment' };
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      invalid(kind, name, [
        {
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          detail: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]),
    );
  }
  if (!isDeepStrictEqual(without(spec, 'replicas'), without(current.spec, 'replicas'))) {
    throw new ApiError(
      invalid(kind, name, [
        {
          type: 'FieldValueForbidden',
          field: 'spec',
          detail: 'Forbidden: the local cluster changes only spec.replicas of a Deployment',
        },
      ]),
    );
  }
  return replicas;
}
