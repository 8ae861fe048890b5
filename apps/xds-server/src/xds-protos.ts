import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Envoy's v3 API as Envoy defines it, from the .proto files @grpc/grpc-js-xds
 * ships (deps/envoy-api, plus the xds, googleapis and protoc-gen-validate
 * protos they import). Nothing is copied into the lab: a grpc-js-xds upgrade
 * brings the protos its own client decodes with.
 */
const require = createRequire(import.meta.url);
const depsDir = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
export const XDS_INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map(
  (dir) => join(depsDir, dir),
);

/**
 * The ADS service, and every message the server packs into an Any: loading
 * them into the same root is what lets protobufjs encode an Any given as
 * `{ '@type': url, ...fields }` (its Any wrapper looks the type up there).
 */
export const XDS_PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
] as const;

export const TYPE_URL_PREFIX = 'type.googleapis.com/';
export const LISTENER_TYPE = `${TYPE_URL_PREFIX}envoy.config.listener.v3.Listener`;
export const ROUTE_TYPE = `${TYPE_URL_PREFIX}envoy.config.route.v3.RouteConfiguration`;
export const CLUSTER_TYPE = `${TYPE_URL_PREFIX}envoy.config.cluster.v3.Cluster`;
export const ENDPOINT_TYPE = `${TYPE_URL_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
export const HCM_TYPE = `${TYPE_URL_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const ROUTER_TYPE = `${TYPE_URL_PREFIX}envoy.extensions.filters.http.router.v3.Router`;
export const HTTP_PROTOCOL_OPTIONS_TYPE = `${TYPE_URL_PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`;

/** The four types served, in the order a client needs them. */
export const RESOURCE_TYPES = [LISTENER_TYPE, ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Short names for logs, metric labels and the config dump. */
export const TYPE_SHORT: Record<ResourceType, 'LDS' | 'RDS' | 'CDS' | 'EDS'> = {
  [LISTENER_TYPE]: 'LDS',
  [ROUTE_TYPE]: 'RDS',
  [CLUSTER_TYPE]: 'CDS',
  [ENDPOINT_TYPE]: 'EDS',
};

export function isResourceType(url: string): url is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(url);
}

/** A resource as the server holds it: proto3 JSON-like, snake_case, Any fields with '@type'. */
export type XdsResource = { name: string } & Record<string, unknown>;

/** The parts of an envoy.config.core.v3.Node the server reads. */
export interface XdsNode {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  user_agent_build_version?: unknown;
  locality?: { region?: string; zone?: string; sub_zone?: string } | null;
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: XdsNode | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: ({ '@type': string } & Record<string, unknown>)[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

export type AdsStream = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export interface AdsHandlers extends grpc.UntypedServiceImplementation {
  StreamAggregatedResources: grpc.handleBidiStreamingCall<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources: grpc.handleBidiStreamingCall<unknown, unknown>;
}

export type AdsClient = grpc.Client & {
  StreamAggregatedResources(
    metadata?: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
};

export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/**
 * Field names as the .proto spells them (the names Envoy's docs and
 * config dumps use), enums as names, 64-bit integers as numbers. `json`
 * makes decoding unpack an Any into `{ '@type', ...fields }`: clients that
 * read resources (the tests) want it; the server never decodes an Any.
 */
function options(json: boolean): protoLoader.Options {
  return {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
    // Decoded repeated fields are [] rather than absent when empty.
    arrays: json,
    json,
    includeDirs: XDS_INCLUDE_DIRS,
  };
}

const cache = new Map<boolean, protoLoader.PackageDefinition>();

export function loadXdsPackageDefinition(json = false): protoLoader.PackageDefinition {
  let definition = cache.get(json);
  if (!definition) {
    definition = protoLoader.loadSync([...XDS_PROTO_FILES], options(json));
    cache.set(json, definition);
  }
  return definition;
}

/** The ADS service definition, for a server's addService. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  return loadXdsPackageDefinition()[ADS_SERVICE_NAME] as grpc.ServiceDefinition;
}

/** An ADS client class that decodes resources (Any unpacked): for tests and tools. */
export function adsClientConstructor(): new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => AdsClient {
  const definition = loadXdsPackageDefinition(true)[ADS_SERVICE_NAME] as grpc.ServiceDefinition;
  return grpc.makeGenericClientConstructor(
    definition,
    'AggregatedDiscoveryService',
  ) as unknown as new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => AdsClient;
}
