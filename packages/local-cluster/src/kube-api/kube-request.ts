import type { IncomingMessage } from 'node:http';
import { findResource, type ResourceDef } from './kube-resources.js';
import { ApiError, badRequest, entityTooLarge, unsupportedMediaType } from './kube-status.js';

/** The API server's limit on a request body. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourceRequest {
  resource: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated /watch/ path prefix. */
  watchPath: boolean;
}

export function splitPath(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
}

/** Maps /api/v1/... and /apis/<group>/<version>/... onto a served resource, as the API server's RequestInfoResolver. */
export function resolveResource(segments: string[]): ResourceRequest | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    [group, version, rest] = ['', segments[1] ?? '', segments.slice(2)];
  } else if (segments[0] === 'apis') {
    [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  } else {
    return undefined;
  }
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  const [plural, name, subresource] = rest as [string, string?, string?];
  const resource = findResource(group, version, plural);
  if (!resource) return undefined;
  // A namespaced resource read by name needs its namespace in the path.
  if (resource.namespaced && name !== undefined && namespace === undefined) return undefined;
  if (!resource.namespaced && namespace !== undefined) return undefined;
  if (subresource !== undefined && !resource.subresources.some((s) => s.name === subresource))
    return undefined;
  return { resource, namespace, name, subresource, watchPath };
}

export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((range) => {
    const type = range.split(';')[0]?.trim();
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

/** The API server indents JSON for ?pretty=true and for curl, wget and browsers. */
export function wantsPretty(req: IncomingMessage, url: URL): boolean {
  const pretty = url.searchParams.get('pretty');
  if (pretty !== null) return pretty === 'true' || pretty === '1';
  const agent = req.headers['user-agent'] ?? '';
  return agent.startsWith('curl') || agent.startsWith('Wget') || agent.startsWith('Mozilla/5.0');
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(entityTooLarge(MAX_BODY_BYTES));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(req: IncomingMessage, body: string): unknown {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim();
  if (type !== 'application/json') throw new ApiError(unsupportedMediaType(['application/json']));
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ApiError(badRequest(`error decoding request body: ${(error as Error).message}`));
  }
}
