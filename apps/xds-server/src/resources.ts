import { type EndpointSlice, endpointState } from '@lab/resolver-kubernetes';
import { apiListenerNames, type ServiceSpec } from './service-spec.js';
import {
  HCM_TYPE,
  HTTP_PROTOCOL_OPTIONS_TYPE,
  ROUTER_TYPE,
  type XdsResource,
} from './xds-protos.js';

/** The Cluster lb_policy values the server may set. */
export const LB_POLICIES = ['ROUND_ROBIN', 'RING_HASH', 'LEAST_REQUEST'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];
export const DEFAULT_LB_POLICY: LbPolicy = 'ROUND_ROBIN';

/** What a slice endpoint carries beyond what the resolver reads: its topology. */
interface TopologyEndpoint {
  addresses?: string[] | null;
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  targetRef?: { name?: string } | null;
  nodeName?: string | null;
  zone?: string | null;
}

export type HealthStatus = 'HEALTHY' | 'DRAINING' | 'UNHEALTHY';

/**
 * The endpoint conditions, read with the resolver's rule (nil ready means
 * ready, nil serving follows ready): ready → HEALTHY, serving while
 * terminating → DRAINING (Envoy and gRPC send it nothing new, as kube-proxy
 * does once a ready endpoint exists), anything else → UNHEALTHY.
 */
export function healthStatus(conditions: TopologyEndpoint['conditions']): HealthStatus {
  const state = endpointState(conditions);
  return state === 'ready' ? 'HEALTHY' : state === 'serving-terminating' ? 'DRAINING' : 'UNHEALTHY';
}

export interface LbEndpointInfo {
  address: string;
  port: number;
  pod: string | undefined;
  health: HealthStatus;
}

export interface LocalityInfo {
  zone: string;
  /** The node the endpoints run on: Kubernetes has no finer topology. */
  subZone: string;
  endpoints: LbEndpointInfo[];
}

/**
 * The Service's endpoints for its port, grouped into one locality per
 * zone/node pair, deduplicated across slices (an endpoint briefly in two
 * slices keeps its healthier entry), in a stable order so that the same
 * slices always give the same resource.
 */
export function localitiesFrom(
  slices: readonly EndpointSlice[],
  spec: ServiceSpec,
): { localities: LocalityInfo[]; portNumbers: number[] } {
  const byAddress = new Map<string, LbEndpointInfo & { zone: string; subZone: string }>();
  const portNumbers = new Set<number>();
  const rank = { HEALTHY: 0, DRAINING: 1, UNHEALTHY: 2 };
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = slicePort(slice, spec);
    if (port === undefined) continue;
    portNumbers.add(port);
    for (const endpoint of (slice.endpoints ?? []) as TopologyEndpoint[]) {
      const health = healthStatus(endpoint.conditions);
      for (const address of endpoint.addresses ?? []) {
        const key = `${address}:${port}`;
        const before = byAddress.get(key);
        if (before && rank[before.health] <= rank[health]) continue;
        byAddress.set(key, {
          address,
          port,
          pod: endpoint.targetRef?.name ?? undefined,
          health,
          zone: endpoint.zone ?? '',
          subZone: endpoint.nodeName ?? '',
        });
      }
    }
  }
  const groups = new Map<string, LocalityInfo>();
  for (const e of byAddress.values()) {
    const key = `${e.zone}/${e.subZone}`;
    let group = groups.get(key);
    if (!group) {
      group = { zone: e.zone, subZone: e.subZone, endpoints: [] };
      groups.set(key, group);
    }
    group.endpoints.push({ address: e.address, port: e.port, pod: e.pod, health: e.health });
  }
  const localities = [...groups.values()].sort(
    (a, b) => a.zone.localeCompare(b.zone) || a.subZone.localeCompare(b.subZone),
  );
  for (const l of localities) {
    l.endpoints.sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
  }
  return { localities, portNumbers: [...portNumbers].sort((a, b) => a - b) };
}

function slicePort(slice: EndpointSlice, spec: ServiceSpec): number | undefined {
  switch (spec.port.kind) {
    case 'number':
      return spec.port.number;
    case 'name': {
      const name = spec.port.name;
      return slice.ports?.find((p) => (p.name ?? '') === name)?.port ?? undefined;
    }
    case 'first':
      return slice.ports?.[0]?.port ?? undefined;
  }
}

/**
 * envoy.config.endpoint.v3.ClusterLoadAssignment. Each locality weighs as
 * many as its HEALTHY endpoints (at least 1: gRPC drops a locality of
 * weight 0), so that the per-locality pick of gRPC's xds_wrr_locality and
 * Envoy's locality-weighted balancing give every healthy endpoint the same
 * share whatever the spread over nodes.
 */
