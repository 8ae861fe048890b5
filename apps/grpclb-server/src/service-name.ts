import {
  type KubernetesPort,
  KubernetesTargetError,
  parseKubernetesTarget,
} from '@lab/resolver-kubernetes/target';

/** The forms a client may ask for, for messages and docs. */
export const SERVICE_NAME_FORMS = 'service[.namespace][.svc.<cluster-domain>][:port|:port-name]';

/** Longer names are refused, as the protocol asks clients to stay under 256 bytes. */
export const MAX_NAME_BYTES = 255;

export interface RequestedService {
  service: string;
  namespace: string;
  port: KubernetesPort;
  /** `namespace/service`: one watch per key, shared by every stream that asks for it. */
  key: string;
  /** `namespace/service:port`, for logs and metric labels. */
  label: string;
}

export class ServiceNameError extends Error {
  override readonly name = 'ServiceNameError';
}

/**
 * Maps the name in an InitialLoadBalanceRequest to a Kubernetes Service, with
 * the `kubernetes:` target rule of the lab's resolver: C-core and Go send the
 * channel's authority (`addr-server.grpc-lb.svc.cluster.local:50051`), a
 * grpc-js client with the lab's policy sends whatever its config names.
 * A name with no namespace is in `defaultNamespace`. The port is the pod's
 * port (an EndpointSlice port), or a port name; without one, each slice's
 * first port.
 */
export function parseServiceName(name: string, defaultNamespace: string): RequestedService {
  const fail = (why: string): never => {
    throw new ServiceNameError(
      `cannot map '${name}' to a Kubernetes Service: ${why} (names are ${SERVICE_NAME_FORMS})`,
    );
  };
  if (name.trim() === '') fail('the name is empty');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) fail(`longer than ${MAX_NAME_BYTES} bytes`);
  // DNS names ignore case and may end with the root dot; Service names are lower case.
  const colon = name.lastIndexOf(':');
  const host = (colon === -1 ? name : name.slice(0, colon)).toLowerCase().replace(/\.$/, '');
  const normalized = colon === -1 ? host : `${host}${name.slice(colon)}`;
  try {
    const target = parseKubernetesTarget({ path: normalized });
    const namespace = target.namespace ?? defaultNamespace;
    const port =
      target.port.kind === 'number'
        ? `:${target.port.number}`
        : target.port.kind === 'name'
          ? `:${target.port.name}`
          : '';
    return {
      service: target.service,
      namespace,
      port: target.port,
      key: `${namespace}/${target.service}`,
      label: `${namespace}/${target.service}${port}`,
    };
  } catch (error) {
    if (error instanceof KubernetesTargetError) return fail(error.reason);
    throw error;
  }
}
