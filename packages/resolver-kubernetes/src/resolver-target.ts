/**
 * `kubernetes:` target syntax, the same as kuberesolver's (Go). This module
 * imports nothing from grpc-js, so a command line can check a target before
 * it decides how grpc-js is loaded (`@lab/resolver-kubernetes/target`).
 */

export const KUBERNETES_SCHEME = 'kubernetes';

/** The namespace kuberesolver falls back to outside a pod, and so does this resolver. */
export const DEFAULT_NAMESPACE = 'default';

export type KubernetesPort =
  /** Used as is: it is the pod's port (the EndpointSlice port), not the Service port. */
  | { kind: 'number'; number: number }
  /** Looked up by name in each EndpointSlice's ports. */
  | { kind: 'name'; name: string }
  /** No port in the target: each slice's first port, as kuberesolver does. */
  | { kind: 'first' };

export interface KubernetesTarget {
  service: string;
  /** Unset when the target names none; the resolver then uses the client's own namespace. */
  namespace: string | undefined;
  port: KubernetesPort;
}

export const TARGET_FORMS =
  'kubernetes:///service[.namespace][:port|:port-name] or kubernetes://namespace/service[:port|:port-name]';

export class KubernetesTargetError extends Error {
  override readonly name = 'KubernetesTargetError';
  constructor(
    message: string,
    /** What is wrong, without the target and the forms: for callers that word their own line. */
    readonly reason: string,
  ) {
    super(message);
  }
}

// Service names are DNS-1035 labels, namespaces and port names DNS-1123 labels.
const SERVICE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Parses the parts grpc-js hands a resolver (`scheme:[//authority/]path`).
 * grpc-js's parser needs a non-empty path after `//authority/`, so the host
 * form `kubernetes://service.namespace:port[/]` arrives as a path that
 * starts with `//`; it is accepted here as kuberesolver accepts it.
 */
export function parseKubernetesTarget(uri: {
  authority?: string | undefined;
  path: string;
}): KubernetesTarget {
  const shown = `${KUBERNETES_SCHEME}:${uri.authority === undefined ? '' : `//${uri.authority}/`}${uri.path}`;
  const fail = (why: string): never => {
    throw new KubernetesTargetError(`bad target '${shown}': ${why} (use ${TARGET_FORMS})`, why);
  };
  if (uri.authority === undefined && uri.path.startsWith('//')) {
    const host = uri.path.slice(2).replace(/\/$/, '');
    if (host.includes('/')) fail(`'${host}' is not service.namespace:port`);
    return parseEndpoint(host, undefined, fail);
  }
  if (uri.authority === undefined || uri.authority === '') {
    return parseEndpoint(uri.path, undefined, fail);
  }
  const namespace = uri.authority;
  if (namespace.includes(':')) {
    fail(`the authority '${namespace}' must be a namespace, with no port`);
  }
  if (!NAMESPACE.test(namespace)) fail(`'${namespace}' is not a namespace name`);
  return parseEndpoint(uri.path, namespace, fail);
}

/** Parses a whole target string, as grpc-js's parser splits it. */
export function parseKubernetesTargetString(text: string): KubernetesTarget {
  const match = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/([^/]*)\/)?(.+)$/.exec(text);
  if (!match || match[1] !== KUBERNETES_SCHEME) {
    const why = `not a ${KUBERNETES_SCHEME}: target`;
    throw new KubernetesTargetError(`bad target '${text}': ${why}`, why);
  }
  return parseKubernetesTarget({ authority: match[2], path: match[3] ?? '' });
}

/** `service.namespace` (and `:port` when numeric): the channel's default authority. */
export function targetAuthority(target: KubernetesTarget): string {
  const host = target.namespace ? `${target.service}.${target.namespace}` : target.service;
  return target.port.kind === 'number' ? `${host}:${target.port.number}` : host;
}

/** `namespace/service:port`, for messages. */
export function describeTarget(target: KubernetesTarget, namespace?: string): string {
  const ns = target.namespace ?? namespace ?? '(default namespace)';
  const port =
    target.port.kind === 'number'
      ? `:${target.port.number}`
      : target.port.kind === 'name'
        ? `:${target.port.name}`
        : '';
  return `${ns}/${target.service}${port}`;
}

function parseEndpoint(
  endpoint: string,
  namespaceFromAuthority: string | undefined,
  fail: (why: string) => never,
): KubernetesTarget {
  if (endpoint === '') fail('no service');
  const colon = endpoint.lastIndexOf(':');
  const name = colon === -1 ? endpoint : endpoint.slice(0, colon);
  const portText = colon === -1 ? undefined : endpoint.slice(colon + 1);
  const parts = name.split('.');
  const [service = '', namespace, svc, ...domain] = parts;
  if (!SERVICE.test(service)) fail(`'${service}' is not a Service name`);
  if (namespaceFromAuthority !== undefined && parts.length > 1) {
    fail(`the namespace is '${namespaceFromAuthority}', so the service '${name}' takes no dots`);
  }
  if (namespace !== undefined && !NAMESPACE.test(namespace)) {
    fail(`'${namespace}' is not a namespace name`);
  }
  // `service.namespace.svc.cluster.local`: the cluster domain is only there
  // so that a fully qualified name can be pasted; it is not checked.
  if (svc !== undefined && (svc !== 'svc' || domain.length === 0 || domain.includes(''))) {
    fail(`'${name}' is not service.namespace or service.namespace.svc.<cluster-domain>`);
  }
  return {
    service,
    namespace: namespaceFromAuthority ?? namespace,
    port: parsePort(portText, fail),
  };
}

function parsePort(text: string | undefined, fail: (why: string) => never): KubernetesPort {
  if (text === undefined) return { kind: 'first' };
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number < 1 || number > 65535) fail(`port '${text}' is not in 1-65535`);
    return { kind: 'number', number };
  }
  if (!PORT_NAME.test(text)) fail(`port '${text}' is neither a number nor a port name`);
  return { kind: 'name', name: text };
}