export function clusterLoadAssignment(spec: ServiceSpec, localities: LocalityInfo[]): XdsResource {
  return {
    name: spec.clusterName,
    cluster_name: spec.clusterName,
    endpoints: localities.map((l) => ({
      locality: { region: '', zone: l.zone, sub_zone: l.subZone },
      lb_endpoints: l.endpoints.map((e) => ({
        endpoint: {
          address: { socket_address: { address: e.address, port_value: e.port } },
          ...(e.pod ? { hostname: e.pod } : {}),
        },
        health_status: e.health,
      })),
      load_balancing_weight: {
        value: Math.max(1, l.endpoints.filter((e) => e.health === 'HEALTHY').length),
      },
      priority: 0,
    })),
  };
}

/** The RDS part of an HttpConnectionManager: routes come over the same ADS stream. */
function hcm(spec: ServiceSpec, statPrefix: string): Record<string, unknown> {
  return {
    '@type': HCM_TYPE,
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    rds: {
      route_config_name: spec.routeName,
      config_source: { ads: {}, resource_api_version: 'V3' },
    },
    // gRPC (A39) and Envoy both need the router, last.
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } }],
  };
}

/**
 * The Listener a proxyless gRPC client asks for: an API listener (A27) with
 * no address, only the HttpConnectionManager that names the route.
 */
export function apiListener(spec: ServiceSpec, name: string): XdsResource {
  return { name, api_listener: { api_listener: hcm(spec, spec.host) } };
}

/**
 * The Listener an Envoy sidecar binds: plain HTTP/2 (gRPC) in on
 * `envoyPort`, routed with the same RouteConfiguration.
 */
export function envoyListener(spec: ServiceSpec, bindAddress: string): XdsResource {
  return {
    name: spec.envoyListenerName,
    address: { socket_address: { address: bindAddress, port_value: spec.envoyPort } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: hcm(spec, spec.host),
          },
        ],
      },
    ],
    traffic_direction: 'OUTBOUND',
  };
}

/**
 * One virtual host for every authority (`*`): a client that dialled this
 * listener meant this Service, whether it wrote the short name, the FQDN,
 * a port or Envoy's local address.
 */
export function routeConfiguration(spec: ServiceSpec): XdsResource {
  return {
    name: spec.routeName,
    virtual_hosts: [
      {
        name: spec.host,
        domains: ['*'],
        routes: [{ match: { prefix: '' }, route: { cluster: spec.clusterName } }],
      },
    ],
  };
}

/**
 * An EDS Cluster over the same ADS stream. The HTTP/2 protocol options are
 * for Envoy, which would speak HTTP/1.1 to the pods without them; gRPC
 * ignores them.
 */
export function cluster(spec: ServiceSpec, lbPolicy: LbPolicy): XdsResource {
  return {
    name: spec.clusterName,
    type: 'EDS',
    eds_cluster_config: {
      eds_config: { ads: {}, resource_api_version: 'V3' },
      service_name: spec.clusterName,
    },
    connect_timeout: { seconds: 1, nanos: 0 },
    lb_policy: lbPolicy,
    ...(lbPolicy === 'RING_HASH'
      ? { ring_hash_lb_config: { hash_function: 'XX_HASH', minimum_ring_size: { value: 1024 } } }
      : {}),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

export interface ServiceResources {
  /** Listeners with a flag: only the Envoy one is sent to a wildcard LDS subscriber. */
  listeners: { resource: XdsResource; wildcard: boolean }[];
  route: XdsResource;
  cluster: XdsResource;
  assignment: XdsResource;
  localities: LocalityInfo[];
}

/** Every resource of one Service, from its slices (none yet: an empty assignment). */
export function serviceResources(
  spec: ServiceSpec,
  slices: readonly EndpointSlice[],
  options: { lbPolicy: LbPolicy; envoyBindAddress: string },
): ServiceResources {
  const { localities, portNumbers } = localitiesFrom(slices, spec);
  return {
    listeners: [
      ...apiListenerNames(spec, portNumbers).map((name) => ({
        resource: apiListener(spec, name),
        wildcard: false,
      })),
      { resource: envoyListener(spec, options.envoyBindAddress), wildcard: true },
    ],
    route: routeConfiguration(spec),
    cluster: cluster(spec, options.lbPolicy),
    assignment: clusterLoadAssignment(spec, localities),
    localities,
  };
}
