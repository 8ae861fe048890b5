import {
  type KubernetesPort,
  KubernetesTargetError,
  parseKubernetesTarget,
} from '@lab/resolver-kubernetes/target';

/** The forms `--service` takes, for messages and docs. */
export const SERVICE_SPEC_FORMS = 'service[.namespace][:port|:port-name]';

/** Envoy listens for the first Service here, for the next one on the port after, and so on. */
export const DEFAULT_ENVOY_BASE_PORT = 10_000;
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** One Kubernetes Service the control plane serves, and the xDS names derived from it. */
export interface ServiceSpec {
  service: string;
  namespace: string;
  port: KubernetesPort;
  /** `service.namespace`: the host a proxyless client dials (`xds:///addr-server.grpc-lb`). */
  host: string;
  /** `service.namespace.svc.<cluster-domain>`: the FQDN form. */
  fqdn: string;
  /** `service.namespace:port`: the Cluster, its ClusterLoadAssignment and the RouteConfiguration. */
  clusterName: string;
  routeName: string;
  /** The Envoy listener: `0.0.0.0_<port>`, as Istio names its outbound listeners. */
  envoyListenerName: string;
  envoyPort: number;
  /** `namespace/service`: one EndpointSlice watch per key. */
  key: string;
}

export class ServiceSpecError extends Error {
  override readonly name = 'ServiceSpecError';
}

export function portText(port: KubernetesPort): string {
  return port.kind === 'number' ? `${port.number}` : port.kind === 'name' ? port.name : '';
}

/**
 * Parses one `--service`, with the `kubernetes:` target rule of the lab's
 * resolver (a name without a namespace is in `defaultNamespace`; the port is
 * the pod's port, an EndpointSlice port, or its name; none means each
 * slice's first port).
 */
export function parseServiceSpec(
  text: string,
  options: {
    defaultNamespace: string;
    envoyPort: number;
    envoyAddress?: string;
    clusterDomain?: string;
  },
): ServiceSpec {
  try {
    const target = parseKubernetesTarget({ path: text.trim().toLowerCase() });
    const namespace = target.namespace ?? options.defaultNamespace;
    const host = `${target.service}.${namespace}`;
    const port = portText(target.port);
    const clusterName = port === '' ? host : `${host}:${port}`;
    return {
      service: target.service,
      namespace,
      port: target.port,
      host,
      fqdn: `${host}.svc.${options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN}`,
      clusterName,
      routeName: clusterName,
      envoyListenerName: `${options.envoyAddress ?? '0.0.0.0'}_${options.envoyPort}`,
      envoyPort: options.envoyPort,
      key: `${namespace}/${target.service}`,
    };
  } catch (error) {
    if (error instanceof KubernetesTargetError) {
      throw new ServiceSpecError(
        `cannot read '${text}' as a Service: ${error.reason} (use ${SERVICE_SPEC_FORMS})`,
      );
    }
    throw error;
  }
}

/**
 * The Listener names a proxyless client may ask for this Service: grpc-js-xds
 * asks for the target's path as is (`xds:///addr-server.grpc-lb` asks for
 * `addr-server.grpc-lb`), so the short and the FQDN form are both served,
 * bare and with a port: the port name, and every port number the Service's
 * endpoints use for it (`portNumbers`, from the EndpointSlices).
 */
export function apiListenerNames(spec: ServiceSpec, portNumbers: readonly number[]): string[] {
  const suffixes = new Set<string>(['']);
  const named = portText(spec.port);
  if (named !== '') suffixes.add(`:${named}`);
  for (const n of portNumbers) suffixes.add(`:${n}`);
  const names: string[] = [];
  for (const host of [spec.host, spec.fqdn]) {
    for (const suffix of suffixes) names.push(`${host}${suffix}`);
  }
  return names;
}
